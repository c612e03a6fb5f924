/**
 * The few statistics a drift comparison needs, over plain number arrays.
 * Percentiles go through an HDR histogram (as every percentile of the
 * harness does; DESIGN.md "Measurement rules"), at 1 µs resolution.
 */
import { createUsHistogram, msToUs, valueAtPercentileMs } from '../metrics/hdr-us.ts';

/** Arithmetic mean; undefined for no values. */
export function mean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Sample standard deviation (n − 1); undefined for fewer than 2 values. */
export function sd(values: readonly number[]): number | undefined {
  if (values.length < 2) return undefined;
  const m = mean(values) as number;
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

/**
 * Percentile `p` (0..100) of non-negative values (durations in ms, distances
 * in cm, ...), read from an HDR histogram at 1/1000 of the unit (3
 * significant digits); undefined for none. A negative or non-finite value
 * throws HIL_METRIC_INVALID.
 */
export function percentileOf(values: readonly number[], p: number): number | undefined {
  const h = createUsHistogram();
  for (const d of values) h.recordValue(msToUs(d, 'a drift statistic'));
  return valueAtPercentileMs(h, p);
}

/** The median of non-negative values (HDR, see {@link percentileOf}). */
export function medianOf(values: readonly number[]): number | undefined {
  return percentileOf(values, 50);
}

/** Successive differences of a series. */
export function diffs(values: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < values.length; i++) out.push((values[i] as number) - (values[i - 1] as number));
  return out;
}

/**
 * The sd of white noise on a mostly constant signal, from successive
 * differences (sd(diff)/√2), so a slow drift or a rare step in the level
 * does not count: differences larger than 6 robust sds (1.4826·MAD, or
 * 1.2533·mean |diff| when most differences are 0) are left out. Undefined
 * for fewer than 3 values.
 */
export function noiseSdFromDiffs(values: readonly number[]): number | undefined {
  return noiseSdOfDifferences(diffs(values));
}

/** {@link noiseSdFromDiffs} from the differences themselves (e.g. pooled from several still spells). */
export function noiseSdOfDifferences(d: readonly number[]): number | undefined {
  if (d.length < 2) return undefined;
  const abs = d.map((x) => Math.abs(x));
  let scale = 1.4826 * (medianOf(abs) ?? 0);
  if (scale === 0) scale = 1.2533 * (mean(abs) ?? 0);
  const kept = scale > 0 ? d.filter((x) => Math.abs(x) <= 6 * scale) : d;
  const s = sd(kept);
  return s === undefined ? undefined : s / Math.SQRT2;
}

/** Least-squares line y = a + b·x; undefined for fewer than 2 distinct x. */
export function fitLine(xs: readonly number[], ys: readonly number[]): { intercept: number; slope: number; rms: number } | undefined {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return undefined;
  const mx = (mean(xs.slice(0, n)) as number);
  const my = (mean(ys.slice(0, n)) as number);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xs[i] as number) - mx) ** 2;
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let r = 0;
  for (let i = 0; i < n; i++) r += ((ys[i] as number) - (intercept + slope * (xs[i] as number))) ** 2;
  return { intercept, slope, rms: Math.sqrt(r / n) };
}
