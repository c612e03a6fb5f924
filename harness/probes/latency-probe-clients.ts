/**
 * The clients of the latency probe in one process: opens them, measures one
 * window given in absolute time, and hands every latency to a sink. The
 * probe runs one such set in its own process (`latency-probe.ts`) or one in
 * each of several worker processes (`latency-probe-pool.ts`), and both
 * measure the same way:
 *
 * - telemetry: arrival (this process's real time, epoch µs, stamped before
 *   the frame is parsed) minus the message's `timestampMicros` (or
 *   `timestamp` × 1000) corrected by the clock offset, for every `event`
 *   produced inside the window, also when it arrives after the window's end:
 *   a client that carried telemetry in the window is waited for (up to the
 *   command timeout) until it has an event produced after the end, so the
 *   latest, slowest arrivals of a busy machine are measured, not left out;
 * - commands: sent at a fixed rate from a schedule (start + k / rate); each
 *   ack's arrival is taken against the command's INTENDED send time (no
 *   coordinated omission); an ack not back within the timeout is a drop.
 *
 * On one machine every process reads the same clock: `performance.timeOrigin
 * + performance.now()` agrees across processes to a few µs, so samples from
 * several processes are comparable.
 */
import { natives } from '../clock/natives.ts';
import { HilError } from '../errors.ts';
import { openConnection, redact, wallEpochMicros, type ProbeConnection, type ReceivedEnvelope } from './probe-connection.ts';

/** Where a client set puts what it measures (µs; a negative latency, from clock error, arrives as 0). */
export interface LatencySink {
  telemetry(latencyUs: number): void;
  command(roundTripUs: number): void;
  commandDropped(count: number): void;
}

/** Options of {@link ProbeClients.open}. */
export interface ProbeClientsOptions {
  url: string;
  token?: string;
  /** Connections in this set. */
  clients: number;
  /** Index of this set's first client among all the probe's clients (names its commands). */
  firstIndex: number;
  /** How many of this set's first clients send commands. */
  commandClients: number;
  /** Commands per second per command client (0 = none). */
  commandRateHz: number;
  /** The command payload. */
  command: Record<string, unknown>;
  /** An ack later than this (µs after the intended send) is a drop. */
  commandTimeoutUs: number;
  /** Offer permessage-deflate. */
  compression: boolean;
  /** Connections opening at once. */
  connectConcurrency: number;
}

/** A measurement window in this machine's real time (epoch µs), and the server-minus-probe clock offset. */
export interface ProbeWindow {
  startUs: number;
  endUs: number;
  offsetUs: number;
}

/** Counts of one window over one client set (plain data: it crosses process boundaries). */
export interface ProbeCounts {
  /** Messages that arrived in the window (batches unwrapped). */
  messages: number;
  frames: number;
  bytesOnWire: number;
  /** Sequence gaps (companion-side drops). */
  gaps: number;
  outOfOrder: number;
  malformed: number;
  protocolErrors: number;
  /** Latencies below zero recorded as 0. */
  clampedNegative: number;
  /**
   * The lowest latency recorded as 0, µs (0 when none was clamped). With a
   * pinged offset, telemetry may fall below zero by up to the offset's error
   * bound from that error alone; further below, the offset or the stamps are wrong.
   */
  lowestClampedUs: number;
  /** Close codes of clients the server closed. */
  closedByServer: number[];
  /** True when every client negotiated permessage-deflate. */
  compressed: boolean;
}

/** One connection's telemetry in the current window: whether it carries any, and whether an event produced after the window's end has come. */
interface TailState {
  streaming: boolean;
  pastEnd: boolean;
}

const sleepReal = (ms: number): Promise<void> => new Promise((r) => natives.setTimeout(r, ms));

function stampMicros(env: ReceivedEnvelope): number | null {
  if (typeof env.timestampMicros === 'number' && Number.isFinite(env.timestampMicros)) return env.timestampMicros;
  if (typeof env.timestamp === 'number' && Number.isFinite(env.timestamp)) return env.timestamp * 1000;
  return null;
}

