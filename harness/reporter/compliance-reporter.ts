import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import type { Reporter, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import { loadContracts, resolveContractsDir } from '../contracts/index.ts';
import type { ContractSet } from '../contracts/types.ts';
import { ContractLoadError, HilError, isHilError } from '../errors.ts';
import { compareToBaseline, failedComparison, tolerancesFromContracts } from './baseline-compare.ts';
import type { BaselineFile } from './baseline-model.ts';
import { loadBaseline, resolveBaselinePath } from './baseline-store.ts';
import { buildComplianceReport, type ReportInput, type TestRecord } from './build-report.ts';
import { GATE_EXIT_CODE, gateWord, onlyNothingRanInPartialRun, requirementsFromEnv, type GateInput } from './gate.ts';
import { appendStepSummary, writeReportFiles, type ReportFormat } from './report-files.ts';
import { oneLine } from './text-safety.ts';
import { claimReportsDir, type ReportsClaim } from './report-lock.ts';
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
  /**
   * Exit code of a run whose tests all passed but whose gate failed; default
   * 99 ({@link GATE_EXIT_CODE}). `false`: the gate never changes the exit
   * code (the report still says FAILED). A failing test keeps Vitest's 1.
   */
  gateExitCode?: number | false;
  /**
   * Invariant ids that must pass for the gate to pass, or `'all'` (every
   * invariant of the loaded contracts). Checked in unfiltered runs only (a
   * run of one file cannot cover them); `HIL_REQUIRE_INVARIANTS` overrides
   * it and applies to every run.
   */
  requireInvariants?: 'all' | string[];
  /**
   * Target kinds (`sim`, `hardware`) each required invariant must pass on;
   * with no `requireInvariants`, every invariant is required. Unfiltered runs
   * only; `HIL_REQUIRE_TARGETS` overrides it and applies to every run.
   */
  requireTargets?: string[];
  /** Run history (a path relative to `outputDir`, or false for none); default `HIL_HISTORY`, else `<outputDir>/history.ndjson`. */
  history?: string | false;
  /** Bounds of the history and its trend; defaults in `HISTORY_DEFAULTS`. */
  historyBounds?: Partial<HistoryBounds>;
  /**
   * Ms a finished test file may wait before the in-progress report is written
   * again; default {@link INTERIM_WRITE_MS}. Files that end within it share
   * one write; 0 writes after every file.
   */
  interimWriteMs?: number;
}

/** The environment variable that names a run (`mbot-hil run` sets it to find its own report). */
export const RUN_ID_ENV = 'HIL_RUN_ID';

// `filenamePattern` is internal to Vitest 4.1 (the CLI's file filters); read defensively.
function isPartialRun(vitest: Vitest | undefined): boolean {
  if (!vitest) return false;
  const config = vitest.config;
  if (config.mergeReports) return false;
  const files = (vitest as unknown as { filenamePattern?: unknown }).filenamePattern;
  return (Array.isArray(files) && files.length > 0)
    || !!config.testNamePattern
    || (Array.isArray(config.project) && config.project.length > 0)
    || !!config.shard
    || !!config.changed
    || (Array.isArray(config.related) && config.related.length > 0);
}

/**
 * The robot target of each project of this run: its own `HIL_TARGET`, else
 * the run's, else `sim` (as the fixtures read it, harness/targets/run-settings.ts).
 * None for merged reports: the blobs' projects ran elsewhere, under settings
 * this process cannot see.
 */
