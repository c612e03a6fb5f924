/**
 * Shapes of the baseline file (`reports/baseline.json`) and of the optional
 * `baseline` section of `compliance.json` that compares a run against it.
 * Plain JSON, validated with zod on read and write.
 */
import { z } from 'zod';
import { evaluationVerdictSchema, targetInfoSchema } from '../evaluation/model.ts';

/** Version of `baseline.json`. Bump on any breaking change of its shape. */
export const BASELINE_SCHEMA_VERSION = 1;

/** Default tolerance: a metric may get this many percent worse before it is a regression. */
export const DEFAULT_REGRESSION_TOLERANCE_PERCENT = 10;

/** Default minimum sample count on both sides for a comparison to decide anything. */
export const DEFAULT_MIN_SAMPLES = 30;

const metricValueSchema = z.object({ value: z.number(), unit: z.string(), samples: z.number().int().nonnegative() });

/** Which way is better for a metric, from the operator of the check that reads it (`<=`: lower). */
export const directionSchema = z.enum(['lower', 'higher', 'none']);
export type Direction = z.infer<typeof directionSchema>;

/** One stored measurement: an invariant on a target in a scenario. */
export const baselineEntrySchema = z.object({
  /** `<invariant>|<kind>[@<bench>]|<scenario>`: what a later run is matched on. */
  key: z.string(),
  contract: z.string(),
  invariantId: z.string(),
  target: targetInfoSchema,
  /** The evaluation's label, or `<spec file> › <test full name>` without one. */
  scenario: z.string(),
  project: z.string(),
  verdict: evaluationVerdictSchema,
  /** Every metric of the evaluation's snapshot. */
  metrics: z.record(z.string(), metricValueSchema),
  /** Direction of each metric the invariant's checks compare, at save time. */
  directions: z.record(z.string(), directionSchema),
});
export type BaselineEntry = z.infer<typeof baselineEntrySchema>;

/** `reports/baseline.json`. */
export const baselineFileSchema = z.object({
  schema: z.literal('mbot-hil/baseline'),
  schemaVersion: z.literal(BASELINE_SCHEMA_VERSION),
  createdAt: z.string(),
  source: z.object({
    commit: z.string().nullable(),
    startedAt: z.string(),
    projects: z.array(z.string()),
    merged: z.boolean(),
  }),
  entries: z.array(baselineEntrySchema),
});
export type BaselineFile = z.infer<typeof baselineFileSchema>;

/**
 * Verdict of one metric against the baseline: `pass` (within tolerance or
 * better), `regression` (worse by more than the tolerance), `inconclusive`
 * (too few samples on either side), `missing` (not measured in this run),
 * `no-baseline` (not in the baseline), `info` (no direction, or a workload
 * figure such as `stroke_count`: shown, never gated).
 */
export const metricComparisonStatusSchema = z.enum(['pass', 'regression', 'inconclusive', 'missing', 'no-baseline', 'info']);
export type MetricComparisonStatus = z.infer<typeof metricComparisonStatusSchema>;

/** One metric, baseline vs current. */
export const metricComparisonSchema = z.object({
  name: z.string(),
  unit: z.string(),
  direction: directionSchema,
  baseline: z.number().nullable(),
  current: z.number().nullable(),
  baselineSamples: z.number().int().nullable(),
  currentSamples: z.number().int().nullable(),
  /** `(current - baseline) / |baseline| × 100`; null when the baseline is 0 or either is missing. */
  changePercent: z.number().nullable(),
  /** The change with the sign of "better" (lower-is-better metrics: a drop is a positive improvement). */
  improvementPercent: z.number().nullable(),
  status: metricComparisonStatusSchema,
  note: z.string().nullable(),
});
export type MetricComparison = z.infer<typeof metricComparisonSchema>;

/** Verdict of one entry (invariant × target × scenario): the worst of its gated metrics. */
export const entryComparisonStatusSchema = z.enum(['pass', 'regression', 'inconclusive', 'no-baseline']);
export type EntryComparisonStatus = z.infer<typeof entryComparisonStatusSchema>;

/** One invariant on one target in one scenario, compared. */
export const entryComparisonSchema = z.object({
  key: z.string(),
  contract: z.string(),
  invariantId: z.string(),
  target: targetInfoSchema,
  scenario: z.string(),
  project: z.string(),
  status: entryComparisonStatusSchema,
  tolerancePercent: z.number(),
  minSamples: z.number().int(),
  /** Where the tolerance came from: `invariant`, `contract`, `option` or `default`. */
  toleranceFrom: z.string(),
  metrics: z.array(metricComparisonSchema),
});
export type EntryComparison = z.infer<typeof entryComparisonSchema>;

/** The optional `baseline` section of `compliance.json`. */
export const baselineComparisonSchema = z.object({
  /** The baseline file, relative to the project root when inside it. */
  file: z.string(),
  createdAt: z.string().nullable(),
  commit: z.string().nullable(),
  /** Why no comparison could be made (file missing or invalid); null when it was. */
  error: z.string().nullable(),
  /** True when no entry regressed and none was inconclusive (and the baseline was readable). */
  passed: z.boolean(),
  regressions: z.array(z.string()),
  inconclusive: z.array(z.string()),
  /** Keys measured now with nothing to compare to. */
  noBaseline: z.array(z.string()),
  /** Keys in the baseline this run did not measure. */
  notMeasured: z.array(z.string()),
  /** Tolerance settings that could not be used (bad values in a contract), with the fallback taken. */
  problems: z.array(z.string()),
  entries: z.array(entryComparisonSchema),
});
export type BaselineComparison = z.infer<typeof baselineComparisonSchema>;
