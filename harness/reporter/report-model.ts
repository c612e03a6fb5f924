import { z } from 'zod';
import { invariantEvaluationSchema, runVerdictSchema, targetInfoSchema } from '../evaluation/model.ts';
import { baselineComparisonSchema } from './baseline-model.ts';
import { coverageSchema } from './coverage.ts';
import { gateReasonSchema, gateRequiredSchema } from './gate.ts';
// mbot-hil contract sections beyond the invariants (optimization targets, required metrics, trend).
import { optimizationTargetSchema, recommendationSchema, requiredMetricSchema } from '../optimization/model.ts';
import { trendSchema } from './history-model.ts';

/** Version of `reports/compliance.json`. Bump on any breaking change of its shape. */
export const COMPLIANCE_SCHEMA_VERSION = 1;

/** The test an evaluation came from. */
export const testRefSchema = z.object({
  project: z.string(),
  file: z.string(),
  name: z.string(),
  fullName: z.string(),
  state: z.enum(['passed', 'failed', 'skipped', 'pending']),
  durationMs: z.number().nullable(),
  errors: z.array(z.string()),
});
export type TestRef = z.infer<typeof testRefSchema>;

/** An evaluation as the report stores it: the matcher's evaluation plus the test it came from. */
export const reportedEvaluationSchema = invariantEvaluationSchema.extend({ test: testRefSchema });
export type ReportedEvaluation = z.infer<typeof reportedEvaluationSchema>;

const verdictByKeySchema = z.record(z.string(), runVerdictSchema);

/** One invariant's result over the whole run. */
export const invariantReportSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  severity: z.string().nullable(),
  enforcement: z.string().nullable(),
  /** The check expressions as written: the thresholds. */
  checks: z.array(z.string()),
  /** Worst verdict over the evaluations that count (fail > not-evaluated > pass); `not-run` when none. */
  verdict: runVerdictSchema,
  /** The same, per target kind (`sim`, `hardware`, `external`) and per Vitest project. */
  byTarget: verdictByKeySchema,
  byProject: verdictByKeySchema,
  evaluations: z.array(reportedEvaluationSchema),
});
export type InvariantReport = z.infer<typeof invariantReportSchema>;

export const contractReportSchema = z.object({
  name: z.string(),
  title: z.string(),
  version: z.string().nullable(),
  file: z.string(),
  verdict: runVerdictSchema,
  invariants: z.array(invariantReportSchema),
});
export type ContractReport = z.infer<typeof contractReportSchema>;

export const contractProblemSchema = z.object({
  code: z.string(),
  file: z.string().nullable(),
  line: z.number().nullable(),
  column: z.number().nullable(),
  message: z.string(),
});

const countsSchema = z.object({
  invariants: z.number().int(),
  pass: z.number().int(),
  fail: z.number().int(),
  notEvaluated: z.number().int(),
  notRun: z.number().int(),
});

/** `reports/compliance.json`. */
export const complianceReportSchema = z.object({
  schema: z.literal('mbot-hil/compliance-report'),
  schemaVersion: z.literal(COMPLIANCE_SCHEMA_VERSION),
  run: z.object({
    /** `interrupted` also when the process died before the run ended (the file is rewritten as the run goes). */
    status: z.enum(['passed', 'failed', 'interrupted']),
    /** Identifies the run (\`HIL_RUN_ID\`, else random): \`mbot-hil run\` checks it to never show an older run's report. */
    id: z.string().optional(),
    statusReason: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    commit: z.string().nullable(),
    node: z.string(),
    vitest: z.string().nullable(),
    platform: z.string(),
    hostname: z.string(),
    projects: z.array(z.string()),
    merged: z.boolean(),
    shard: z.string().nullable(),
    tests: z.object({ passed: z.number().int(), failed: z.number().int(), skipped: z.number().int(), pending: z.number().int() }),
  }),
  contractsDir: z.string(),
  contractProblems: z.array(contractProblemSchema),
  /**
   * The CI gate (see gate.ts): passes only when the run finished, the
   * contracts loaded, at least one invariant was evaluated, none failed or
   * went unevaluated, and every requirement was met.
   */
  gate: z.object({
    passed: z.boolean(),
    failed: z.array(z.string()),
    notEvaluated: z.array(z.string()),
    notRun: z.array(z.string()),
    /** Every reason the gate did not pass (absent in reports written before it existed). */
    reasons: z.array(gateReasonSchema).optional(),
    /** The coverage the run was required to have, and what was missing. */
    required: gateRequiredSchema.nullable().optional(),
    /** True for a filtered run (file filters, -t, --project, --shard). */
    partial: z.boolean().optional(),
  }),
  summary: countsSchema,
  contracts: z.array(contractReportSchema),
  /**
   * Evaluations that prove the harness, not the robot: `expect(...).not` and
   * snapshots of hand-given values (target `none`). Listed, never counted.
   */
  selfChecks: z.array(reportedEvaluationSchema),
  /** Evaluations naming an invariant no loaded contract declares (the contract changed since). */
  orphans: z.array(reportedEvaluationSchema),
  /** Evaluations in task.meta that did not match the evaluation schema (a bug or a version skew). */
  invalidEvaluations: z.array(z.object({ test: testRefSchema, issues: z.string() })),
  targets: z.array(targetInfoSchema),
  /** Which invariant ran on which target and bench, and which never ran (optional: reports before it lack it). */
  coverage: coverageSchema.optional(),
  /** The run compared with a stored baseline; present only when a baseline was configured or found. */
  baseline: baselineComparisonSchema.optional(),
  // Contract sections beyond the invariants (see harness/reporter/optimization-targets.ts); optional: older reports lack them.
  /** Every domain of every contract's optimization_targets, judged on the run's A/B measurements. */
  optimizationTargets: z.array(optimizationTargetSchema).optional(),
  /** profiling_requirements.metrics -> catalogue metric -> produced in this run or not. */
  requiredMetrics: z.array(requiredMetricSchema).optional(),
  /** Remediation of each failed invariant and strategies of each missed optimization target. */
  recommendations: z.array(recommendationSchema).optional(),
  /** A/B measurements that could not be used (bad shape, unknown domain). */
  optimizationProblems: z.array(z.string()).optional(),
  /** Each invariant's metric over the recent runs (reports/history.ndjson) and this one. */
  trend: trendSchema.optional(),
});
export type ComplianceReport = z.infer<typeof complianceReportSchema>;