function projectTargets(vitest: Vitest | undefined): Record<string, 'sim' | 'hardware'> | undefined {
  if (!vitest || vitest.config.mergeReports) return undefined;
  const out: Record<string, 'sim' | 'hardware'> = {};
  for (const p of vitest.projects) {
    const target = (p.config.env as Record<string, unknown> | undefined)?.HIL_TARGET || process.env.HIL_TARGET || 'sim';
    if (target === 'sim' || target === 'hardware') out[p.name] = target;
  }
  return out;
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

/** Default of {@link ComplianceReporterOptions.interimWriteMs}. */
export const INTERIM_WRITE_MS = 1000;

/**
 * Writes `compliance.json` (schema-versioned, validated on write),
 * `compliance.md`, `compliance.html` and `junit-<project>.xml`, comparing
 * the run with a baseline when one is configured or found. The files are
 * written when the run starts (marked interrupted), at most
 * `interimWriteMs` after a test file ends, and at the end, so a run that is
 * cut short still leaves a report that says so (one at most a second stale
 * by default); the CI job summary is appended once, at the end. Works after
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
  private runId: string = process.env[RUN_ID_ENV]?.trim() || randomUUID();
  private pendingExitCode: number | null = null;
  private exitGuard = false;
  private runHistory: RunHistory | undefined;
  /** The last report written (for tests and the CLI). */
  lastReport: ComplianceReport | undefined;
  /** The exit code this reporter gave the run at its end (null: it left Vitest's code alone). */
  gateExitCodeSet: number | null = null;
  private claim: ReportsClaim | null = null;
  private interimTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ComplianceReporterOptions = {}) {
    const code = options.gateExitCode;
    if (code !== undefined && code !== false && !(Number.isInteger(code) && code > 0 && code < 256)) {
      throw new HilError('HIL_CONFIG_INVALID', `the reporter option gateExitCode must be an integer from 1 to 255 or false, got ${String(code)}`);
    }
    for (const [name, v] of [['requireInvariants', options.requireInvariants], ['requireTargets', options.requireTargets]] as const) {
      if (v !== undefined && v !== 'all' && !(Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0))) {
        throw new HilError('HIL_CONFIG_INVALID', `the reporter option ${name} must be ${name === 'requireInvariants' ? "'all' or " : ''}an array of non-empty strings, got ${JSON.stringify(v)}`);
      }
    }
    const interim = options.interimWriteMs;
    if (interim !== undefined && !(typeof interim === 'number' && Number.isFinite(interim) && interim >= 0)) {
      throw new HilError('HIL_CONFIG_INVALID', `the reporter option interimWriteMs must be a number of ms, 0 or more, got ${JSON.stringify(interim)}`);
    }
    if (options.requireTargets as unknown === 'all') throw new HilError('HIL_CONFIG_INVALID', "the reporter option requireTargets must be an array such as ['sim', 'hardware']");
  }

  /** What the gate requires: the environment's `HIL_REQUIRE_*` first, else the options. */
  private requirements(): GateInput['requirements'] {
    const env = requirementsFromEnv(process.env);
    if (env) return { ...env, source: 'env' };
    const { requireInvariants, requireTargets } = this.options;
    if (requireInvariants === undefined && requireTargets === undefined) return null;
    return { invariants: requireInvariants ?? 'all', targets: requireTargets ?? [], source: 'options' };
  }

  get outputDir(): string {
    // An empty variable counts as unset: it must never send reports to the project root.
    return resolve(this.root, this.options.outputDir ?? (process.env.HIL_REPORTS_DIR?.trim() || 'reports'));
  }

  /**
   * Where this run's reports go: {@link outputDir}, or `<outputDir>/runs/<run id>`
   * when another live run holds the folder's lock (see report-lock.ts).
   */
  get reportsDir(): string {
    return this.claim?.dir ?? this.outputDir;
  }

  /** The run's id (`HIL_RUN_ID`, else random), written into the report and the lock. */
  get id(): string {
    return this.runId;
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.root = vitest.config.root;
    this.startedAt = new Date().toISOString();
    this.loadContracts();
  }

  onTestRunStart(): void {
    // A watch-mode rerun: the run is in progress again, and a write still pending from the last one is moot.
    this.finished = false;
    if (this.interimTimer) clearTimeout(this.interimTimer);
    this.interimTimer = null;
    this.startedAt = new Date().toISOString();
    this.pendingExitCode = null;
    this.gateExitCodeSet = null;
    this.write('interrupted', 'the run is in progress, or was killed before it finished');
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.modules.set(`${testModule.project.name}\0${testModule.moduleId}`, testModule);
    // Rebuilding every report after every file cost seconds of CPU over a
    // large run (each rebuild reads all files so far); files that end close
    // together share one write.
    const delayMs = this.options.interimWriteMs ?? INTERIM_WRITE_MS;
    if (delayMs <= 0) {
      this.writeInterim();
      return;
    }
    this.interimTimer ??= setTimeout(() => {
      this.interimTimer = null;
      this.writeInterim();
    }, delayMs).unref();
  }

  private writeInterim(): void {
    if (this.finished) return;
    try {
      this.write('interrupted', 'the run is in progress, or was killed before it finished');
    } catch (err) {
      // From a timer an exception would kill the run; the final write reports the same problem.
      process.stderr.write(`mbot-hil: the in-progress report was not written: ${(err as Error).message}\n`);
    }
  }

  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly unknown[], reason: TestRunEndReason): void {
    if (this.interimTimer) clearTimeout(this.interimTimer);
    this.interimTimer = null;
    for (const m of testModules) this.modules.set(`${m.project.name}\0${m.moduleId}`, m);
    this.finished = true;
    const why = reason === 'interrupted'
      ? 'the run was interrupted (Ctrl-C, a bail, or a timeout)'
      : unhandledErrors.length > 0 ? `${unhandledErrors.length} unhandled error(s) during the run` : null;
    // Vitest ends a run with unhandled errors as 'passed' when every test passed, yet exits 1: the report says failed.
    // Not where the project told Vitest to ignore them (it exits 0 then): the reason still names them.
    const ignored = this.vitest?.config.dangerouslyIgnoreUnhandledErrors === true;
    const status = reason === 'passed' && unhandledErrors.length > 0 && !ignored ? 'failed' : reason;
    try {
      this.write(status, why);
    } finally {
      this.claim?.release();
    }
    // The run's line in the bounded history (reports/history.ndjson); a failure here must not hide the run's result.
    try {
      if (this.lastReport) this.historyOnce().record(this.lastReport);
    } catch (err) {
      process.stderr.write(`mbot-hil: run history not updated: ${(err as Error).message}\n`);
    }
    const rel = relative(process.cwd(), join(this.reportsDir, 'compliance.md'));
    this.claim = null;
    const g = this.lastReport?.gate;
    if (g) this.setExitCode(g);
    if (g && this.vitest) {
      const word = gateWord({ passed: g.passed, reasons: g.reasons ?? [], partial: g.partial ?? false });
      process.stdout.write(`\nmbot-hil: contract compliance ${word} (${this.lastReport?.summary.pass} pass, ${g.failed.length} fail, ${g.notEvaluated.length} not evaluated, ${g.notRun.length} not run) → ${rel}\n`);
      for (const r of g.reasons ?? []) process.stdout.write(`mbot-hil:   ${word === 'NOT CHECKED' ? 'not checked' : 'gate'}: ${oneLine(r.message)}\n`);
      if (g.required && !g.required.applied) process.stdout.write('mbot-hil:   the required invariants were not checked: this run was filtered (files, -t, --project or --shard)\n');
      if (this.gateExitCodeSet !== null) process.stdout.write(`mbot-hil:   every test passed, but the gate failed: exit code ${this.gateExitCodeSet}\n`);
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

  /**
   * Gives the process the gate's exit code when the gate failed and every
   * test passed (Vitest set 1 already otherwise). Vitest 4.1 sets its own
   * code before `onTestRunEnd` and never lowers it after; an `exit` guard
   * re-applies ours in case a later version or another reporter resets it
   * to 0. The guard is installed only in Vitest's main process, never in a
   * worker running a nested Vitest (a harness self-test).
   */
  private setExitCode(gate: ComplianceReport['gate']): void {
    const code = this.options.gateExitCode ?? GATE_EXIT_CODE;
    this.pendingExitCode = null;
    if (gate.passed || code === false) return;
    if (onlyNothingRanInPartialRun({ reasons: gate.reasons ?? [], partial: gate.partial ?? false })) return;
    this.pendingExitCode = code;
    const current = Number(process.exitCode ?? 0);
    if (current === 0) {
      process.exitCode = code;
      this.gateExitCodeSet = code;
    }
    if (!this.exitGuard && process.env.VITEST_WORKER_ID === undefined) {
      this.exitGuard = true;
      process.once('exit', () => {
        if (this.pendingExitCode !== null && Number(process.exitCode ?? 0) === 0) process.exitCode = this.pendingExitCode;
      });
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
      requirements: this.requirements(),
      partial: isPartialRun(this.vitest),
      projectTargets: projectTargets(this.vitest),
      run: {
        id: this.runId,
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
    if (!this.claim) {
      this.claim = claimReportsDir(this.outputDir, this.runId, this.startedAt);
      if (this.claim.note) process.stderr.write(`mbot-hil: ${oneLine(this.claim.note)}\n`);
    }
    writeReportFiles(checked, this.claim.dir, this.options.formats);
    this.lastReport = checked;
  }
}
