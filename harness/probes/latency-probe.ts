/**
 * The latency probe: N WebSocket clients on any companion URL
 * (`HIL_COMPANION_URL`) measure
 *
 * (a) one-way telemetry latency: arrival (this process's real time, epoch µs)
 *     minus the message's `timestampMicros` (or `timestamp` × 1000 when the
 *     companion sends only ms). The reference companion stamps telemetry with
 *     the time it was DUE, so a stall on its side is latency, not a gap.
 *     Only `event` messages count (not state, acks, pongs).
 * (b) command round trip: commands go out at a fixed rate from a schedule
 *     (t0 + k / rate); each ack's arrival is recorded against the command's
 *     INTENDED send time, so a probe or companion stall cannot hide its
 *     backlog (no coordinated omission). An ack not back within
 *     `commandTimeoutMs` is a drop.
 *
 * Clocks: on loopback both ends read the same system clock and `none` is
 * right; for a companion on another machine `ping` estimates the offset from
 * the ping with the smallest round trip (error at most half that RTT).
 * Telemetry metrics: `websocket.latency_*` and `websocket.dropped` (sequence
 * gaps: messages the companion numbered and dropped); command metrics:
 * `websocket.command_rtt_*` and `websocket.command_dropped`; plus
 * `websocket.messages_per_s` and `websocket.bytes_on_wire` over the window.
 */
import { HilError } from '../errors.ts';
import { natives } from '../clock/natives.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import type { LatencyRecorder } from '../metrics/latency-recorder.ts';
import { openConnection, redact, wallEpochMicros, type ProbeConnection, type ReceivedEnvelope } from './probe-connection.ts';

/** Environment variable naming the companion the probes measure. */
export const COMPANION_URL_ENV = 'HIL_COMPANION_URL';
/** Environment variable with the companion's token, if it wants one. */
export const COMPANION_TOKEN_ENV = 'HIL_COMPANION_TOKEN';

/** Options of {@link runLatencyProbe}. */
export interface LatencyProbeOptions {
  /** Companion URL; default `HIL_COMPANION_URL`. */
  url?: string;
  /** Token; default `HIL_COMPANION_TOKEN`. */
  token?: string;
  /** Concurrent clients (default 1), all measuring telemetry. */
  clients?: number;
  /** Measurement window after the warm-up, real ms. */
  durationMs: number;
  /** Real ms after connecting before samples count (default 300): connection set-up is not steady state. */
  warmupMs?: number;
  /** Commands per second sent by EACH of the first `commandClients` clients (default 20; 0 = none). */
  commandRateHz?: number;
  /** How many clients send commands (default 1). */
  commandClients?: number;
  /** The command payload (default `{ command: 'stop' }`: harmless on a bench robot). */
  command?: Record<string, unknown>;
  /** An ack later than this (real ms after the intended send) is a drop. Default 2000. */
  commandTimeoutMs?: number;
  /** `none`, `ping`, or `auto` (default: `none` on loopback, `ping` elsewhere). */
  clockOffset?: 'none' | 'ping' | 'auto';
  /** Offer permessage-deflate (default true, as browsers do). */
  compression?: boolean;
  /** Clients opening at once (default 50): a thousand handshakes in the same millisecond is a connection storm, not the steady state measured. */
  connectConcurrency?: number;
  /** Collector to record into (default a new one). */
  collector?: MetricsCollector;
}

/** Everything a probe run measured, besides the metrics in the collector. */
export interface LatencyProbeResult {
  collector: MetricsCollector;
  telemetry: LatencyRecorder;
  commands: LatencyRecorder;
  clients: number;
  windowMs: number;
  /** Messages received in the window over all clients (batches unwrapped). */
  messages: number;
  frames: number;
  bytesOnWire: number;
  /** Sequence gaps (companion-side drops) over all clients. */
  gaps: number;
  outOfOrder: number;
  malformed: number;
  protocolErrors: number;
  /** Estimated server-minus-probe clock offset applied, ms. */
  clockOffsetMs: number;
  /** Latencies below zero (clock error larger than the latency) recorded as 0. */
  clampedNegative: number;
  /** Clients closed by the companion during the run, with their close codes. */
  closedByServer: number[];
  /** True when every client negotiated permessage-deflate. */
  compressed: boolean;
}