/** What {@link measureClockOffset} connects with. */
export type OffsetOptions = Pick<ProbeClientsOptions, 'url' | 'token' | 'compression'>;

/** A pinged clock offset and how far from the true offset it can be. */
export interface ClockOffset {
  /** Server-minus-local clock offset, µs. */
  offsetUs: number;
  /**
   * Bound on |estimate - true offset|, µs: half the quickest round trip plus
   * the resolution of the pong's stamp (1 µs, or 1000 µs when the companion
   * stamps only whole ms). A busy machine stretches every round trip, so this
   * grows with load; the estimate stays inside it.
   */
  errorUs: number;
}

/**
 * Server-minus-local clock offset from `count` pings on a connection of its
 * own (the smallest round trip wins; see {@link ClockOffset.errorUs}). Call
 * it before the probe's clients open: on a link that carries their telemetry
 * too, the pongs queue behind it and the error grows to milliseconds.
 * Rejects with HIL_PROBE_UNAVAILABLE when no ping is answered with a stamped
 * pong within 1 s (an offset of 0 then would be a guess, not a measurement).
 */
export async function measureClockOffset(options: OffsetOptions, count = 8): Promise<ClockOffset> {
  const pongs = new Map<number, (env: ReceivedEnvelope, at: number) => void>();
  const conn = await openConnection({
    url: options.url,
    ...(options.token ? { token: options.token } : {}),
    compression: options.compression,
    handlers: {
      onMessage: (env, at) => {
        const id = env.type === 'pong' ? (env.payload as { probe?: unknown } | null)?.probe : undefined;
        if (typeof id === 'number') pongs.get(id)?.(env, at);
      },
    },
  });
  try {
    let best = { rtt: Infinity, offset: 0, resolution: 0 };
    for (let i = 0; i < count; i++) {
      const id = -1 - i;
      const reply = new Promise<{ env: ReceivedEnvelope; at: number }>((resolve) => pongs.set(id, (env, at) => resolve({ env, at })));
      const sent = wallEpochMicros();
      conn.send({ version: 2, type: 'ping', payload: { probe: id }, timestamp: Math.floor(sent / 1000), timestampMicros: Math.round(sent) });
      // A companion that closes the connection (its rate limit, a token it refuses, a crash) answers
      // no more pings: say so at once, with its close code, instead of timing out ping after ping.
      const got = await Promise.race([reply, sleepReal(1000).then(() => null), conn.closed.then((code) => ({ closed: code }))]);
      pongs.delete(id);
      if (got && 'closed' in got) {
        throw new HilError('HIL_PROBE_CONNECT_FAILED', `the companion at ${redact(options.url)} closed the connection (code ${got.closed}) before answering ping ${i + 1} of ${count}, so its clock offset cannot be measured: check its token and rate limit, and that it is still running`);
      }
      if (!got) continue;
      const server = stampMicros(got.env);
      const rtt = got.at - sent;
      // The pong was stamped between sent and got.at on the server's clock (its stamp
      // truncated to its resolution), so the midpoint is off by at most half the trip.
      if (server !== null && rtt < best.rtt) best = { rtt, offset: server - (sent + got.at) / 2, resolution: typeof got.env.timestampMicros === 'number' ? 1 : 1000 };
    }
    if (best.rtt === Infinity) {
      throw new HilError('HIL_PROBE_UNAVAILABLE', `the companion at ${redact(options.url)} answered none of ${count} pings with a stamped pong within 1 s each, so its clock offset cannot be measured and no latency would be honest: make it answer ping with a stamped pong (docs/companion-and-probes.md), or, when it runs on this machine, reach it on a loopback address (127.0.0.1, ::1, localhost), where no offset is measured (runLatencyProbe's clockOffset 'none' in your own code)`);
    }
    return { offsetUs: best.offset, errorUs: best.rtt / 2 + best.resolution };
  } finally {
    await conn.close();
  }
}

