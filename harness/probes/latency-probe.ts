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
 * right, as long as the system clock is not stepped between the start of the
 * companion's process and the probe's (each fixes `performance.timeOrigin`
 * once); for a companion on another machine, or to rule that out, `ping`
 * estimates the offset from the ping with the smallest round trip (error at
 * most half that RTT, reported as `clockOffsetErrorMs`), on a connection of
 * its own before the clients open.
 * Processes: the clients run in this process by default; `workerProcesses: n`
 * runs them in n worker processes instead (`latency-probe-pool.ts`), at a
 * lower CPU priority with `workerNiceness`: for hundreds of clients on the
 * companion's own machine. The measurement is the same either way
 * (`latency-probe-clients.ts`).
 * Telemetry metrics: `websocket.latency_*` and `websocket.dropped` (sequence
 * gaps: messages the companion numbered and dropped); command metrics:
 * `websocket.command_rtt_*` and `websocket.command_dropped`; plus
 * `websocket.messages_per_s` and `websocket.bytes_on_wire` over the window.
 */
import { HilError } from '../errors.ts';
import { checkCpuList } from './cpu-affinity.ts';
import { natives } from '../clock/natives.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import type { LatencyRecorder } from '../metrics/latency-recorder.ts';
import { measureClockOffset, ProbeClients, type LatencySink, type ProbeClientsOptions, type ProbeCounts } from './latency-probe-clients.ts';
import { runProbePool } from './latency-probe-pool.ts';
import { redact, wallEpochMicros } from './probe-connection.ts';

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
  /**
   * An ack later than this (real ms after the intended send) is a drop. Default 2000. It also
   * bounds the wait after the window for telemetry produced in it and still on its way.
   */
  commandTimeoutMs?: number;
  /** `none`, `ping`, or `auto` (default: `none` on loopback, `ping` elsewhere). */
  clockOffset?: 'none' | 'ping' | 'auto';
  /** Offer permessage-deflate (default true, as browsers do). */
  compression?: boolean;
  /** Clients opening at once (default 50): a thousand handshakes in the same millisecond is a connection storm, not the steady state measured. */
  connectConcurrency?: number;
  /**
   * Worker processes the clients run in, split evenly (default 0: in this
   * process). Each worker opens its share `connectConcurrency` at a time.
   */
  workerProcesses?: number;
  /**
   * Niceness of the worker processes, 0..19 (default 0). Raise it when the
   * probe shares the machine with the companion, so the companion keeps its
   * core (see `latency-probe-pool.ts`).
   */
  workerNiceness?: number;
  /**
   * CPUs the worker processes may run on (Linux, `taskset`), e.g. every core
   * but the companion's when both share a machine (see `cpu-affinity.ts`).
   * Needs `workerProcesses` >= 1. Default: wherever the scheduler puts them.
   */
  workerCpus?: readonly number[];
  /** Collector to record into (default a new one). */
  collector?: MetricsCollector;
}

