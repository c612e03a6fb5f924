/**
 * The run history (`reports/history.ndjson`, one JSON object a line, one
 * line a run) and the trend the report draws from it: each invariant's
 * checked metric over the recent runs, with its threshold, so a slow drift
 * shows before it fails.
 */
import { z } from 'zod';

/** One checked metric of an invariant in one run: the worst value over the run's evaluations. */
export const historyCheckSchema = z.object({
  value: z.number(),
  unit: z.string(),
  /** The operator with the metric on the left, e.g. `<=`. */
  op: z.string(),
  threshold: z.number(),
});

/** One line of the history file. */
export const historyEntrySchema = z.object({
  schema: z.literal('mbot-hil/history@1'),
  /** When the run finished (or started, for a run cut short). */
  at: z.string(),
  commit: z.string().nullable(),
  status: z.string(),
  gatePassed: z.boolean(),
  projects: z.array(z.string()),
  /** Per invariant id: its run verdict and each checked metric's worst value. */
  invariants: z.record(z.string(), z.object({ verdict: z.string(), metrics: z.record(z.string(), historyCheckSchema) })),
  /** Every metric the run measured (evaluations that count, and A/B measurements): its range and how many snapshots carried it. */
  metrics: z.record(z.string(), z.object({ min: z.number(), max: z.number(), unit: z.string(), n: z.number().int() })),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** One point of a trend series: one run. */
export const trendPointSchema = z.object({
  at: z.string(),
  commit: z.string().nullable(),
  value: z.number(),
  verdict: z.string(),
  /** True for the run this report is about. */
  current: z.boolean(),
});

/** One invariant's checked metric over the recent runs. */
export const trendSeriesSchema = z.object({
  invariant: z.string(),
  name: z.string(),
  metric: z.string(),
  unit: z.string(),
  op: z.string(),
  /** The threshold the current contract sets. */
  threshold: z.number(),
  points: z.array(trendPointSchema),
});
export type TrendSeries = z.infer<typeof trendSeriesSchema>;

/** The report's `trend` section. */
export const trendSchema = z.object({
  /** The history file, relative to the project when inside it. */
  file: z.string(),
  /** Runs in the history file before this one (after trimming). */
  previousRuns: z.number().int().nonnegative(),
  /** Lines the file held that could not be read (skipped). */
  unreadableLines: z.number().int().nonnegative(),
  series: z.array(trendSeriesSchema),
});
export type Trend = z.infer<typeof trendSchema>;
