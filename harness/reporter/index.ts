/**
 * The reporters. Vitest loads a reporter module by path and uses its
 * default export, so this file has one: {@link HilReporter}, the compliance
 * reporter with the progress lines beside it. Everything is also a named export.
 */
import { HilReporter } from './hil-reporter.ts';

export { ComplianceReporter, collectTests, RUN_ID_ENV, type ComplianceReporterOptions } from './compliance-reporter.ts';
export { computeGate, GATE_EXIT_CODE, gateWord, requirementsFromEnv, type GateRequirements, type GateResult, type GateReason } from './gate.ts';
export { recheckGate, describeGate } from './gate-check.ts';
export { claimReportsDir, readLock, lockIsLive, LOCK_FILE, type LockInfo, type ReportsClaim } from './report-lock.ts';
export { visibleControls, oneLine } from './text-safety.ts';
export { HilReporter, type HilReporterOptions } from './hil-reporter.ts';
export { ProgressReporter, ProgressThrottle, type ProgressReporterOptions, type ProgressThrottleOptions } from './progress-reporter.ts';
export { isProgressArtifact, PROGRESS_ARTIFACT_TYPE, type ProgressArtifact } from './progress-artifact.ts';
export { buildComplianceReport, worse, counts, type ReportInput, type TestRecord } from './build-report.ts';
export { renderMarkdown, mdEscape } from './markdown.ts';
export { complianceReportSchema, COMPLIANCE_SCHEMA_VERSION } from './report-model.ts';
export type { ComplianceReport, ContractReport, InvariantReport, ReportedEvaluation, TestRef } from './report-model.ts';
export { writeFileAtomic } from './write-atomic.ts';
export { renderHtml } from './html-report.ts';
export { renderJunit, junitFileName, xmlEscape } from './junit.ts';
export { renderMarkdownSummary, renderCoverageMarkdown, renderBaselineMarkdown } from './markdown-sections.ts';
export { appendStepSummary, readComplianceReport, writeReportFiles, REPORT_FORMATS, type ReportFormat } from './report-files.ts';
export { buildCoverage, coverageSchema, type Coverage } from './coverage.ts';
export { reproduceCommand, shellQuote } from './reproduce.ts';
export { compareToBaseline, makeBaseline, tolerancesFromContracts, type Tolerance, type ToleranceDefaults } from './baseline-compare.ts';
export { saveBaseline, loadBaseline, BASELINE_ENV, DEFAULT_BASELINE_PATH } from './baseline-store.ts';
export { baselineFileSchema, baselineComparisonSchema, DEFAULT_MIN_SAMPLES, DEFAULT_REGRESSION_TOLERANCE_PERCENT } from './baseline-model.ts';
export type { BaselineComparison, BaselineFile, EntryComparison, MetricComparison } from './baseline-model.ts';

export default HilReporter;
