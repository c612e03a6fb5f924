import { execFileSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import type { Reporter, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import { loadContracts, resolveContractsDir } from '../contracts/index.ts';
import type { ContractSet } from '../contracts/types.ts';
import { ContractLoadError, isHilError } from '../errors.ts';
import { compareToBaseline, failedComparison, tolerancesFromContracts } from './baseline-compare.ts';
import type { BaselineFile } from './baseline-model.ts';
import { loadBaseline, resolveBaselinePath } from './baseline-store.ts';
import { buildComplianceReport, type ReportInput, type TestRecord } from './build-report.ts';
import { appendStepSummary, writeReportFiles, type ReportFormat } from './report-files.ts';
import { HISTORY_DEFAULTS, resolveHistoryPath, RunHistory, type HistoryBounds } from './history.ts';
import { complianceReportSchema, type ComplianceReport } from './report-model.ts';

/** Options of the compliance reporter (`reporters: [['mbot-hil/reporter', options]]`). */
export interface ComplianceReporterOptions {
  /** Where reports go; default `HIL_REPORTS_DIR` or `<root>/reports`. */
  outputDir?: string;
  /** Contracts to report on; default as the matchers: `HIL_CONTRACTS_DIR` or `<root>/contracts`. */
  contractsDir?: string;
  /**
   * Baseline to compare the run with; default `HIL_BASELINE`, else
   * `<outputDir>/baseline.json` when it exists (no comparison otherwise).
   */
  baseline?: string;
  /** Regression tolerance in percent where the contract sets none; default 10. */
  regressionTolerancePercent?: number;
  /** Fewest samples on both sides for a baseline comparison to decide; default 30. */
  minSamples?: number;
  /** Formats to write; default all: json, md, html, junit (one `junit-<project>.xml` per project). */
  formats?: ReportFormat[];
  /** Append the compact summary to `$GITHUB_STEP_SUMMARY` at the end of the run when set; default true. */
  stepSummary?: boolean;
  /** Run history (a path relative to `outputDir`, or false for none); default `HIL_HISTORY`, else `<outputDir>/history.ndjson`. */
  history?: string | false;
  /** Bounds of the history and its trend; defaults in `HISTORY_DEFAULTS`. */
  historyBounds?: Partial<HistoryBounds>;
}

function gitCommit(cwd: string): string | null {
  const fromEnv = process.env.GITHUB_SHA ?? process.env.CI_COMMIT_SHA ?? process.env.HIL_COMMIT;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** Reads every test of the given modules with its evaluations from `task.meta`. */
export function collectTests(modules: readonly TestModule[], cwd: string): TestRecord[] {
  const out: TestRecord[] = [];
  for (const m of modules) {
    for (const tc of m.children.allTests()) {
      const result = tc.result();
      const meta = tc.meta() as { hilEvaluations?: unknown; hilOptimization?: unknown };
      out.push({
        project: m.project.name,
        file: relative(cwd, m.moduleId),
        name: tc.name,
        fullName: tc.fullName,
        state: result.state,
        durationMs: tc.diagnostic()?.duration ?? null,
        errors: (result.errors ?? []).map((e) => String(e.message ?? e).slice(0, 2000)),
        evaluations: Array.isArray(meta.hilEvaluations) ? meta.hilEvaluations : [],
        ...(Array.isArray(meta.hilOptimization) ? { optimization: meta.hilOptimization } : {}),
      });
    }
  }
  return out;
}

/**
 * Writes `compliance.json` (schema-versioned, validated on write),
 * `compliance.md`, `compliance.html` and `junit-<project>.xml`, comparing
 * the run with a baseline when one is configured or found. The files are
 * written when the run starts (marked interrupted), after each test file,
 * and at the end, so a run that is cut short still leaves a report that
 * says so; the CI job summary is appended once, at the end. Works after
 * `--merge-reports`.
 */
export class ComplianceReporter implements Reporter {
  private vitest: Vitest | undefined;
  private root = process.cwd();
  private startedAt = new Date().toISOString();
  private readonly modules = new Map<string, TestModule>();
  private contracts: ContractSet | null = null;
  private problems: ReportInput['contractProblems'] = [];
  private finished = false;
  private contractsLoaded = false;
  private commit: string | null | undefined;
  private baseline: { path: string; file?: BaselineFile; error?: string } | null | undefined;
  private runHistory: RunHistory | undefined;
  /** The last report written (for tests and the CLI). */
  lastReport: ComplianceReport | undefined;

  constructor(private readonly options: ComplianceReporterOptions = {}) {}

  get outputDir(): string {
    // An empty variable counts as unset: it must never send reports to the project root.
    return resolve(this.root, this.options.outputDir ?? (process.env.HIL_REPORTS_DIR?.trim() || 'reports'));
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.root = vitest.config.root;
    this.startedAt = new Date().toISOString();
    this.loadContracts();
  }

  onTestRunStart(): void {
    this.startedAt = new Date().toISOString();
    this.write('interrupted', 'the run is in progress, or was killed before it finished');
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.modules.set(`${testModule.project.name}\0${testModule.moduleId}`, testModule);
    this.write('interrupted', 'the run is in progress, or was killed before it finished');
  }

  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly unknown[], reason: TestRunEndReason): void {
    for (const m of testModules) this.modules.set(`${m.project.name}\0${m.moduleId}`, m);
    this.finished = true;
    const why = reason === 'interrupted'
      ? 'the run was interrupted (Ctrl-C, a bail, or a timeout)'
      : unhandledErrors.length > 0 ? `${unhandledErrors.length} unhandled error(s) during the run` : null;
    this.write(reason, why);
    // The run's line in the bounded history (reports/history.ndjson); a failure here must not hide the run's result.
    try {
      if (this.lastReport) this.historyOnce().record(this.lastReport);
    } catch (err) {
      process.stderr.write(`mbot-hil: run history not updated: ${(err as Error).message}\n`);
    }
    const rel = relative(process.cwd(), join(this.outputDir, 'compliance.md'));
    const g = this.lastReport?.gate;
    if (g && this.vitest) {
      process.stdout.write(`\nmbot-hil: contract compliance ${g.passed ? 'PASSED' : 'FAILED'} (${this.lastReport?.summary.pass} pass, ${g.failed.length} fail, ${g.notEvaluated.length} not evaluated, ${g.notRun.length} not run) → ${rel}\n`);
      const b = this.lastReport?.baseline;
      if (b) {
        process.stdout.write(b.error
          ? `mbot-hil: baseline comparison FAILED: ${b.error}\n`
          : `mbot-hil: regression gate ${b.passed ? 'PASSED' : 'FAILED'} against ${b.file} (${b.regressions.length} regression(s), ${b.inconclusive.length} inconclusive)\n`);
      }
    }
    // Inside a Vitest worker this reporter belongs to a nested run (a harness
    // self-test), whose summary must not land on the real CI job page.
    if (this.lastReport && this.options.stepSummary !== false && process.env.VITEST_WORKER_ID === undefined) {
      try {
        appendStepSummary(this.lastReport);
      } catch (err) {
        // A CI summary that cannot be written must not hide the run's own result.
        process.stderr.write(`mbot-hil: ${(err as Error).message}\n`);
      }
    }
  }

  /** The run history of this reporter's output folder (see history.ts), made once. */
  private historyOnce(): RunHistory {
    if (this.runHistory) return this.runHistory;
    const file = resolveHistoryPath(this.options.history, this.outputDir);
    const shown = file && !relative(this.root, file).startsWith('..') ? relative(this.root, file) : (file ?? '');
    this.runHistory = new RunHistory(file, { ...HISTORY_DEFAULTS, ...this.options.historyBounds }, shown);
    return this.runHistory;
  }

  /** The baseline file, read once per run (null when none is configured or found). */
  private loadBaselineOnce(): { path: string; file?: BaselineFile; error?: string } | null {
    if (this.baseline !== undefined) return this.baseline;
    const where = resolveBaselinePath(this.options.baseline, this.outputDir, this.root);
    if (!where) return (this.baseline = null);
    try {
      this.baseline = { path: where.path, file: loadBaseline(where.path) };
    } catch (err) {
      this.baseline = { path: where.path, error: (err as Error).message };
    }
    return this.baseline;
  }

  private loadContracts(): void {
    this.contractsLoaded = true;
    const dir = resolveContractsDir({ dir: this.options.contractsDir, cwd: this.root });
    try {
      this.contracts = loadContracts({ dir });
      this.problems = [];
    } catch (err) {
      this.contracts = null;
      if (err instanceof ContractLoadError) this.problems = [...err.problems];
      else if (isHilError(err)) this.problems = [{ code: err.code, message: err.message }];
      else this.problems = [{ code: 'HIL_CONTRACTS_INVALID', message: String(err) }];
    }
  }

  private write(status: ComplianceReport['run']['status'], statusReason: string | null): void {
    if (!this.contractsLoaded) this.loadContracts();
    const config = this.vitest?.config;
    const report = buildComplianceReport({
      tests: collectTests([...this.modules.values()], this.root),
      contracts: this.contracts,
      contractsDir: resolveContractsDir({ dir: this.options.contractsDir, cwd: this.root }),
      contractProblems: this.problems,
      run: {
        status,
        statusReason,
        startedAt: this.startedAt,
        finishedAt: this.finished ? new Date().toISOString() : null,
        commit: (this.commit ??= gitCommit(this.root)),
        vitest: this.vitest?.version ?? null,
        projects: this.vitest?.projects.map((p) => p.name) ?? [],
        merged: !!config?.mergeReports,
        shard: config?.shard ? `${config.shard.index}/${config.shard.count}` : null,
      },
      cwd: this.root,
    });
    const base = this.loadBaselineOnce();
    if (base) {
      const shown = relative(this.root, base.path).startsWith('..') ? base.path : relative(this.root, base.path);
      const { lookup, problems } = tolerancesFromContracts(this.contracts, {
        ...(this.options.regressionTolerancePercent !== undefined ? { tolerancePercent: this.options.regressionTolerancePercent } : {}),
        ...(this.options.minSamples !== undefined ? { minSamples: this.options.minSamples } : {}),
      });
      report.baseline = base.file ? compareToBaseline(report, base.file, { file: shown, lookup, problems }) : failedComparison(shown, base.error ?? 'unreadable');
    }
    // Each invariant's metric over the recent runs, for the trend charts.
    try {
      const trend = this.historyOnce().trend(report, this.contracts);
      if (trend) report.trend = trend;
    } catch (err) {
      report.optimizationProblems = [...(report.optimizationProblems ?? []), `no trend: ${(err as Error).message}`];
    }
    // Validated again on write: what lands on disk always matches the schema.
    const checked = complianceReportSchema.parse(report);
    writeReportFiles(checked, this.outputDir, this.options.formats);
    this.lastReport = checked;
  }
}
