import { z } from 'zod';
import { evidenceSchema } from '../metrics/evidence-schema.ts';

/**
 * The one evaluation model every matcher produces and every reporter reads.
 * It is plain JSON by construction (no Map, Set, Error, BigInt, NaN,
 * functions): it travels from a worker to the reporter as `task.meta` and
 * through blob merges unchanged (see VITEST4.md).
 */

/** Verdict of one evaluation. */
export const evaluationVerdictSchema = z.enum(['pass', 'fail', 'not-evaluated']);
export type EvaluationVerdict = z.infer<typeof evaluationVerdictSchema>;

/** Verdict of an invariant over a whole run: `not-run` when no spec evaluated it. */
export const runVerdictSchema = z.enum(['pass', 'fail', 'not-evaluated', 'not-run']);
export type RunVerdict = z.infer<typeof runVerdictSchema>;

const metricValueSchema = z.object({
  value: z.number(),
  unit: z.string(),
  samples: z.number().int().nonnegative(),
});

const comparisonSchema = z.object({
  op: z.enum(['<', '<=', '>', '>=', '==', '!=']),
  left: z.string(),
  right: z.string(),
  metric: z.string().optional(),
  threshold: z.number().optional(),
  /** The operator read with the metric on the left (`50 >= x` is `x <= 50`). */
  metricOp: z.enum(['<', '<=', '>', '>=', '==', '!=']).optional(),
  leftValue: z.number().nullable(),
  rightValue: z.number().nullable(),
  passed: z.boolean().nullable(),
});

/** One `validation[]` entry of the invariant, evaluated. */
export const checkEvaluationSchema = z.object({
  type: z.string(),
  check: z.string(),
  verdict: evaluationVerdictSchema,
  comparisons: z.array(comparisonSchema),
  /** Each metric the check reads, with its value, unit and sample count, or null when missing. */
  measured: z.record(z.string(), metricValueSchema.nullable()),
  missing: z.array(z.string()),
  failureMode: z.string().nullable(),
  remediation: z.string().nullable(),
});
export type CheckEvaluation = z.infer<typeof checkEvaluationSchema>;

export const targetInfoSchema = z.object({
  kind: z.enum(['sim', 'hardware', 'external', 'none']),
  port: z.string().optional(),
  firmware: z.object({ name: z.string(), version: z.string() }).optional(),
  bench: z.string().optional(),
});

/** One evaluation of one invariant against one snapshot, as attached to a test. */
export const invariantEvaluationSchema = z.object({
  schema: z.literal('mbot-hil/evaluation@1'),
  contract: z.object({
    name: z.string(),
    title: z.string(),
    version: z.string().nullable(),
    file: z.string(),
  }),
  invariant: z.object({
    id: z.string(),
    name: z.string(),
    severity: z.string().nullable(),
    enforcement: z.string().nullable(),
  }),
  verdict: evaluationVerdictSchema,
  /** Why the verdict is `not-evaluated`; null otherwise. */
  reason: z.string().nullable(),
  missing: z.array(z.string()),
  allowMissing: z.boolean(),
  /** True when the assertion was `expect(...).not...`: a harness self-check, kept out of compliance verdicts. */
  negated: z.boolean(),
  /** Whether the assertion itself passed (for `.not`, the opposite of the verdict). */
  assertionPassed: z.boolean(),
  checks: z.array(checkEvaluationSchema),
  target: targetInfoSchema,
  clock: z.object({ kind: z.enum(['wall', 'virtual']) }),
  seed: z.number().nullable(),
  /** Total raw samples behind the metrics the checks read (sum of their sample counts). */
  sampleCount: z.number().int().nonnegative(),
  takenAt: z.string(),
  evaluatedAt: z.string(),
  /** Optional caller label, e.g. "100 clients". */
  label: z.string().nullable(),
  /** Every metric of the snapshot (for baselines and the HTML evidence). */
  metrics: z.record(z.string(), metricValueSchema),
  /** Optional raw series of the snapshot for the HTML charts (absent in evaluations made before it existed). */
  evidence: evidenceSchema.optional(),
});
export type InvariantEvaluation = z.infer<typeof invariantEvaluationSchema>;

/** The key under which evaluations are stored in `task.meta`. */
export const META_KEY = 'hilEvaluations' as const;

declare module 'vitest' {
  interface TaskMeta {
    /** Every invariant evaluation made by an mbot-hil matcher in this test, in order. */
    hilEvaluations?: InvariantEvaluation[];
  }
}
