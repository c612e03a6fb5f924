/**
 * Tiny benchmark kit shared by the `*-bench.ts` files: monotonic timing with
 * `process.hrtime.bigint`, repetitions, medians, a printed table. Benchmarks
 * are plain scripts (not Vitest tests): `vitest bench` is experimental in 4.1.
 */

/** One benchmark result: the median of `repetitions` measurements in `unit`. */
export interface BenchRow {
  /** What was measured, e.g. `LatencyRecorder.record`. */
  name: string;
  /** Unit of `median`, `min` and `max`, e.g. `ns/sample`, `ms`. */
  unit: string;
  median: number;
  min: number;
  max: number;
  repetitions: number;
  /** Workload, e.g. `10^6 samples`. */
  workload: string;
}

/** Elapsed wall time of `fn()` in ns (monotonic clock; the harness Clock is not involved on purpose). */
export function timeNs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start);
}

/**
 * Median of a handful of repetition results. Sorting is fine here: these
 * are a few benchmark repetitions, not latency samples (those go through HDR).
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Options of {@link bench}. */
export interface BenchOptions {
  name: string;
  unit: string;
  workload: string;
  /** Measured repetitions (default 7), after one discarded warm-up run that lets V8 optimise. */
  repetitions?: number;
  /** Prepares a fresh input for one repetition; not timed. */
  setup?: () => unknown;
  /** The timed work; its elapsed ns are divided by `per` (default 1) and `scale` converts to `unit`. */
  run: (input: unknown) => void;
  /** Operations per repetition, e.g. 10^6 for ns per sample. */
  per?: number;
  /** Factor from ns per operation to `unit` (1 for ns, 1e-6 for ms). */
  scale?: number;
}

/** Runs one benchmark: a discarded warm-up, then `repetitions` timed runs; returns their median. */
export function bench(options: BenchOptions): BenchRow {
  const { repetitions = 7, per = 1, scale = 1 } = options;
  const results: number[] = [];
  for (let rep = -1; rep < repetitions; rep++) {
    const input = options.setup?.();
    const ns = timeNs(() => options.run(input));
    if (rep >= 0) results.push((ns / per) * scale);
  }
  return {
    name: options.name, unit: options.unit, workload: options.workload, repetitions,
    median: median(results), min: Math.min(...results), max: Math.max(...results),
  };
}

/** Deterministic xorshift32 in [0, 1): benchmark inputs are the same on every run. */
export function seededRandom(seed = 0x9e3779b9): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Formats rows as an aligned text table (figures to 3 significant digits). */
export function formatTable(rows: readonly BenchRow[]): string {
  const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const header = ['benchmark', 'workload', 'median', 'min', 'max', 'unit', 'reps'];
  const body = rows.map((r) => [r.name, r.workload, fmt(r.median), fmt(r.min), fmt(r.max), r.unit, String(r.repetitions)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
