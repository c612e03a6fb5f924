/**
 * Reading and writing `baseline.json`, and the reporter's choice of which
 * baseline to compare against.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ContractSet } from '../contracts/types.ts';
import { HilError } from '../errors.ts';
import { compareToBaseline, failedComparison, makeBaseline, tolerancesFromContracts, type ToleranceDefaults } from './baseline-compare.ts';
import { baselineFileSchema, type BaselineComparison, type BaselineFile } from './baseline-model.ts';
import type { ComplianceReport } from './report-model.ts';
import { writeFileAtomic } from './write-atomic.ts';

/** The environment variable naming the baseline file the reporter compares against. */
export const BASELINE_ENV = 'HIL_BASELINE';

/** The default baseline file: `reports/baseline.json` (relative to the working directory). */
export const DEFAULT_BASELINE_PATH = join('reports', 'baseline.json');

/**
 * Stores the metrics of `report` (every counted evaluation, keyed by
 * invariant, target and scenario) in `path` atomically and returns what was
 * written. Throws `HIL_REPORT_WRITE_FAILED` when the file cannot be written.
 */
export function saveBaseline(report: ComplianceReport, path: string = DEFAULT_BASELINE_PATH, now: Date = new Date()): BaselineFile {
  const baseline = makeBaseline(report, now);
  writeFileAtomic(resolve(path), `${JSON.stringify(baseline, null, 2)}\n`);
  return baseline;
}

/**
 * Reads and validates a baseline file. Throws `HIL_CONFIG_INVALID` when it
 * does not exist or is not JSON, `HIL_REPORT_SCHEMA` when it has the wrong
 * shape (every problem listed).
 */
export function loadBaseline(path: string): BaselineFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HilError('HIL_CONFIG_INVALID', `the baseline ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); save one with \`npx mbot-hil baseline save\` or fix ${BASELINE_ENV}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new HilError('HIL_CONFIG_INVALID', `the baseline ${path} is not JSON (${(err as Error).message}); save it again with \`npx mbot-hil baseline save\``, { cause: err });
  }
  const parsed = baselineFileSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HilError('HIL_REPORT_SCHEMA', `the baseline ${path} is not an mbot-hil/baseline v1 file (${issues}); save it again with \`npx mbot-hil baseline save\``);
  }
  return parsed.data;
}

/** Which baseline the reporter uses: the option, else `HIL_BASELINE`, else `<outputDir>/baseline.json` when it exists. */
export function resolveBaselinePath(option: string | undefined, outputDir: string, root: string, env: Record<string, string | undefined> = process.env): { path: string; explicit: boolean } | null {
  const given = option ?? (env[BASELINE_ENV]?.trim() ? env[BASELINE_ENV] : undefined);
  if (given !== undefined) return { path: resolve(root, given), explicit: true };
  const fallback = join(outputDir, 'baseline.json');
  return existsSync(fallback) ? { path: fallback, explicit: false } : null;
}

/**
 * The `baseline` section for a report: the comparison with the file at
 * `path`, or a failed comparison saying why when it cannot be read (an
 * explicit baseline that is missing must not read as "no regression").
 */
export function baselineSection(report: ComplianceReport, path: string, options: { root: string; contracts: ContractSet | null; defaults?: ToleranceDefaults }): BaselineComparison {
  const shown = relative(options.root, path).startsWith('..') ? path : relative(options.root, path);
  let baseline: BaselineFile;
  try {
    baseline = loadBaseline(path);
  } catch (err) {
    return failedComparison(shown, (err as Error).message);
  }
  const { lookup, problems } = tolerancesFromContracts(options.contracts, options.defaults);
  return compareToBaseline(report, baseline, { file: shown, lookup, problems });
}
