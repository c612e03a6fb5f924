/**
 * The compliance reporter. Vitest loads a reporter module by path and uses
 * its default export, so this file has one; everything is also a named export.
 */
import { ComplianceReporter } from './compliance-reporter.ts';

export { ComplianceReporter, collectTests, type ComplianceReporterOptions } from './compliance-reporter.ts';
export { buildComplianceReport, worse, counts, type ReportInput, type TestRecord } from './build-report.ts';
export { renderMarkdown, mdEscape } from './markdown.ts';
export { complianceReportSchema, COMPLIANCE_SCHEMA_VERSION } from './report-model.ts';
export type { ComplianceReport, ContractReport, InvariantReport, ReportedEvaluation, TestRef } from './report-model.ts';
export { writeFileAtomic } from './write-atomic.ts';

export default ComplianceReporter;
