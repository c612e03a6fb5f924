/**
 * Builds chart evidence (see `evidence-schema.ts`) from what the recorders
 * and probes hold. The recorders keep histograms, not samples, so the
 * latency helper reads a recorder; the frame, playback and memory helpers
 * take the raw timestamps or samples the probe fed its recorder (the same
 * definitions apply: warm-up, 1.5-budget late frames, vsync-based fps,
 * least-squares growth over after-GC samples). Every series is downsampled
 * to at most {@link EVIDENCE_MAX_POINTS} points.
 *
 *   const evidence = { latency: latencyEvidence(latency), memory: memoryEvidence(samples) };
 *   expect(metrics.snapshot({ target, clock, seed, evidence })).toMeetInvariant('I-PERF-001');
 */
import { HilError } from '../errors.ts';
import {
  EVIDENCE_MAX_BINS,
  EVIDENCE_MAX_POINTS,
  type FrameEvidence,
  type LatencyEvidence,
  type MemoryEvidence,
  type PlaybackEvidence,
} from './evidence-schema.ts';
import { LatencyRecorder } from './latency-recorder.ts';
import { BYTES_PER_MB, MemoryRecorder, type MemorySample } from './memory-recorder.ts';

export { checkEvidence, evidenceSchema, EVIDENCE_MAX_BINS, EVIDENCE_MAX_POINTS } from './evidence-schema.ts';
export type { Evidence, FrameEvidence, LatencyEvidence, MemoryEvidence, PlaybackEvidence } from './evidence-schema.ts';

/** A `[x, y]` point of a series. */
export type SeriesPoint = [number, number];

const MS_PER_HOUR = 3_600_000;

/**
 * Reduces `points` (in x order) to at most `max` points: consecutive
 * buckets of equal size, each represented by its point of largest y
 * (`keep: 'max'`, so spikes stay visible) or by the mean of its x and y
 * (`keep: 'mean'`). Returns a copy; fewer points than `max` pass unchanged.
 */
export function downsample(points: readonly (readonly [number, number])[], max = EVIDENCE_MAX_POINTS, keep: 'max' | 'mean' = 'max'): SeriesPoint[] {
  if (!Number.isInteger(max) || max < 1) throw new HilError('HIL_CONFIG_INVALID', `downsample needs max >= 1, got ${String(max)}`);
  if (points.length <= max) return points.map(([x, y]) => [x, y]);
  const out: SeriesPoint[] = [];
  const size = points.length / max;
  for (let b = 0; b < max; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    if (to <= from) continue;
    if (keep === 'max') {
      let best = points[from] as readonly [number, number];
      for (let i = from + 1; i < to; i++) if ((points[i] as readonly [number, number])[1] > best[1]) best = points[i] as readonly [number, number];
      out.push([best[0], best[1]]);
    } else {
      let sx = 0;
      let sy = 0;
      for (let i = from; i < to; i++) { sx += (points[i] as readonly [number, number])[0]; sy += (points[i] as readonly [number, number])[1]; }
      out.push([sx / (to - from), sy / (to - from)]);
    }
  }
  return out;
}

/** An even subsample of at most `max` items (first and last kept). */
function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * (items.length - 1)) / (max - 1))] as T);
  return out;
}

/** Options of {@link latencyEvidence}. */
export interface LatencyEvidenceOptions {
  /** Histogram bins (1..100); default 40. */
  bins?: number;
  /** Points of the percentile curve (2..500); default 64. */
  curvePoints?: number;
}

/**
 * Latency evidence from a {@link LatencyRecorder} (or raw latencies in ms,
 * recorded into a fresh one): the HDR percentile curve, and a histogram of
 * equal-width bins from the minimum to the maximum whose shares are read
 * off a dense percentile curve (the recorder keeps buckets, not samples;
 * nothing is sorted). Empty recorder: `count` 0 and no bins.
 */