/** The companion URL from the environment, or throws HIL_CONFIG_INVALID naming the variable. */
export function companionUrlFromEnv(env: Record<string, string | undefined> = process.env): string {
  const url = env[COMPANION_URL_ENV];
  if (!url || !/^wss?:\/\//u.test(url)) {
    throw new HilError('HIL_CONFIG_INVALID', `${COMPANION_URL_ENV} must be a ws:// or wss:// URL of the companion; got ${url === undefined ? 'nothing' : JSON.stringify(redact(url))}`);
  }
  return url;
}

const sleepReal = (ms: number): Promise<void> => new Promise((r) => natives.setTimeout(r, ms));

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/gu, '');
  return host === 'localhost' || host === '::1' || /^127\./u.test(host);
}

function stampMicros(env: ReceivedEnvelope): number | null {
  if (typeof env.timestampMicros === 'number' && Number.isFinite(env.timestampMicros)) return env.timestampMicros;
  if (typeof env.timestamp === 'number' && Number.isFinite(env.timestamp)) return env.timestamp * 1000;
  return null;
}

/** Server-minus-local offset in µs from `count` pings over `conn` (the smallest round trip wins). */
async function estimateOffsetMicros(conn: ProbeConnection, pongs: Map<number, (env: ReceivedEnvelope, at: number) => void>, count = 8): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < count; i++) {
    const id = -1 - i;
    const reply = new Promise<{ env: ReceivedEnvelope; at: number }>((resolve) => pongs.set(id, (env, at) => resolve({ env, at })));
    const sent = wallEpochMicros();
    conn.send({ version: 2, type: 'ping', payload: { probe: id }, timestamp: Math.floor(sent / 1000), timestampMicros: Math.round(sent) });
    const got = await Promise.race([reply, sleepReal(1000).then(() => null)]);
    pongs.delete(id);
    if (!got) continue;
    const server = stampMicros(got.env);
    const rtt = got.at - sent;
    if (server !== null && rtt < best.rtt) best = { rtt, offset: server - (sent + got.at) / 2 };
  }
  return best.offset;
}

/**
 * Connects the clients, warms up, measures for `durationMs`, waits for
 * outstanding acks (up to `commandTimeoutMs`), closes and returns what it
 * measured. Rejects with HIL_PROBE_CONNECT_FAILED when a client cannot connect.
 */
