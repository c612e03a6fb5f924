import { HilError } from '../errors.ts';
import type { MetricValue } from './snapshot.ts';

/** Bytes in one MB as every memory metric counts it: 1 MB = 1 MiB = 1024 × 1024 bytes. */
export const BYTES_PER_MB = 1024 * 1024;

const MS_PER_HOUR = 3_600_000;

/**
 * One memory sample of the process or page under test. Times in ms from
 * the clock in force; sizes in bytes.
 */
export interface MemorySample {
  atMs: number;
  heapUsedBytes: number;
  heapTotalBytes?: number;
  rssBytes?: number;
  /** True when a full GC ran right before the sample (forced), so it holds no uncollected garbage. */
  afterGc: boolean;
  /** Cumulative number of GCs of the process or page so far, when the probe can count them. */
  gcCount?: number;
}

/** A fitted heap growth rate. */
export interface MemoryGrowth {
  /** Least-squares slope of heap used in MB (MiB) per hour. */
  mbPerHour: number;
  /** True when the fit used only after-GC samples; false when there were fewer than two and all samples were used. */
  slopeFromGcSamples: boolean;
  /** Samples the fit used. */
  points: number;
}

/** Options of {@link MemoryRecorder}. */
export interface MemoryRecorderOptions {
  /** Metric name prefix; default `memory`. */
  prefix?: string;
  /**
   * `process` (default): the process under test, metrics `<prefix>.heap_used_mb` and friends.
   * `page`: a browser page measured alongside it, metric `<prefix>.page_heap_used_mb`.
   */
  scope?: 'process' | 'page';
}

/**
 * Collects memory samples over a window and reports the peak (not the last)
 * heap used, since a limit such as "heap used <= 100 MB" is broken by the
 * worst moment, plus a leak rate fitted over after-GC samples.
 */
export class MemoryRecorder {
  readonly prefix: string;
  readonly scope: 'process' | 'page';
  #samples: MemorySample[] = [];

  constructor(options: MemoryRecorderOptions = {}) {
    this.prefix = options.prefix ?? 'memory';
    this.scope = options.scope ?? 'process';
  }

  /**
   * Adds one sample (copied). Throws `HIL_METRIC_INVALID` for a non-finite
   * time or a negative or non-finite size or GC count.
   */
  record(sample: MemorySample): void {
    const bad = (v: number | undefined): boolean => v !== undefined && !(Number.isFinite(v) && v >= 0);
    if (!Number.isFinite(sample.atMs) || !Number.isFinite(sample.heapUsedBytes) || sample.heapUsedBytes < 0
      || bad(sample.heapTotalBytes) || bad(sample.rssBytes) || bad(sample.gcCount)) {
      throw new HilError('HIL_METRIC_INVALID', `memory sample ${JSON.stringify(sample)} has a non-finite time or a negative/non-finite size; sizes are bytes >= 0, atMs a clock reading in ms`);
    }
    this.#samples.push({ ...sample });
  }