export function latencyEvidence(source: LatencyRecorder | readonly number[], options: LatencyEvidenceOptions = {}): LatencyEvidence {
  const nBins = options.bins ?? 40;
  const curvePoints = options.curvePoints ?? 64;
  if (!Number.isInteger(nBins) || nBins < 1 || nBins > EVIDENCE_MAX_BINS) throw new HilError('HIL_CONFIG_INVALID', `bins must be an integer in 1..${EVIDENCE_MAX_BINS}, got ${String(nBins)}`);
  if (!Number.isInteger(curvePoints) || curvePoints < 2 || curvePoints > EVIDENCE_MAX_POINTS) throw new HilError('HIL_CONFIG_INVALID', `curvePoints must be an integer in 2..${EVIDENCE_MAX_POINTS}, got ${String(curvePoints)}`);
  let recorder: LatencyRecorder;
  if (source instanceof LatencyRecorder) recorder = source;
  else {
    recorder = new LatencyRecorder();
    for (const ms of source) recorder.record(ms);
  }
  const count = recorder.count;
  if (count === 0) return { count: 0, bins: [], curve: [] };
  const curve = recorder.histogramBuckets(curvePoints);
  const dense = recorder.histogramBuckets(EVIDENCE_MAX_POINTS);
  const lo = (dense[0] as { valueMs: number }).valueMs;
  const hi = (dense[dense.length - 1] as { valueMs: number }).valueMs;
  const width = hi > lo ? (hi - lo) / nBins : 1;
  const shares = new Array<number>(hi > lo ? nBins : 1).fill(0);
  const binOf = (v: number) => Math.min(shares.length - 1, Math.max(0, Math.floor((v - lo) / width)));
  for (let i = 0; i + 1 < dense.length; i++) {
    const a = dense[i] as { percentile: number; valueMs: number };
    const b = dense[i + 1] as { percentile: number; valueMs: number };
    const mass = (b.percentile - a.percentile) / 100;
    if (mass <= 0) continue;
    if (b.valueMs <= a.valueMs) { shares[binOf(b.valueMs)]! += mass; continue; }
    // The values between two curve points are spread evenly over their range.
    for (let k = binOf(a.valueMs); k <= binOf(b.valueMs); k++) {
      const from = Math.max(a.valueMs, lo + k * width);
      const to = Math.min(b.valueMs, lo + (k + 1) * width);
      if (to > from) shares[k]! += (mass * (to - from)) / (b.valueMs - a.valueMs);
    }
  }
  const total = shares.reduce((s, x) => s + x, 0) || 1;
  return {
    count,
    bins: shares.map((s, k) => ({ fromMs: lo + k * width, toMs: lo + (k + 1) * width, share: s / total })),
    curve: curve.map((p) => ({ percentile: p.percentile, valueMs: p.valueMs })),
  };
}

/** Warm-up and display options of {@link frameEvidence} and {@link playbackEvidence}: the FrameRecorder's. */
export interface FrameSeriesOptions {
  /** Display refresh rate in Hz; default 60. */
  displayHz?: number;
  /** Discard frames less than this many ms after the first. */
  warmupMs?: number;
  /** Discard the first N frames. */
  warmupFrames?: number;
}

interface KeptIntervals { budgetMs: number; displayHz: number; startMs: number | undefined; intervals: SeriesPoint[] }

/** Post-warm-up `[tMs from the first kept frame, intervalMs]`, with the FrameRecorder's rules (repeats ignored). */
function keptIntervals(timestampsMs: readonly number[], options: FrameSeriesOptions): KeptIntervals {
  const displayHz = options.displayHz ?? 60;
  if (!(displayHz > 0) || !Number.isFinite(displayHz)) throw new HilError('HIL_CONFIG_INVALID', `displayHz ${String(displayHz)} must be a finite number > 0`);
  const out: KeptIntervals = { budgetMs: 1000 / displayHz, displayHz, startMs: undefined, intervals: [] };
  let first: number | undefined;
  let last: number | undefined;
  let discarded = 0;
  for (const t of timestampsMs) {
    if (!Number.isFinite(t)) throw new HilError('HIL_METRIC_INVALID', `frame timestamp ${String(t)} is not a finite number of ms`);
    if (last !== undefined && t === last) continue;
    if (last !== undefined && t < last) throw new HilError('HIL_METRIC_INVALID', `frame timestamp ${t} ms is earlier than the previous one (${last} ms)`);
    first ??= t;
    const previous = last;
    last = t;
    if (out.startMs === undefined) {
      const inWarmup = options.warmupFrames !== undefined ? discarded < options.warmupFrames
        : options.warmupMs !== undefined && options.warmupMs > 0 ? t - first < options.warmupMs : false;
      if (inWarmup) { discarded++; continue; }
      out.startMs = t;
      continue;
    }
    out.intervals.push([t - out.startMs, t - (previous as number)]);
  }
  return out;
}

/** Vsyncs one interval spans: the FrameRecorder's definition (nearest, halves down, at least 1). */
function vsyncs(intervalMs: number, budgetMs: number): number {
  return Math.max(1, Math.ceil(intervalMs / budgetMs - 0.5));
}

/**
 * Frame-interval evidence from requestAnimationFrame timestamps (ms, one
 * clock, in order): the trace downsampled keeping each bucket's longest
 * interval, and the late frames (over 1.5 budgets) marked separately.
 */
