/**
 * What the monitor measures each window, through the system's public
 * surfaces only (the same probes the specs use, so a team's own companion,
 * page and process are watched the same way as the reference ones):
 *
 * - `--companion`: latency-probe clients that stay connected and measure
 *   telemetry latency window after window (no commands: a monitor must not
 *   drive the robot); a lost connection is reopened at the next window;
 * - `--dashboard`: the frame probe loads the page cold each window (page
 *   load and bundle size), then records its frames and heap over the window;
 * - `--pid`: the memory probe samples the process's heap through its
 *   inspector five times a window, without forcing a GC (a monitor must not
 *   disturb what it watches): `memory.heap_used_mb` is the window's peak.
 *
 * A probe that fails in a window reports an error for that window; the
 * others still count.
 */
import { natives } from '../clock/natives.ts';
import { HilError } from '../errors.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import { FrameRecorder } from '../metrics/frame-recorder.ts';
import type { LatencyRecorder } from '../metrics/latency-recorder.ts';
import { MemoryRecorder } from '../metrics/memory-recorder.ts';
import { createSnapshot, type MetricsSnapshot, type MetricValue } from '../metrics/snapshot.ts';
import { openFrameProbe, type FrameProbe } from '../probes/frame-probe.ts';
import { frameSnapshot } from '../probes/frame-probe-metrics.ts';
import { inspectorMemorySource, type InspectorMemorySource } from '../probes/inspector-memory.ts';
import { ProbeClients, type ProbeClientsOptions } from '../probes/latency-probe-clients.ts';
import { redact, wallEpochMicros } from '../probes/probe-connection.ts';

/** A probe's failure in one window. */
export interface ProbeError {
  probe: 'companion' | 'dashboard' | 'process' | 'monitor';
  message: string;
}

/** One window's measurement. */
export interface WindowMeasurement {
  snapshot: MetricsSnapshot;
  errors: ProbeError[];
}

/** What to open. */
export interface WindowProbeOptions {
  companion: string | null;
  token: string | null;
  clients: number;
  dashboard: string | null;
  pid: number | null;
}

/** The open probes. */
export interface WindowProbes {
  /** Every metric these probes can produce (to tell which invariants can be watched). */
  readonly produces: ReadonlySet<string>;
  /** One line per probe, for the start banner and the report. */
  readonly descriptions: readonly string[];
  measure(windowMs: number): Promise<WindowMeasurement>;
  close(): Promise<void>;
}

/** Real ms after (re)connecting before a window counts, the latency probe's default warm-up. */
export const WARMUP_MS = 300;

/**
 * How far before its stamp a telemetry event may arrive, ms, before the
 * monitor calls the stamps wrong. One clock on loopback: two processes' time
 * origins disagree by a fraction of a millisecond, and whole-ms stamps are
 * truncated (later arrival, never earlier); 5 ms leaves room for the wall
 * clock being slewed between the two processes' starts.
 */
export const FUTURE_STAMP_TOLERANCE_MS = 5;

const sleep = (ms: number): Promise<void> => new Promise((r) => natives.setTimeout(r, Math.max(0, ms)));
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

class CompanionWindow {
  #set: ProbeClients | null = null;
  #telemetry: LatencyRecorder | null = null;

  constructor(private readonly options: ProbeClientsOptions) {}

  async connect(): Promise<void> {
    this.#set = await ProbeClients.open(this.options, {
      telemetry: (us) => this.#telemetry?.record(us / 1000),
      command: () => {},
      commandDropped: () => {},
    });
    // As the latency probe does: connection set-up (the state snapshot, the first frames) is not steady state.
    await sleep(WARMUP_MS);
  }

  async measure(windowMs: number): Promise<{ metrics: Record<string, MetricValue>; error: string | null }> {
    const c = new MetricsCollector();
    if (!this.#set) {
      try {
        await this.connect();
      } catch (err) {
        return { metrics: {}, error: messageOf(err) };
      }
    }
    const telemetry = c.latency('websocket.latency');
    this.#telemetry = telemetry;
    const startUs = wallEpochMicros();
    const counts = await (this.#set as ProbeClients).measure({ startUs, endUs: startUs + windowMs * 1000, offsetUs: 0 });
    this.#telemetry = null;
    telemetry.recordDrop(counts.gaps);
    c.gauge('websocket.messages_per_s', 'msg/s').setRate(counts.messages, windowMs);
    c.counter('websocket.bytes_on_wire', 'bytes').increment(counts.bytesOnWire);
    const problems: string[] = [];
    let metrics = c.metrics();
    // A latency below zero is clamped to 0 ms; far below, the companion's stamps (or its clock, elsewhere) are
    // wrong, and a p99 of 0 ms would pass whatever the real delay: the window's latency is unknown instead.
    if (counts.clampedNegative > 0 && counts.lowestClampedUs < -FUTURE_STAMP_TOLERANCE_MS * 1000) {
      metrics = Object.fromEntries(Object.entries(metrics).filter(([name]) => !/^websocket\.latency_.*_ms$/.test(name)));
      problems.push(`${counts.clampedNegative} telemetry event(s) arrived up to ${(-counts.lowestClampedUs / 1000).toFixed(1)} ms before the time stamped on them: ` +
        `the companion's stamps are not on this machine's clock (run the monitor on the companion's machine, or fix its timestampMicros), so this window's latency is unknown`);
    }
    if (counts.closedByServer.length > 0) {
      problems.push(`the companion closed the connection (code ${counts.closedByServer.join(', ')}); reconnecting next window`);
      await this.close();
    } else if (telemetry.count === 0) {
      problems.push(`no telemetry arrived from ${redact(this.options.url)} in the window`);
    }
    return { metrics, error: problems.length > 0 ? problems.join('; ') : null };
  }

  async close(): Promise<void> {
    const set = this.#set;
    this.#set = null;
    await set?.close();
  }
}