  /** Number of samples recorded. */
  get count(): number { return this.#samples.length; }

  /** The most recent sample (by insertion), or `undefined`. */
  get last(): MemorySample | undefined { return this.#samples.at(-1); }

  /** Peak heap used in bytes over the window, or `undefined` without samples. */
  get max(): number | undefined { return this.#peak((s) => s.heapUsedBytes)?.bytes; }

  /** Peak heap used in MB (MiB), or `undefined` without samples. */
  get heapUsedMb(): number | undefined {
    const max = this.max;
    return max === undefined ? undefined : max / BYTES_PER_MB;
  }

  /** Samples taken right after a forced GC. */
  get afterGcSamples(): number { return this.#samples.filter((s) => s.afterGc).length; }

  /**
   * Heap growth: least-squares slope of heap used (MB) over time (hours),
   * fitted over after-GC samples when there are at least two with distinct
   * times, otherwise over all samples (`slopeFromGcSamples: false`).
   * `undefined` when no two samples have distinct times.
   */
  growth(): MemoryGrowth | undefined {
    const gc = this.#samples.filter((s) => s.afterGc);
    const fromGc = slopeMbPerHour(gc);
    if (fromGc !== undefined) return { mbPerHour: fromGc, slopeFromGcSamples: true, points: gc.length };
    const all = slopeMbPerHour(this.#samples);
    return all === undefined ? undefined : { mbPerHour: all, slopeFromGcSamples: false, points: this.#samples.length };
  }

  /** The fitted growth in MB per hour, or `undefined` (see {@link growth}). */
  get growthMbPerHour(): number | undefined { return this.growth()?.mbPerHour; }

  /** Forgets every sample. */
  reset(): void { this.#samples = []; }

  /** Every name {@link toMetrics} can produce with `prefix` for this recorder's scope. */
  metricNames(prefix = this.prefix): string[] {
    if (this.scope === 'page') return [`${prefix}.page_heap_used_mb`];
    return ['heap_used_mb', 'heap_total_mb', 'rss_mb', 'gc_count', 'growth_mb_per_hour', 'after_gc_samples'].map((s) => `${prefix}.${s}`);
  }

  /**
   * Scope `process`: `<prefix>.heap_used_mb`, `.heap_total_mb`, `.rss_mb`
   * (peaks, MB = MiB), `.gc_count` (last minus first cumulative count, when
   * two samples carry one), `.growth_mb_per_hour` (see {@link growth}) and
   * `.after_gc_samples`. Scope `page`: `<prefix>.page_heap_used_mb` (peak).
   * A metric is absent when no sample carries its input; no samples, no
   * metrics. `samples` is the number of samples that fed each value.
   */
  toMetrics(prefix = this.prefix): Record<string, MetricValue> {
    const out: Record<string, MetricValue> = {};
    const heap = this.#peak((s) => s.heapUsedBytes);
    if (heap === undefined) return out;
    if (this.scope === 'page') {
      out[`${prefix}.page_heap_used_mb`] = { value: heap.bytes / BYTES_PER_MB, unit: 'mb', samples: heap.samples };
      return out;
    }
    out[`${prefix}.heap_used_mb`] = { value: heap.bytes / BYTES_PER_MB, unit: 'mb', samples: heap.samples };
    const total = this.#peak((s) => s.heapTotalBytes);
    if (total) out[`${prefix}.heap_total_mb`] = { value: total.bytes / BYTES_PER_MB, unit: 'mb', samples: total.samples };
    const rss = this.#peak((s) => s.rssBytes);
    if (rss) out[`${prefix}.rss_mb`] = { value: rss.bytes / BYTES_PER_MB, unit: 'mb', samples: rss.samples };
    const counted = this.#samples.filter((s) => s.gcCount !== undefined);
    if (counted.length >= 2) {
      const value = (counted.at(-1)?.gcCount as number) - (counted[0]?.gcCount as number);
      out[`${prefix}.gc_count`] = { value, unit: 'count', samples: counted.length };
    }
    const growth = this.growth();
    if (growth) out[`${prefix}.growth_mb_per_hour`] = { value: growth.mbPerHour, unit: 'mb/h', samples: growth.points };
    const afterGc = this.afterGcSamples;
    out[`${prefix}.after_gc_samples`] = { value: afterGc, unit: 'count', samples: afterGc };
    return out;
  }

  #peak(pick: (s: MemorySample) => number | undefined): { bytes: number; samples: number } | undefined {
    let bytes = -Infinity;
    let samples = 0;
    for (const s of this.#samples) {
      const v = pick(s);
      if (v === undefined) continue;
      samples++;
      if (v > bytes) bytes = v;
    }
    return samples === 0 ? undefined : { bytes, samples };
  }
}

/**
 * Ordinary least-squares slope of heap used (MB) against time (h);
 * `undefined` with fewer than two distinct times. Times are centred on
 * their mean first: epoch-ms timestamps squared would lose precision.
 */
function slopeMbPerHour(samples: readonly MemorySample[]): number | undefined {
  const n = samples.length;
  if (n < 2) return undefined;
  let meanT = 0;
  let meanY = 0;
  for (const s of samples) { meanT += s.atMs / n; meanY += s.heapUsedBytes / BYTES_PER_MB / n; }
  let sxy = 0;
  let sxx = 0;
  for (const s of samples) {
    const x = (s.atMs - meanT) / MS_PER_HOUR;
    sxy += x * (s.heapUsedBytes / BYTES_PER_MB - meanY);
    sxx += x * x;
  }
  return sxx === 0 ? undefined : sxy / sxx;
}