/** One process's share of the probe's clients; see the module comment. */
export class ProbeClients {
  readonly #o: ProbeClientsOptions;
  readonly #sink: LatencySink;
  readonly #conns: ProbeConnection[] = [];
  readonly #pending = new Map<string, number>();
  /** Per connection (same order as #conns): what the window's tail waits for. */
  readonly #tails: TailState[] = [];
  #window: ProbeWindow = { startUs: Infinity, endUs: Infinity, offsetUs: 0 };
  #messages = 0;
  #frames = 0;
  #protocolErrors = 0;
  #clamped = 0;
  #lowestClampedUs = 0;

  private constructor(options: ProbeClientsOptions, sink: LatencySink) {
    this.#o = options;
    this.#sink = sink;
  }

  /**
   * Opens every client, `connectConcurrency` at a time. Rejects with the
   * first HIL_PROBE_CONNECT_FAILED after closing those already open.
   */
  static async open(options: ProbeClientsOptions, sink: LatencySink): Promise<ProbeClients> {
    const set = new ProbeClients(options, sink);
    const wave = Math.max(1, options.connectConcurrency);
    for (let first = 0; first < options.clients; first += wave) {
      const tails = Array.from({ length: Math.min(wave, options.clients - first) }, (): TailState => ({ streaming: false, pastEnd: false }));
      const opened = await Promise.allSettled(tails.map((tail) => openConnection({
        url: options.url,
        ...(options.token ? { token: options.token } : {}),
        compression: options.compression,
        handlers: { onMessage: (env, at) => set.#onMessage(env, at, tail), onFrame: (at) => set.#onFrame(at) },
      })));
      opened.forEach((o, i) => {
        if (o.status !== 'fulfilled') return;
        set.#conns.push(o.value);
        set.#tails.push(tails[i] as TailState);
      });
      const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) {
        await set.close();
        throw failed.reason;
      }
    }
    return set;
  }