export async function runLatencyProbe(options: LatencyProbeOptions): Promise<LatencyProbeResult> {
  const url = options.url ?? companionUrlFromEnv();
  const token = options.token ?? process.env[COMPANION_TOKEN_ENV];
  const clients = options.clients ?? 1;
  const warmupMs = options.warmupMs ?? 300;
  const rate = options.commandRateHz ?? 20;
  const commandClients = Math.min(clients, options.commandClients ?? 1);
  const timeoutUs = (options.commandTimeoutMs ?? 2000) * 1000;
  const collector = options.collector ?? new MetricsCollector();
  const telemetry = collector.latency('websocket.latency');
  const commands = collector.latency('websocket.command_rtt', { droppedName: 'websocket.command_dropped' });
  const pongs = new Map<number, (env: ReceivedEnvelope, at: number) => void>();
  const pending = new Map<string, number>();
  let offsetUs = 0;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let clamped = 0;
  let protocolErrors = 0;
  let messagesInWindow = 0;

  const record = (rec: LatencyRecorder, latencyUs: number): void => {
    if (latencyUs < 0) clamped++;
    rec.record(Math.max(0, latencyUs) / 1000);
  };
  const onMessage = (env: ReceivedEnvelope, at: number): void => {
    const inWindow = at >= windowStart && at <= windowEnd;
    if (inWindow) messagesInWindow++;
    if (env.type === 'pong') {
      const id = (env.payload as { probe?: unknown } | null)?.probe;
      if (typeof id === 'number') pongs.get(id)?.(env, at);
      return;
    }
    if (env.type !== 'event') return;
    const payload = env.payload as { event?: unknown; data?: { id?: unknown } } | null;
    if (payload?.event === 'ack') {
      const id = payload.data?.id;
      const intended = typeof id === 'string' ? pending.get(id) : undefined;
      if (intended === undefined) return;
      pending.delete(id as string);
      if (at - intended > timeoutUs) commands.recordDrop();
      else record(commands, at - intended);
      return;
    }
    if (payload?.event === 'protocol_error') {
      protocolErrors++;
      return;
    }
    const stamp = stampMicros(env);
    if (stamp === null) return;
    const producedLocal = stamp - offsetUs;
    if (producedLocal < windowStart || producedLocal > windowEnd) return;
    record(telemetry, at - producedLocal);
  };

  const conns: ProbeConnection[] = [];
  const wave = Math.max(1, options.connectConcurrency ?? 50);
  for (let first = 0; first < clients; first += wave) {
    const opened = await Promise.allSettled(Array.from({ length: Math.min(wave, clients - first) }, () => openConnection({
      url,
      ...(token ? { token } : {}),
      compression: options.compression ?? true,
      handlers: { onMessage },
    })));
    for (const o of opened) if (o.status === 'fulfilled') conns.push(o.value);
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      await Promise.all(conns.map((c) => c.close()));
      throw failed.reason;
    }
  }

  try {
    const mode = options.clockOffset ?? 'auto';
    if (mode === 'ping' || (mode === 'auto' && !isLoopbackUrl(url))) {
      offsetUs = await estimateOffsetMicros(conns[0] as ProbeConnection, pongs);
    }
    await sleepReal(warmupMs);
    const bytesAtStart = conns.map((c) => c.bytesRead());
    const seqAtStart = conns.map((c) => ({ ...c.seq }));
    windowStart = wallEpochMicros();
    windowEnd = windowStart + options.durationMs * 1000;

    // Commands at a fixed rate from a schedule; a late timer sends every command that is due.
    if (rate > 0 && commandClients > 0) {
      const intervalUs = 1e6 / rate;
      let k = 0;
      while (true) {
        const due = windowStart + k * intervalUs;
        if (due >= windowEnd) break;
        const now = wallEpochMicros();
        if (due > now) {
          await sleepReal(Math.max(0, (due - now) / 1000));
          continue;
        }
        for (let c = 0; c < commandClients; c++) {
          const id = `probe-${c}-${k}`;
          pending.set(id, due);
          (conns[c] as ProbeConnection).send({ version: 2, type: 'command', payload: { id, ...(options.command ?? { command: 'stop' }) }, timestamp: Math.floor(now / 1000), timestampMicros: Math.round(now) });
        }
        k++;
      }
    }
    const remaining = (windowEnd - wallEpochMicros()) / 1000;
    if (remaining > 0) await sleepReal(remaining);
    const bytesAtEnd = conns.map((c) => c.bytesRead());
    const seqAtEnd = conns.map((c) => ({ ...c.seq }));
    // Outstanding acks get until their timeout.
    const drainUntil = wallEpochMicros() + timeoutUs;
    while (pending.size > 0 && wallEpochMicros() < drainUntil) await sleepReal(10);
    commands.recordDrop(pending.size);
    pending.clear();

    const windowMs = options.durationMs;
    let gaps = 0;
    let outOfOrder = 0;
    let malformed = 0;
    let frames = 0;
    conns.forEach((c, i) => {
      const a = seqAtStart[i]!;
      const b = seqAtEnd[i]!;
      gaps += b.gaps - a.gaps;
      outOfOrder += b.outOfOrder - a.outOfOrder;
      malformed += b.malformed - a.malformed;
      frames += b.frames - a.frames;
    });
    telemetry.recordDrop(gaps);
    const bytesOnWire = bytesAtEnd.reduce((sum, b, i) => sum + b - (bytesAtStart[i] ?? 0), 0);
    collector.gauge('websocket.messages_per_s', 'msg/s').setRate(messagesInWindow, windowMs);
    collector.counter('websocket.bytes_on_wire', 'bytes').increment(bytesOnWire);
    return {
      collector,
      telemetry,
      commands,
      clients,
      windowMs,
      messages: messagesInWindow,
      frames,
      bytesOnWire,
      gaps,
      outOfOrder,
      malformed,
      protocolErrors,
      clockOffsetMs: offsetUs / 1000,
      clampedNegative: clamped,
      closedByServer: conns.map((c) => c.closeCode).filter((c): c is number => c !== null),
      compressed: conns.every((c) => c.compressed),
    };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}
