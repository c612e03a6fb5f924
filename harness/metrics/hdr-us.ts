import { build } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { HilError } from '../errors.ts';

/**
 * Shared HDR-histogram plumbing of the latency and frame recorders: values
 * are stored as whole microseconds, read back as milliseconds.
 */

/** Microseconds per millisecond: the recorders' storage resolution is 1 µs. */
export const US_PER_MS = 1000;

/** One point of a percentile curve: `percentile` in [0, 100], `valueMs` in ms. */
export interface PercentilePoint {
  percentile: number;
  valueMs: number;
}

/**
 * A histogram of whole microseconds: 3 significant digits (a value is
 * reported within 0.1 % of itself), 1 µs to 60 s before it auto-resizes.
 * Pure-JS build: the WebAssembly one needs an async init and explicit
 * `destroy()`, and a leaked one would show up in our own memory metrics.
 * 64-bit (float) bucket counts never overflow on a long soak.
 */
export function createUsHistogram(): Histogram {
  return build({
    bitBucketSize: 64,
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    autoResize: true,
    useWebAssembly: false,
  });
}

/**
 * Converts a duration in ms to whole µs. Throws `HIL_METRIC_INVALID` for a
 * negative or non-finite duration: it means a probe mixed clocks or
 * timestamps, and recording it as 0 would hide the bug.
 */
export function msToUs(durationMs: number, what: string): number {
  const us = Math.round(durationMs * US_PER_MS);
  // `!(us >= 0)` also catches NaN; -0 passes, which is what a rounding of -0.0001 ms should do.
  if (!(us >= 0) || !Number.isFinite(us)) {
    throw new HilError('HIL_METRIC_INVALID', `${what} is ${String(durationMs)} ms; a duration must be a finite number >= 0 (check that both timestamps come from the same clock)`);
  }
  return us;
}

/** Throws `HIL_CONFIG_INVALID` unless `p` is a percentile in [0, 100]. */
export function assertPercentile(p: number): void {
  if (!(p >= 0 && p <= 100)) {
    throw new HilError('HIL_CONFIG_INVALID', `percentile ${String(p)} is outside [0, 100]; pass e.g. 99 for p99`);
  }
}

/**
 * The value at percentile `p` in ms, or `undefined` for an empty histogram.
 * HDR returns the upper bound of the bucket holding the value; it is capped
 * at the exact recorded maximum, since no sample exceeds it (a constant
 * 10 ms series then reads 10 ms at every percentile, not 10.007 ms).
 */
export function valueAtPercentileMs(h: Histogram, p: number): number | undefined {
  assertPercentile(p);
  if (h.totalCount === 0) return undefined;
  return Math.min(h.getValueAtPercentile(p), h.maxValue) / US_PER_MS;
}

/**
 * A compact percentile curve of `points` points (>= 2) for charts: levels
 * spaced evenly in log(1 / (1 - p)), from p0 (the minimum bucket) up to the
 * level of the last single sample, with p100 (the maximum) as the last
 * point. Empty histogram: `[]`. Reads the histogram, never the samples.
 */
export function percentileCurve(h: Histogram, points: number): PercentilePoint[] {
  if (!Number.isInteger(points) || points < 2) {
    throw new HilError('HIL_CONFIG_INVALID', `a percentile curve needs an integer number of points >= 2, got ${String(points)}`);
  }
  const count = h.totalCount;
  if (count === 0) return [];
  // With n samples the finest percentile that still means something is 1 - 1/n: log10(n) "nines".
  const nines = Math.log10(count);
  const out: PercentilePoint[] = [];
  for (let i = 0; i < points; i++) {
    const percentile = i === points - 1 ? 100 : 100 * (1 - 10 ** (-nines * i / (points - 1)));
    out.push({ percentile, valueMs: valueAtPercentileMs(h, percentile) ?? 0 });
  }
  return out;
}