async function measurePage(probe: FrameProbe, url: string, windowMs: number): Promise<Record<string, MetricValue>> {
  const m = await probe.measure({ url, warmupMs: Math.min(500, Math.round(windowMs / 4)), windowMs, lock: false, label: 'mbot-hil monitor' });
  return { ...frameSnapshot(m, { kind: 'ui' }).snapshot.metrics };
}

async function measureMemory(source: InspectorMemorySource, windowMs: number): Promise<Record<string, MetricValue>> {
  const recorder = new MemoryRecorder({ prefix: 'memory' });
  const t0 = natives.performanceNow();
  for (let k = 0; k <= 4; k++) {
    await sleep(t0 + (k * windowMs) / 4 - natives.performanceNow());
    recorder.record(await source.sample({ forceGc: false }));
  }
  return recorder.toMetrics();
}

/** Metric names each probe can produce. */
function producedBy(o: WindowProbeOptions): Set<string> {
  const out = new Set<string>();
  const c = new MetricsCollector();
  if (o.companion) for (const n of [...c.latency('websocket.latency').metricNames(), 'websocket.messages_per_s', 'websocket.bytes_on_wire']) out.add(n);
  if (o.dashboard) for (const n of [...new FrameRecorder({ prefix: 'ui' }).metricNames(), ...new MemoryRecorder({ prefix: 'memory', scope: 'page' }).metricNames(), 'network.page_load_ms', 'network.bundle_size_kb']) out.add(n);
  if (o.pid !== null) for (const n of new MemoryRecorder({ prefix: 'memory' }).metricNames()) out.add(n);
  return out;
}

/**
 * Opens what `options` names, all before the first window: a companion
 * that does not answer, a missing browser or an unreachable inspector is an
 * error here (HIL_PROBE_CONNECT_FAILED, HIL_BROWSER_NOT_FOUND,
 * HIL_PROBE_UNAVAILABLE), with whatever was opened closed again.
 */
export async function openWindowProbes(options: WindowProbeOptions): Promise<WindowProbes> {
  const opened: { close(): Promise<void> | void }[] = [];
  const descriptions: string[] = [];
  let companion: CompanionWindow | null = null;
  let page: FrameProbe | null = null;
  let memory: InspectorMemorySource | null = null;
  try {
    if (options.companion) {
      companion = new CompanionWindow({
        url: options.companion, ...(options.token ? { token: options.token } : {}), clients: options.clients, firstIndex: 0,
        commandClients: 0, commandRateHz: 0, command: {}, commandTimeoutUs: 1_000_000, compression: true, connectConcurrency: 50,
      });
      await companion.connect();
      opened.push(companion);
      descriptions.push(`companion ${redact(options.companion)}: telemetry latency, ${options.clients} client(s)`);
    }
    if (options.dashboard) {
      page = await openFrameProbe();
      opened.push(page);
      if (!page.available) throw new HilError('HIL_BROWSER_NOT_FOUND', `--dashboard needs Chromium: ${page.reason ?? 'not found'}`);
      descriptions.push(`page ${redact(options.dashboard)}: frames, page heap, page load and bundle size (Chromium ${page.browserVersion ?? '?'})`);
    }
    if (options.pid !== null) {
      memory = await inspectorMemorySource({ pid: options.pid });
      opened.push(memory);
      descriptions.push(`process ${options.pid}: heap through ${memory.description}`);
    }
  } catch (err) {
    await Promise.allSettled(opened.map((o) => o.close()));
    throw err;
  }
  const produces = producedBy(options);
  return {
    produces,
    descriptions,
    async measure(windowMs) {
      const errors: ProbeError[] = [];
      const [a, b, m] = await Promise.all([
        companion ? companion.measure(windowMs) : null,
        page && options.dashboard ? measurePage(page, options.dashboard, windowMs).catch((err: unknown) => { errors.push({ probe: 'dashboard', message: messageOf(err) }); return {}; }) : null,
        memory ? measureMemory(memory, windowMs).catch((err: unknown) => { errors.push({ probe: 'process', message: messageOf(err) }); return {}; }) : null,
      ]);
      if (a?.error) errors.unshift({ probe: 'companion', message: a.error });
      const target = options.companion ? redact(options.companion) : options.dashboard ? redact(options.dashboard) : `pid ${options.pid}`;
      const snapshot = createSnapshot({ ...(a?.metrics ?? {}), ...(b ?? {}), ...(m ?? {}) }, { target: { kind: 'external', port: target }, clock: { kind: 'wall' } });
      return { snapshot, errors };
    },
    async close() {
      await Promise.allSettled(opened.map((o) => o.close()));
    },
  };
}
