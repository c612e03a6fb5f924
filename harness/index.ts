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
export * from './mbot/index.ts';
export type { TargetInfo } from './targets/target-info.ts';
export * from './lab/index.ts';
export { describeMessage, loadRecording, messagesOf, readRecordingLines, RECORDING_FORMAT, RECORDING_VERSION } from './record/index.ts';
export type { RecordingEvent, RecordingFile, RecordingHeader, RecordingSession, TimedMessage } from './record/index.ts';

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

// Probes (ws, playwright-core) are `mbot-hil/probes`; targets and the simulator `mbot-hil/targets` and
// `mbot-hil/simulators`; the reference apps `mbot-hil/reference`: importing `mbot-hil` loads none of them.
