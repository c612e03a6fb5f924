/**
 * The public entry of mbot-hil (`import { ... } from 'mbot-hil'`): named
 * exports only, types with `export type`. Matchers register through
 * `mbot-hil/matchers`; the reporter is `mbot-hil/reporter`.
 */
export { ERROR_CODES, HilError, LocatedError, ContractError, ContractLoadError, isHilError } from './errors.ts';
export type { HilErrorCode, SourceLocation } from './errors.ts';

export * from './contracts/index.ts';
export * from './metrics/index.ts';
export * from './clock/index.ts';
export * from './targets/index.ts';
export * from './lab/index.ts';
export * from './drift/index.ts';

export { evaluateInvariant, requireContract, requireInvariant, toSnapshot } from './evaluation/evaluate.ts';
export type { EvaluateOptions } from './evaluation/evaluate.ts';
export { formatEvaluation } from './evaluation/format.ts';
export { invariantEvaluationSchema, META_KEY } from './evaluation/model.ts';
export type { CheckEvaluation, EvaluationVerdict, InvariantEvaluation, RunVerdict } from './evaluation/model.ts';

export { recordOptimization, OPTIMIZATION_META_KEY, optimizationMeasurementSchema } from './optimization/record.ts';
export type { OptimizationMeasurement, OptimizationRecord, OptimizationSide, TaskWithMeta } from './optimization/record.ts';
export type { OptimizationTarget, RequiredMetric, Recommendation } from './optimization/model.ts';

export { configureMatchers } from './matchers/contracts-source.ts';
export { skipNotEvaluated, type SkipContext } from './matchers/not-evaluated.ts';
export { checkMeetOptions } from './evaluation/received.ts';
export type { MeetOptions } from './matchers/to-meet-invariant.ts';

export { ComplianceReporter, buildComplianceReport, complianceReportSchema, renderMarkdown, COMPLIANCE_SCHEMA_VERSION } from './reporter/index.ts';
export type { ComplianceReport, ComplianceReporterOptions, InvariantReport, ReportedEvaluation } from './reporter/index.ts';

export { COMPANION_TOKEN_ENV, COMPANION_URL_ENV, companionUrlFromEnv, runLatencyProbe } from './probes/latency-probe.ts';
export type { LatencyProbeOptions, LatencyProbeResult } from './probes/latency-probe.ts';
export { MemoryProbe, runSoak } from './probes/memory-probe.ts';
export type { MemoryProbeOptions, SoakOptions, SoakResult } from './probes/memory-probe.ts';
export { openConnection } from './probes/probe-connection.ts';
export type { OpenConnectionOptions, ProbeConnection, ReceivedEnvelope } from './probes/probe-connection.ts';
