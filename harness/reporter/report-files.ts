/**
 * The report files of one compliance report, written together (each
 * atomically): `compliance.json`, `compliance.md`, `compliance.html`, and
 * `junit-<project>.xml` per project; plus reading a `compliance.json` back
 * (for `mbot-hil report` and `baseline save`) and appending the compact
 * summary to a CI job page.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HilError } from '../errors.ts';
import { renderHtml } from './html-report.ts';
import { junitFileName, renderJunit, reportProjects } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderMarkdownSummary } from './markdown-sections.ts';
import { complianceReportSchema, type ComplianceReport } from './report-model.ts';
import { writeFileAtomic } from './write-atomic.ts';

/** A report format `writeReportFiles` can write. */
export type ReportFormat = 'json' | 'md' | 'html' | 'junit';

/** Every format, in the order they are written. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'md', 'html', 'junit'];

/**
 * Validates `report` against the schema (throws `ZodError` on a bug) and
 * writes the chosen formats into `outputDir`; returns the paths written.
 * Throws `HIL_REPORT_WRITE_FAILED` naming a file that cannot be written.
 */
export function writeReportFiles(report: ComplianceReport, outputDir: string, formats: readonly ReportFormat[] = REPORT_FORMATS): string[] {
  const checked = complianceReportSchema.parse(report);
  const written: string[] = [];
  const write = (name: string, content: string) => {
    const file = join(outputDir, name);
    writeFileAtomic(file, content);
    written.push(file);
  };
  if (formats.includes('json')) write('compliance.json', `${JSON.stringify(checked, null, 2)}\n`);
  if (formats.includes('md')) write('compliance.md', renderMarkdown(checked));
  if (formats.includes('html')) write('compliance.html', renderHtml(checked));
  if (formats.includes('junit')) for (const p of reportProjects(checked)) write(junitFileName(p), renderJunit(checked, p));
  return written;
}

/**
 * Reads and validates a `compliance.json`. Throws `HIL_CONFIG_INVALID` when
 * it cannot be read or is not JSON, `HIL_REPORT_SCHEMA` (every problem
 * listed) when it is not a v1 compliance report.
 */
export function readComplianceReport(file: string): ComplianceReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HilError('HIL_CONFIG_INVALID', `cannot read the report ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run the suite first (npm test) or pass the path of a compliance.json`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new HilError('HIL_CONFIG_INVALID', `the report ${file} is not JSON (${(err as Error).message}); it may have been cut off: run the suite again`, { cause: err });
  }
  const parsed = complianceReportSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HilError('HIL_REPORT_SCHEMA', `${file} is not an mbot-hil compliance report v1 (${issues}); it was written by another version or edited by hand`);
  }
  return parsed.data;
}

/**
 * Appends the compact Markdown summary to the file named by
 * `$GITHUB_STEP_SUMMARY` (GitHub Actions' job summary); returns its path,
 * or null when the variable is unset. Throws `HIL_REPORT_WRITE_FAILED`.
 */
export function appendStepSummary(report: ComplianceReport, env: Record<string, string | undefined> = process.env): string | null {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return null;
  try {
    appendFileSync(file, renderMarkdownSummary(report));
  } catch (err) {
    throw new HilError('HIL_REPORT_WRITE_FAILED', `could not append the job summary to ${file} (GITHUB_STEP_SUMMARY): ${(err as Error).message}`, { cause: err });
  }
  return file;
}