export function frameEvidence(timestampsMs: readonly number[], options: FrameSeriesOptions = {}): FrameEvidence {
  const kept = keptIntervals(timestampsMs, options);
  const lateAboveMs = kept.budgetMs * 1.5;
  const late = kept.intervals.filter(([, iv]) => vsyncs(iv, kept.budgetMs) >= 2);
  const trace = downsample(kept.intervals, EVIDENCE_MAX_POINTS, 'max');
  return {
    displayHz: kept.displayHz,
    budgetMs: kept.budgetMs,
    lateAboveMs,
    frames: kept.intervals.length,
    lateFrames: late.length,
    trace,
    late: thin(late, EVIDENCE_MAX_POINTS),
    downsampled: trace.length < kept.intervals.length || late.length > EVIDENCE_MAX_POINTS,
  };
}

/** Options of {@link playbackEvidence}. */
export interface PlaybackEvidenceOptions extends FrameSeriesOptions {
  /** Width of each fps window in ms; default 250. */
  windowMs?: number;
  /** Strokes in the drawing. */
  strokeCount?: number;
  /** `[timestampMs, strokesDrawn]` progress reports, on the same clock as the frame timestamps. */
  strokesDrawn?: readonly (readonly [number, number])[];
}

/**
 * Playback fps over the drawing: the frame-rate definition
 * (displayHz × frames / Σvsyncs) per `windowMs` window of the post-warm-up
 * frames, at each window's end; a stall shows in the window where it ends.
 */
export function playbackEvidence(timestampsMs: readonly number[], options: PlaybackEvidenceOptions = {}): PlaybackEvidence {
  const windowMs = options.windowMs ?? 250;
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new HilError('HIL_CONFIG_INVALID', `windowMs ${String(windowMs)} must be a finite number > 0`);
  const kept = keptIntervals(timestampsMs, options);
  const windows = new Map<number, { frames: number; vsyncs: number }>();
  for (const [t, iv] of kept.intervals) {
    const k = Math.max(0, Math.ceil(t / windowMs) - 1);
    const w = windows.get(k) ?? { frames: 0, vsyncs: 0 };
    w.frames++;
    w.vsyncs += vsyncs(iv, kept.budgetMs);
    windows.set(k, w);
  }
  const points: SeriesPoint[] = [...windows.entries()].sort((a, b) => a[0] - b[0])
    .map(([k, w]) => [(k + 1) * windowMs, (kept.displayHz * w.frames) / w.vsyncs]);
  const series = downsample(points, EVIDENCE_MAX_POINTS, 'mean');
  const start = kept.startMs ?? 0;
  const strokes = options.strokesDrawn
    ? downsample(options.strokesDrawn.map(([t, n]) => [t - start, n] as const), EVIDENCE_MAX_POINTS, 'max')
    : undefined;
  if (options.strokeCount !== undefined && !(Number.isInteger(options.strokeCount) && options.strokeCount >= 0)) {
    throw new HilError('HIL_METRIC_INVALID', `stroke count ${String(options.strokeCount)} must be a whole number >= 0`);
  }
  return {
    displayHz: kept.displayHz,
    windowMs,
    strokeCount: options.strokeCount ?? null,
    series,
    ...(strokes ? { strokes } : {}),
    downsampled: series.length < points.length || (strokes !== undefined && strokes.length < (options.strokesDrawn?.length ?? 0)),
  };
}

/**
 * Memory evidence from the samples fed to a MemoryRecorder: heap used over
 * time (downsampled keeping peaks), the after-GC samples, and the growth
 * line the recorder fits (`memory.growth_mb_per_hour`: after-GC samples when
 * there are two, else all), with its intercept so a chart can draw it.
 */
export function memoryEvidence(samples: readonly MemorySample[], options: { scope?: 'process' | 'page' } = {}): MemoryEvidence {
  const recorder = new MemoryRecorder({ scope: options.scope ?? 'process' });
  for (const s of samples) recorder.record(s);
  const t0 = samples[0]?.atMs ?? 0;
  const mb = (s: MemorySample): SeriesPoint => [s.atMs - t0, s.heapUsedBytes / BYTES_PER_MB];
  const all = samples.map(mb);
  const gc = samples.filter((s) => s.afterGc);
  const growth = recorder.growth();
  let fit: MemoryEvidence['fit'] = null;
  if (growth) {
    const used = growth.slopeFromGcSamples ? gc : samples;
    let meanH = 0;
    let meanMb = 0;
    for (const s of used) { meanH += (s.atMs - t0) / MS_PER_HOUR / used.length; meanMb += s.heapUsedBytes / BYTES_PER_MB / used.length; }
    fit = { slopeMbPerHour: growth.mbPerHour, interceptMb: meanMb - growth.mbPerHour * meanH, fromGcSamples: growth.slopeFromGcSamples, points: growth.points };
  }
  const series = downsample(all, EVIDENCE_MAX_POINTS, 'max');
  const afterGc = downsample(gc.map(mb), EVIDENCE_MAX_POINTS, 'max');
  return {
    scope: recorder.scope,
    samples: samples.length,
    series,
    afterGc,
    fit,
    downsampled: series.length < all.length || afterGc.length < gc.length,
  };
}
