/**
 * What `compliance.json` says about the contract beyond its invariants:
 * `optimizationTargets` (each domain of `optimization_targets` judged on
 * the run's A/B measurements), `requiredMetrics` (each name of
 * `profiling_requirements.metrics`, the catalogue metric behind it, and
 * whether the run produced it) and `recommendations` (the remediation of
 * every failed invariant and the strategies of every missed target).
 * Plain JSON, validated with the rest of the report.
 */
import { z } from 'zod';

/** One measured side of a target, the conservative pick among what the run recorded. */
export const measuredSideSchema = z.object({
  value: z.number(),
  unit: z.string(),
  samples: z.number().int().nonnegative(),
  label: z.string().nullable(),
  /** `sim`, `hardware`, `external`, `none`. */
  target: z.string(),
  /** `file › test` the measurement came from. */
  from: z.string(),
});
export type MeasuredSide = z.infer<typeof measuredSideSchema>;

/** One budget of a budget domain, judged. */
export const budgetResultSchema = z.object({
  key: z.string(),
  metric: z.string().nullable(),
  limit: z.number(),
  direction: z.enum(['lower', 'higher']),
  /** The worst value the run measured, null when none. */
  measured: measuredSideSchema.nullable(),
  met: z.boolean().nullable(),
});
export type BudgetResult = z.infer<typeof budgetResultSchema>;

/** One domain of a contract's `optimization_targets`, judged. */
export const optimizationTargetSchema = z.object({
  contract: z.string(),
  domain: z.string(),
  kind: z.enum(['ab', 'budget']),
  metric: z.string().nullable(),
  unit: z.string().nullable(),
  direction: z.enum(['lower', 'higher']),
  contractBaseline: z.number().nullable(),
  contractTarget: z.number().nullable(),
  requiredImprovementPercent: z.number().nullable(),
  /** A/B: the baseline side (the best baseline recorded, so the improvement is never overstated). */
  baseline: measuredSideSchema.nullable(),
  /** A/B: the optimized side (the worst recorded). */
  optimized: measuredSideSchema.nullable(),
  /** (baseline − optimized) / baseline × 100 when lower is better, (optimized − baseline) / baseline × 100 when higher is. */
  improvementPercent: z.number().nullable(),
  /** Whether the contract's percentage applies (it does unless the measured baseline already beats the contract's baseline). */
  improvementRequired: z.boolean(),
  targetReached: z.boolean().nullable(),
  improvementReached: z.boolean().nullable(),
  budgets: z.array(budgetResultSchema),
  strategies: z.array(z.string()),
  /** true: met; false: missed; null: not measured (see `reason`). */
  met: z.boolean().nullable(),
  reason: z.string(),
  /** How many measurements the run recorded for this domain. */
  measurements: z.number().int().nonnegative(),
});
export type OptimizationTarget = z.infer<typeof optimizationTargetSchema>;

/** One name of `profiling_requirements.metrics`. */
export const requiredMetricSchema = z.object({
  contract: z.string(),
  /** As the contract writes it, e.g. `network_page_load_time`. */
  required: z.string(),
  /** The catalogue metric that satisfies it; null when none does. */
  metric: z.string().nullable(),
  produced: z.boolean(),
  /** Snapshots of this run (evaluations and A/B measurements) that carried it. */
  snapshots: z.number().int().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  unit: z.string().nullable(),
});
export type RequiredMetric = z.infer<typeof requiredMetricSchema>;

/** One recommendation: what to do, and why. */
export const recommendationSchema = z.object({
  source: z.enum(['invariant', 'optimization-target']),
  contract: z.string(),
  /** Invariant id, or the domain. */
  id: z.string(),
  /** Remediation text of a failed invariant, or the strategies of a missed target. */
  actions: z.array(z.string()),
  because: z.string(),
});
export type Recommendation = z.infer<typeof recommendationSchema>;
