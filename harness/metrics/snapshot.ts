import { HilError } from '../errors.ts';
import { checkEvidence, type Evidence } from './evidence-schema.ts';

/** Unit of a metric value; the metric name ends with it where it has one (`_ms`, `_mb`). */
export type MetricUnit = 'ms' | 'us' | 'fps' | 'mb' | 'kb' | 'mb/h' | 'count' | 'ratio' | 'percent' | 'bytes' | 'msg/s';

/** One measured value. `samples` is how many raw samples it was computed from. */
export interface MetricValue {
  value: number;
  unit: MetricUnit;
  samples: number;
}

/** What the measurement ran against. Plain JSON. */
export interface TargetInfo {
  /** `sim`: the simulator; `hardware`: a real serial port (or the PTY stand-in); `external`: a user's own system under test; `none`: values given by hand. */
  kind: 'sim' | 'hardware' | 'external' | 'none';
  port?: string;
  firmware?: { name: string; version: string };
  bench?: string;
}

/** Which clock timestamped the samples. */
export interface ClockInfo {
  kind: 'wall' | 'virtual';
}

/**
 * An immutable, plain-JSON set of named metric values with the context they
 * were measured in. Built by recorders (`harness/metrics/`), read by matchers.
 */
export interface MetricsSnapshot {
  readonly kind: 'mbot-hil/metrics-snapshot';
  readonly metrics: Readonly<Record<string, MetricValue>>;
  readonly target: TargetInfo;
  readonly clock: ClockInfo;
  /** Seed of the simulator run, `null` on hardware or when unknown. */
  readonly seed: number | null;
  /** ISO time the snapshot was taken (by the clock in force). */
  readonly takenAt: string;
  /**
   * Optional raw series for report charts (bounded, plain JSON; see
   * `evidence.ts`). Absent unless a probe attached some.
   */
  readonly evidence?: Evidence;
}

/** A dotted metric name: segments of `[a-z0-9_]` separated by dots. */
export const METRIC_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** Options of {@link createSnapshot}; missing context defaults to "given by hand". */
export interface SnapshotContext {
  target?: TargetInfo;
  clock?: ClockInfo;
  seed?: number | null;
  takenAt?: string | Date;
  /** Chart evidence to carry (validated: at most 500 points per series). */
  evidence?: Evidence;
}

/**
 * Makes a snapshot from metric values. Throws `HIL_METRIC_INVALID` when a
 * name is not dotted lower_snake or a value is not finite (NaN would turn
 * into `null` in a report and hide a broken probe).
 */
export function createSnapshot(
  metrics: Record<string, MetricValue>,
  context: SnapshotContext = {},
): MetricsSnapshot {
  const out: Record<string, MetricValue> = {};
  for (const [name, m] of Object.entries(metrics)) {
    if (!METRIC_NAME.test(name)) {
      throw new HilError('HIL_METRIC_INVALID', `metric name "${name}" is not dotted lower_snake_case (e.g. websocket.latency_p99_ms); rename it`);
    }
    if (typeof m?.value !== 'number' || !Number.isFinite(m.value)) {
      throw new HilError('HIL_METRIC_INVALID', `metric "${name}" has value ${String(m?.value)}; a recorder must produce a finite number (record at least one sample, or leave the metric out so the invariant reads "not evaluated")`);
    }
    out[name] = { value: m.value, unit: m.unit, samples: Math.max(0, Math.trunc(m.samples ?? 0)) };
  }
  const takenAt = context.takenAt instanceof Date ? context.takenAt.toISOString() : (context.takenAt ?? new Date().toISOString());
  const snapshot: MetricsSnapshot = {
    kind: 'mbot-hil/metrics-snapshot',
    metrics: Object.freeze(out),
    target: context.target ?? { kind: 'none' },
    clock: context.clock ?? { kind: 'wall' },
    seed: context.seed ?? null,
    takenAt,
    // Only present when given, so snapshots without evidence keep their old shape.
    ...(context.evidence !== undefined ? { evidence: checkEvidence(context.evidence) } : {}),
  };
  return Object.freeze(snapshot);
}

/** True for a value made by {@link createSnapshot} (or its JSON round trip). */
export function isMetricsSnapshot(x: unknown): x is MetricsSnapshot {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'mbot-hil/metrics-snapshot'
    && typeof (x as { metrics?: unknown }).metrics === 'object';
}

/**
 * Merges snapshots left to right (a later value of the same name wins, and
 * a later evidence part of the same kind); context comes from the first
 * snapshot unless `context` overrides it.
 */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[], context: SnapshotContext = {}): MetricsSnapshot {
  const first = snapshots[0];
  const metrics: Record<string, MetricValue> = {};
  for (const s of snapshots) Object.assign(metrics, s.metrics);
  let evidence: Evidence | undefined = context.evidence;
  if (evidence === undefined) {
    for (const s of snapshots) if (s.evidence) evidence = { ...(evidence ?? {}), ...s.evidence };
  }
  return createSnapshot(metrics, {
    ...(evidence !== undefined ? { evidence } : {}),
    target: context.target ?? first?.target,
    clock: context.clock ?? first?.clock,
    seed: context.seed !== undefined ? context.seed : (first?.seed ?? null),
    takenAt: context.takenAt ?? first?.takenAt,
  });
}
