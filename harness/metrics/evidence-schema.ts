/**
 * Evidence: optional, bounded raw series a probe attaches to a snapshot so a
 * report can draw what was measured (latency distribution, frame-interval
 * trace, memory over time, playback fps over a drawing). Plain JSON by
 * construction (numbers, arrays, objects), so it travels in `task.meta` and
 * through blob merges. Every series holds at most {@link EVIDENCE_MAX_POINTS}
 * points; the helpers in `evidence.ts` downsample to fit. Times are ms from
 * the start of the series (clock-independent); sizes are MB (MiB).
 */
import { z } from 'zod';
import { HilError } from '../errors.ts';

/** Most points any evidence series may hold (a report stays small and fast to draw). */
export const EVIDENCE_MAX_POINTS = 500;

/** Most histogram bins of latency evidence. */
export const EVIDENCE_MAX_BINS = 100;

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
const nonNegative = finite.refine((n) => n >= 0, { message: 'must be >= 0' });
const point = z.tuple([finite, finite]);
const series = z.array(point).max(EVIDENCE_MAX_POINTS);

/** Latency distribution: histogram bins (share of values per range) and a percentile curve. */
export const latencyEvidenceSchema = z.object({
  /** Values in the histogram the evidence was read from. */
  count: z.number().int().nonnegative(),
  /** Bins of equal width; `share` is the fraction (0..1) of values in `[fromMs, toMs)`. */
  bins: z.array(z.object({ fromMs: nonNegative, toMs: nonNegative, share: nonNegative })).max(EVIDENCE_MAX_BINS),
  /** Percentile curve from the HDR histogram: percentile in [0, 100], value in ms. */
  curve: z.array(z.object({ percentile: finite, valueMs: nonNegative })).max(EVIDENCE_MAX_POINTS),
});
export type LatencyEvidence = z.infer<typeof latencyEvidenceSchema>;

/** Frame-interval trace after the warm-up. */
export const frameEvidenceSchema = z.object({
  displayHz: finite,
  /** One frame budget, `1000 / displayHz` ms (16.7 ms at 60 Hz). */
  budgetMs: nonNegative,
  /** Intervals above this (1.5 budgets) are late frames. */
  lateAboveMs: nonNegative,
  /** Intervals measured (before downsampling). */
  frames: z.number().int().nonnegative(),
  lateFrames: z.number().int().nonnegative(),
  /** `[tMs, intervalMs]`, downsampled keeping each bucket's longest interval. */
  trace: series,
  /** `[tMs, intervalMs]` of late frames (all of them, or an even subsample when more than the cap). */
  late: series,
  downsampled: z.boolean(),
});
export type FrameEvidence = z.infer<typeof frameEvidenceSchema>;

/** Heap used over time with the fitted growth line. */
export const memoryEvidenceSchema = z.object({
  scope: z.enum(['process', 'page']),
  /** Samples recorded (before downsampling). */
  samples: z.number().int().nonnegative(),
  /** `[tMs, heapUsedMb]`, downsampled keeping each bucket's peak. */
  series,
  /** `[tMs, heapUsedMb]` of samples taken right after a forced GC. */
  afterGc: series,
  /** The least-squares line `heapMb = interceptMb + slopeMbPerHour × hours(t)`; null with fewer than two samples. */
  fit: z.object({
    slopeMbPerHour: finite,
    interceptMb: finite,
    fromGcSamples: z.boolean(),
    points: z.number().int().nonnegative(),
  }).nullable(),
  downsampled: z.boolean(),
});
export type MemoryEvidence = z.infer<typeof memoryEvidenceSchema>;

/** Frame rate over the drawing playback, per window. */
export const playbackEvidenceSchema = z.object({
  displayHz: finite,
  /** Width of each window the fps was computed over. */
  windowMs: nonNegative,
  strokeCount: z.number().int().nonnegative().nullable(),
  /** `[tMs, fps]`: the frame-rate definition (displayHz × frames / Σvsyncs) per window. */
  series,
  /** `[tMs, strokesDrawn]` when the probe reported progress. */
  strokes: series.optional(),
  downsampled: z.boolean(),
});
export type PlaybackEvidence = z.infer<typeof playbackEvidenceSchema>;

/** Everything a snapshot may carry for charts; every part optional. */
export const evidenceSchema = z.strictObject({
  latency: latencyEvidenceSchema.optional(),
  frames: frameEvidenceSchema.optional(),
  memory: memoryEvidenceSchema.optional(),
  playback: playbackEvidenceSchema.optional(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/**
 * Validates evidence and returns a plain-JSON copy. Throws
 * `HIL_METRIC_INVALID` listing every problem (an oversized series, a NaN,
 * an unknown part): build evidence with the helpers of `evidence.ts`.
 */
export function checkEvidence(evidence: unknown): Evidence {
  const parsed = evidenceSchema.safeParse(evidence);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HilError('HIL_METRIC_INVALID', `snapshot evidence is not valid (${issues}); build it with latencyEvidence/frameEvidence/memoryEvidence/playbackEvidence, which keep every series under ${EVIDENCE_MAX_POINTS} points`);
  }
  return JSON.parse(JSON.stringify(parsed.data)) as Evidence;
}