/** Everything a probe run measured, besides the metrics in the collector; the counts are over all clients. */
export interface LatencyProbeResult extends Omit<ProbeCounts, 'lowestClampedUs'> {
  collector: MetricsCollector;
  telemetry: LatencyRecorder;
  commands: LatencyRecorder;
  clients: number;
  windowMs: number;
  /** Estimated server-minus-probe clock offset applied, ms (0 when not pinged: a shared clock is assumed). */
  clockOffsetMs: number;
  /**
   * Bound on the pinged offset's error, ms: half the quickest ping round trip
   * plus the pong stamp's resolution (0 when not pinged: one clock is
   * assumed, though two processes' time origins can still disagree by a
   * fraction of a millisecond, so a clamp that small is no fault). Every telemetry
   * latency is off by as much as this (either way), so on a busy machine,
   * whose round trips are long, latencies shorter than it may be clamped to 0
   * (`clampedNegative`), though never by more than it (`lowestClampedMs`).
   */
  clockOffsetErrorMs: number;
  /**
   * The lowest latency clamped to 0, ms (0 when none was). Below
   * `-clockOffsetErrorMs` the offset or the companion's stamps are wrong
   * (e.g. stamps on another clock or in another unit), not just imprecise.
   */
  lowestClampedMs: number;
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

/**
 * Connects the clients, warms up, measures for `durationMs`, waits for
 * outstanding acks (up to `commandTimeoutMs`), closes and returns what it
 * measured. Rejects with HIL_PROBE_CONNECT_FAILED when a client cannot
 * connect, HIL_PROBE_UNAVAILABLE when a worker process dies, and
 * HIL_CONFIG_INVALID for a bad `workerProcesses`, `workerNiceness` or
 * `workerCpus` (HIL_PROBE_UNAVAILABLE when the CPUs cannot be pinned here).
 */
export async function runLatencyProbe(options: LatencyProbeOptions): Promise<LatencyProbeResult> {
  const url = options.url ?? companionUrlFromEnv();
  const token = options.token ?? process.env[COMPANION_TOKEN_ENV];
  const clients = options.clients ?? 1;
  const warmupMs = options.warmupMs ?? 300;
  const workerProcesses = options.workerProcesses ?? 0;
  const niceness = options.workerNiceness ?? 0;
  if (!Number.isInteger(workerProcesses) || workerProcesses < 0) {
    throw new HilError('HIL_CONFIG_INVALID', `workerProcesses must be a whole number >= 0 (0: clients in this process); got ${String(workerProcesses)}`);
  }
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) {
    throw new HilError('HIL_CONFIG_INVALID', `workerNiceness must be a whole number from 0 to 19; got ${String(niceness)}`);
  }
  const cpus = options.workerCpus;
  if (cpus !== undefined) {
    if (workerProcesses === 0) throw new HilError('HIL_CONFIG_INVALID', 'workerCpus pins the probe\'s worker processes: set workerProcesses to 1 or more, or leave workerCpus unset');
    checkCpuList(cpus, 'workerCpus');
  }
  const collector = options.collector ?? new MetricsCollector();
  const telemetry = collector.latency('websocket.latency');
  const commands = collector.latency('websocket.command_rtt', { droppedName: 'websocket.command_dropped' });
  const sink: LatencySink = {
    telemetry: (us) => telemetry.record(us / 1000),
    command: (us) => commands.record(us / 1000),
    commandDropped: (n) => commands.recordDrop(n),
  };
  const clientOptions: ProbeClientsOptions = {
    url,
    ...(token ? { token } : {}),
    clients,
    firstIndex: 0,
    commandClients: Math.min(clients, options.commandClients ?? 1),
    commandRateHz: options.commandRateHz ?? 20,
    command: options.command ?? { command: 'stop' },
    commandTimeoutUs: (options.commandTimeoutMs ?? 2000) * 1000,
    compression: options.compression ?? true,
    connectConcurrency: options.connectConcurrency ?? 50,
  };
  const mode = options.clockOffset ?? 'auto';
  const pingOffset = mode === 'ping' || (mode === 'auto' && !isLoopbackUrl(url));

  let counts: ProbeCounts;
  let offsetUs = 0;
  let offsetErrorUs = 0;
  if (workerProcesses > 0) {
    ({ counts, offsetUs, offsetErrorUs } = await runProbePool({ ...clientOptions, processes: workerProcesses, niceness, cpus, warmupMs, durationMs: options.durationMs, pingOffset }, sink));
  } else {
    // Before the clients connect: pongs behind their telemetry would be late by milliseconds.
    if (pingOffset) ({ offsetUs, errorUs: offsetErrorUs } = await measureClockOffset(clientOptions));
    const set = await ProbeClients.open(clientOptions, sink);
    try {
      await sleepReal(warmupMs);
      const startUs = wallEpochMicros();
      counts = await set.measure({ startUs, endUs: startUs + options.durationMs * 1000, offsetUs });
    } finally {
      await set.close();
    }
  }

  telemetry.recordDrop(counts.gaps);
  collector.gauge('websocket.messages_per_s', 'msg/s').setRate(counts.messages, options.durationMs);
  collector.counter('websocket.bytes_on_wire', 'bytes').increment(counts.bytesOnWire);
  return {
    collector,
    telemetry,
    commands,
    clients,
    windowMs: options.durationMs,
    messages: counts.messages,
    frames: counts.frames,
    bytesOnWire: counts.bytesOnWire,
    gaps: counts.gaps,
    outOfOrder: counts.outOfOrder,
    malformed: counts.malformed,
    protocolErrors: counts.protocolErrors,
    clockOffsetMs: offsetUs / 1000,
    clockOffsetErrorMs: offsetErrorUs / 1000,
    clampedNegative: counts.clampedNegative,
    lowestClampedMs: counts.lowestClampedUs / 1000,
    closedByServer: counts.closedByServer,
    compressed: counts.compressed,
  };
}