  /**
   * Measures `window` (which may start in the future): sends the commands on
   * their schedule, waits for the window's end, then gives outstanding acks
   * and the window's telemetry still on its way until the command timeout.
   * Resolves with the window's counts.
   */
  async measure(window: ProbeWindow): Promise<ProbeCounts> {
    const conns = this.#conns;
    // Counts are per window: a set measured window after window (the monitor) must not carry them over.
    // The window is named before the wait for its start: a timer that fires late must not
    // leave out what arrived in the window meanwhile.
    this.#messages = 0;
    this.#frames = 0;
    this.#protocolErrors = 0;
    this.#clamped = 0;
    this.#lowestClampedUs = 0;
    this.#window = window;
    for (const t of this.#tails) Object.assign(t, { streaming: false, pastEnd: false });
    const untilStart = (window.startUs - wallEpochMicros()) / 1000;
    if (untilStart > 0) await sleepReal(untilStart);
    const bytesAtStart = conns.map((c) => c.bytesRead());
    const seqAtStart = conns.map((c) => ({ ...c.seq }));

    const { commandRateHz: rate, commandClients } = this.#o;
    if (rate > 0 && commandClients > 0) {
      // A late timer sends every command that is due; each is timed from when it was due.
      const intervalUs = 1e6 / rate;
      let k = 0;
      while (true) {
        const due = window.startUs + k * intervalUs;
        if (due >= window.endUs) break;
        const now = wallEpochMicros();
        if (due > now) {
          await sleepReal(Math.max(0, (due - now) / 1000));
          continue;
        }
        for (let c = 0; c < commandClients; c++) {
          const id = `probe-${this.#o.firstIndex + c}-${k}`;
          this.#pending.set(id, due);
          (conns[c] as ProbeConnection).send({ version: 2, type: 'command', payload: { id, ...this.#o.command }, timestamp: Math.floor(now / 1000), timestampMicros: Math.round(now) });
        }
        k++;
      }
    }
    const remaining = (window.endUs - wallEpochMicros()) / 1000;
    if (remaining > 0) await sleepReal(remaining);
    const bytesAtEnd = conns.map((c) => c.bytesRead());
    const seqAtEnd = conns.map((c) => ({ ...c.seq }));
    const drainUntil = wallEpochMicros() + this.#o.commandTimeoutUs;
    // Acks still out, and telemetry produced in the window still on its way (a client that
    // carried telemetry has all of the window's once it has an event produced after the end).
    const tailOpen = (): boolean => this.#tails.some((t, i) => t.streaming && !t.pastEnd && (conns[i] as ProbeConnection).closeCode === null);
    while ((this.#pending.size > 0 || tailOpen()) && wallEpochMicros() < drainUntil) await sleepReal(10);
    this.#sink.commandDropped(this.#pending.size);
    this.#pending.clear();

    const counts: ProbeCounts = {
      messages: this.#messages, frames: this.#frames, bytesOnWire: 0, gaps: 0, outOfOrder: 0, malformed: 0,
      protocolErrors: this.#protocolErrors, clampedNegative: this.#clamped, lowestClampedUs: this.#lowestClampedUs,
      closedByServer: conns.map((c) => c.closeCode).filter((c): c is number => c !== null),
      compressed: conns.every((c) => c.compressed),
    };
    conns.forEach((_, i) => {
      const a = seqAtStart[i]!;
      const b = seqAtEnd[i]!;
      counts.gaps += b.gaps - a.gaps;
      counts.outOfOrder += b.outOfOrder - a.outOfOrder;
      counts.malformed += b.malformed - a.malformed;
      counts.bytesOnWire += bytesAtEnd[i]! - bytesAtStart[i]!;
    });
    return counts;
  }

  /** Closes every client (1000). */
  async close(): Promise<void> {
    await Promise.all(this.#conns.map((c) => c.close()));
  }

  #latencyUs(latencyUs: number): number {
    if (latencyUs >= 0) return latencyUs;
    this.#clamped++;
    this.#lowestClampedUs = Math.min(this.#lowestClampedUs, latencyUs);
    return 0;
  }

  /**
   * Frames are counted by their arrival stamp, as messages are: a frame that arrived in the
   * window but was parsed after its end (a busy event loop) counts, as its messages do.
   * Counting them from the connection's running total at the window's end left them out
   * (180 frames for 184 messages of 2-message batches, in a loaded run).
   */
  #onFrame(at: number): void {
    if (at >= this.#window.startUs && at <= this.#window.endUs) this.#frames++;
  }

  #onMessage(env: ReceivedEnvelope, at: number, tail: TailState): void {
    const { startUs, endUs, offsetUs } = this.#window;
    if (at >= startUs && at <= endUs) this.#messages++;
    if (env.type !== 'event') return;
    const payload = env.payload as { event?: unknown; data?: { id?: unknown } } | null;
    if (payload?.event === 'ack') {
      const id = payload.data?.id;
      const intended = typeof id === 'string' ? this.#pending.get(id) : undefined;
      if (intended === undefined) return;
      this.#pending.delete(id as string);
      if (at - intended > this.#o.commandTimeoutUs) this.#sink.commandDropped(1);
      else this.#sink.command(this.#latencyUs(at - intended));
      return;
    }
    if (payload?.event === 'protocol_error') {
      this.#protocolErrors++;
      return;
    }
    const stamp = stampMicros(env);
    if (stamp === null) return;
    const producedLocal = stamp - offsetUs;
    tail.streaming = true;
    if (producedLocal > endUs) tail.pastEnd = true;
    if (producedLocal < startUs || producedLocal > endUs) return;
    this.#sink.telemetry(this.#latencyUs(at - producedLocal));
  }
}
