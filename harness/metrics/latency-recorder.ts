import type { Histogram } from 'hdr-histogram-js';
import { HilError } from '../errors.ts';
import type { MetricValue } from './snapshot.ts';
import {
  createUsHistogram,
  msToUs,
  percentileCurve,
  US_PER_MS,
  valueAtPercentileMs,
  type PercentilePoint,
} from './hdr-us.ts';

/** Options of {@link LatencyRecorder}. */
export interface LatencyRecorderOptions {
  /** Metric name prefix; default `websocket.latency` (gives `websocket.latency_p99_ms`). */
  prefix?: string;
  /**
   * Name of the drop counter. Default: the prefix with its last segment
   * replaced by `dropped` (`websocket.latency` -> `websocket.dropped`), or
   * `<prefix>_dropped` for a prefix without a dot.
   */
  droppedName?: string;
}

/** Plain-JSON summary of a {@link LatencyRecorder}; ms fields are absent when `count` is 0. */
export interface LatencySummaryJson {
  count: number;
  dropped: number;
  p50Ms?: number;
  p90Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  maxMs?: number;
  meanMs?: number;
  /** Percentile curve for charts (see {@link LatencyRecorder.histogramBuckets}). */
  curve: PercentilePoint[];
}

/** The percentiles {@link LatencyRecorder.toMetrics} reports, with their name suffixes. */
const REPORTED_PERCENTILES = [[50, 'p50'], [95, 'p95'], [99, 'p99']] as const;

/**
 * Records latencies (ms in, stored as whole µs in an HDR histogram with 3
 * significant digits) and counts messages that never arrived. Percentiles
 * come from the histogram; samples are never kept or sorted.
 *
 * Coordinated omission: a probe that sends at a fixed rate must use
 * {@link recordFromIntended} with the time each message was *due*, so a
 * stalled sender's backlog shows up as latency instead of vanishing.
 */
export class LatencyRecorder {
  readonly prefix: string;
  readonly droppedName: string;
  #histogram: Histogram = createUsHistogram();
  #dropped = 0;

  constructor(options: LatencyRecorderOptions = {}) {
    this.prefix = options.prefix ?? 'websocket.latency';
    this.droppedName = options.droppedName ?? defaultDroppedName(this.prefix);
  }

  /**
   * Records one latency in ms (rounded to 1 µs). Throws `HIL_METRIC_INVALID`
   * for a negative or non-finite value: probes comparing clocks of two
   * machines must correct the skew before recording.
   */
  record(latencyMs: number): void {
    this.#histogram.recordValue(msToUs(latencyMs, 'latency'));
  }

  /**
   * Records `arrivedMs - intendedStartMs`, both read from the same clock in
   * ms: the latency from the time the message was scheduled to be sent, not
   * the time it actually left (no coordinated omission).
   */
  recordFromIntended(intendedStartMs: number, arrivedMs: number): void {
    this.#histogram.recordValue(msToUs(arrivedMs - intendedStartMs, 'latency from the intended send time'));
  }

  /**
   * Records `latencyMs` and, when it exceeds `expectedIntervalMs`, the
   * values the samples that should have been taken meanwhile would have
   * seen (`latency - k × interval` down to the interval): HDR's
   * `recordValueWithExpectedInterval`. Use it for a probe that sends the next
   * message only after the previous reply; never together with
   * {@link recordFromIntended} on the same series (that would correct twice).
   */
  recordCorrected(latencyMs: number, expectedIntervalMs: number): void {
    const intervalUs = msToUs(expectedIntervalMs, 'expected interval');
    this.#histogram.recordValueWithExpectedInterval(msToUs(latencyMs, 'latency'), intervalUs);
  }

