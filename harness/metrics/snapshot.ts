import { HilError } from '../errors.ts';
import { isCataloguedMetric } from './catalogue.ts';
import { checkEvidence, type Evidence } from './evidence-schema.ts';
import type { TargetInfo } from '../targets/target-info.ts';

/** Every unit a metric value may have. */
export const METRIC_UNITS = ['ms', 'us', 'fps', 'mb', 'kb', 'mb/h', 'count', 'ratio', 'percent', 'bytes', 'msg/s'] as const;

/** Unit of a metric value; the metric name ends with it where it has one (`_ms`, `_mb`). */
export type MetricUnit = typeof METRIC_UNITS[number];

/** Target kinds; `sim` and `hardware` snapshots carry catalogue metrics only. */
export const TARGET_KINDS = ['sim', 'hardware', 'external', 'none'] as const;

/** One measured value. `samples` is how many raw samples it was computed from. */
export interface MetricValue {
  value: number;
  unit: MetricUnit;
  samples: number;
}

export type { TargetInfo } from '../targets/target-info.ts';

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

/** Most metrics one snapshot may hold (the catalogue defines a few dozen). */
export const MAX_SNAPSHOT_METRICS = 10_000;

const bad = (message: string): never => {
  throw new HilError('HIL_METRIC_INVALID', message);
};
const shortText = (x: unknown, what: string): string => (typeof x === 'string' && x.length <= 500 ? x : bad(`${what} must be a string of at most 500 characters, got ${typeof x}`));

function checkTarget(t: TargetInfo): TargetInfo {
  if (typeof t !== 'object' || t === null || !(TARGET_KINDS as readonly unknown[]).includes(t.kind)) {
    return bad(`target.kind must be one of ${TARGET_KINDS.join(', ')}, got ${typeof t === 'object' && t !== null ? JSON.stringify(String(t.kind)) : typeof t}`);
  }
  const extra = Object.keys(t).filter((k) => !['kind', 'port', 'firmware', 'bench'].includes(k));
  if (extra.length > 0) bad(`target has unknown field(s) ${extra.join(', ')}; it holds kind, port, firmware, bench`);
  const out: TargetInfo = { kind: t.kind };
  if (t.port !== undefined) out.port = shortText(t.port, 'target.port');
  if (t.bench !== undefined) out.bench = shortText(t.bench, 'target.bench');
  if (t.firmware !== undefined) {
    if (typeof t.firmware !== 'object' || t.firmware === null) bad('target.firmware must be { name, version }');
    out.firmware = { name: shortText(t.firmware.name, 'target.firmware.name'), version: shortText(t.firmware.version, 'target.firmware.version') };
  }
  return out;
}

/**
 * Makes a snapshot from metric values. Throws `HIL_METRIC_INVALID` when a
 * name is not dotted lower_snake, a value is not finite (NaN would turn
 * into `null` in a report and hide a broken probe), a unit or sample count
 * is invalid, the target or clock is not one the harness knows, a `sim` or
 * `hardware` snapshot names a metric the catalogue does not define (those
 * come from the harness's recorders; a user's own metrics go with target
 * `external`), or there are more than {@link MAX_SNAPSHOT_METRICS} metrics.
 */
export function createSnapshot(
  metrics: Record<string, MetricValue>,
  context: SnapshotContext = {},
): MetricsSnapshot {
  const target = checkTarget(context.target ?? { kind: 'none' });
  const clock = context.clock ?? { kind: 'wall' };
  if (typeof clock !== 'object' || clock === null || (clock.kind !== 'wall' && clock.kind !== 'virtual')) bad(`clock.kind must be wall or virtual, got ${JSON.stringify(String((clock as { kind?: unknown } | null)?.kind))}`);
  const seed = context.seed ?? null;
  if (seed !== null && !Number.isFinite(seed)) bad(`seed must be a finite number or null, got ${String(seed)}`);
  const names = Object.keys(metrics);
  if (names.length > MAX_SNAPSHOT_METRICS) bad(`${names.length} metrics in one snapshot; at most ${MAX_SNAPSHOT_METRICS} (the catalogue defines a few dozen): pass only the metrics you measured`);
  const catalogueOnly = target.kind === 'sim' || target.kind === 'hardware';
  const out: Record<string, MetricValue> = {};
  for (const name of names) {
    const m = metrics[name] as MetricValue;
    if (!METRIC_NAME.test(name)) {
      throw new HilError('HIL_METRIC_INVALID', `metric name "${name.slice(0, 80)}" is not dotted lower_snake_case (e.g. websocket.latency_p99_ms); rename it`);
    }
    if (catalogueOnly && !isCataloguedMetric(name)) {
      bad(`metric "${name}" is not in the metric catalogue, but the snapshot claims a ${target.kind} measurement (those come from the harness's recorders); use target kind 'external' for your own metrics`);
    }
    if (typeof m?.value !== 'number' || !Number.isFinite(m.value)) {
      throw new HilError('HIL_METRIC_INVALID', `metric "${name}" has value ${String(m?.value)}; a recorder must produce a finite number (record at least one sample, or leave the metric out so the invariant reads "not evaluated")`);
    }
    if (!(METRIC_UNITS as readonly unknown[]).includes(m.unit)) bad(`metric "${name}" has unit ${JSON.stringify(String(m.unit))}; units are ${METRIC_UNITS.join(', ')}`);
    const samples = m.samples ?? 0;
    if (typeof samples !== 'number' || !Number.isFinite(samples) || samples < 0) bad(`metric "${name}" has sample count ${String(samples)}; it must be a whole number >= 0`);
    out[name] = { value: m.value, unit: m.unit, samples: Math.trunc(samples) };
  }
  const takenAt = context.takenAt instanceof Date ? context.takenAt.toISOString() : (context.takenAt ?? new Date().toISOString());
  if (typeof takenAt !== 'string' || takenAt.length > 64 || !Number.isFinite(Date.parse(takenAt))) bad(`takenAt must be an ISO time, got ${typeof takenAt === 'string' ? JSON.stringify(takenAt.slice(0, 64)) : typeof takenAt}`);
  const snapshot: MetricsSnapshot = {
    kind: 'mbot-hil/metrics-snapshot',
    metrics: Object.freeze(out),
    target: Object.freeze(target),
    clock: Object.freeze({ kind: clock.kind }),
    seed,
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