  /** Counts one message that was expected but never arrived (reported as `<droppedName>`). */
  recordDrop(count = 1): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new HilError('HIL_METRIC_INVALID', `recordDrop(${String(count)}): a drop count must be a whole number >= 0`);
    }
    this.#dropped += count;
  }

  /** Number of latency values in the histogram (including values synthesised by {@link recordCorrected}). */
  get count(): number {
    return this.#histogram.totalCount;
  }

  /** Number of messages recorded as dropped. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Latency at percentile `p` (0..100) in ms, `undefined` when nothing was recorded. */
  percentileMs(p: number): number | undefined {
    return valueAtPercentileMs(this.#histogram, p);
  }

  /** Largest recorded latency in ms (exact to 1 µs), `undefined` when nothing was recorded. */
  get maxMs(): number | undefined {
    return this.count === 0 ? undefined : this.#histogram.maxValue / US_PER_MS;
  }

  /** Mean latency in ms (from the histogram's bucket midpoints), `undefined` when nothing was recorded. */
  get meanMs(): number | undefined {
    return this.count === 0 ? undefined : this.#histogram.mean / US_PER_MS;
  }

  /** Forgets every latency and drop. */
  reset(): void {
    this.#histogram.reset();
    this.#dropped = 0;
  }

  /**
   * Every metric name this recorder can produce with `prefix`, so a
   * collector can check them against the catalogue before any sample exists.
   */
  metricNames(prefix = this.prefix): string[] {
    return [
      ...REPORTED_PERCENTILES.map(([, s]) => `${prefix}_${s}_ms`),
      `${prefix}_max_ms`, `${prefix}_mean_ms`, `${prefix}_count`, this.droppedName,
    ];
  }

  /**
   * Metrics named `<prefix>_p50_ms`, `_p95_ms`, `_p99_ms`, `_max_ms`,
   * `_mean_ms` (ms), `<prefix>_count` and `<droppedName>` (count). With no
   * latency recorded only the two counts appear: an invariant over a
   * percentile then reads "not evaluated" instead of passing on a fake 0.
   * `samples` is the histogram count (the drop count for `<droppedName>`).
   */
  toMetrics(prefix = this.prefix): Record<string, MetricValue> {
    const samples = this.count;
    const out: Record<string, MetricValue> = {
      [`${prefix}_count`]: { value: samples, unit: 'count', samples },
      [this.droppedName]: { value: this.#dropped, unit: 'count', samples: this.#dropped },
    };
    if (samples === 0) return out;
    for (const [p, suffix] of REPORTED_PERCENTILES) {
      out[`${prefix}_${suffix}_ms`] = { value: this.percentileMs(p) as number, unit: 'ms', samples };
    }
    out[`${prefix}_max_ms`] = { value: this.maxMs as number, unit: 'ms', samples };
    out[`${prefix}_mean_ms`] = { value: this.meanMs as number, unit: 'ms', samples };
    return out;
  }

  /**
   * A compact percentile curve of `points` points for charts (see
   * `percentileCurve`: log-spaced levels from p0 to p100). `[]` when empty.
   */
  histogramBuckets(points = 32): PercentilePoint[] {
    return percentileCurve(this.#histogram, points);
  }

  /** Plain-JSON summary with a 32-point curve; safe to put in `task.meta`. */
  toJSON(): LatencySummaryJson {
    const json: LatencySummaryJson = { count: this.count, dropped: this.#dropped, curve: this.histogramBuckets() };
    if (this.count === 0) return json;
    json.p50Ms = this.percentileMs(50);
    json.p90Ms = this.percentileMs(90);
    json.p95Ms = this.percentileMs(95);
    json.p99Ms = this.percentileMs(99);
    json.p999Ms = this.percentileMs(99.9);
    json.maxMs = this.maxMs;
    json.meanMs = this.meanMs;
    return json;
  }
}

/** `websocket.latency` -> `websocket.dropped`; `latency` -> `latency_dropped`. */
function defaultDroppedName(prefix: string): string {
  const dot = prefix.lastIndexOf('.');
  return dot < 0 ? `${prefix}_dropped` : `${prefix.slice(0, dot)}.dropped`;
}
