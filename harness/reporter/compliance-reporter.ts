import { execFileSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import type { Reporter, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import { loadContracts, resolveContractsDir } from '../contracts/index.ts';
import type { ContractSet } from '../contracts/types.ts';
import { ContractLoadError, isHilError } from '../errors.ts';
import { buildComplianceReport, type ReportInput, type TestRecord } from './build-report.ts';
import { renderMarkdown } from './markdown.ts';
import { complianceReportSchema, type ComplianceReport } from './report-model.ts';
import { writeFileAtomic } from './write-atomic.ts';

/** Options of the compliance reporter (`reporters: [['mbot-hil/reporter', options]]`). */
export interface ComplianceReporterOptions {
  /** Where reports go; default `HIL_REPORTS_DIR` or `<root>/reports`. */
  outputDir?: string;
  /** Contracts to report on; default as the matchers: `HIL_CONTRACTS_DIR` or `<root>/contracts`. */
  contractsDir?: string;
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
      const meta = tc.meta() as { hilEvaluations?: unknown };
      out.push({
        project: m.project.name,
        file: relative(cwd, m.moduleId),
        name: tc.name,
        fullName: tc.fullName,
        state: result.state,
        durationMs: tc.diagnostic()?.duration ?? null,
        errors: (result.errors ?? []).map((e) => String(e.message ?? e).slice(0, 2000)),
        evaluations: Array.isArray(meta.hilEvaluations) ? meta.hilEvaluations : [],
      });
    }
  }
  return out;
}

/**
 * Writes `compliance.json` (schema-versioned, validated on write) and
 * `compliance.md`. The files are written when the run starts (marked
 * interrupted), after each test file, and at the end, so a run that is cut
 * short still leaves a report that says so. Works after `--merge-reports`.
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
  /** The last report written (for tests and the CLI). */
  lastReport: ComplianceReport | undefined;

  constructor(private readonly options: ComplianceReporterOptions = {}) {}

  get outputDir(): string {
    return resolve(this.root, this.options.outputDir ?? process.env.HIL_REPORTS_DIR ?? 'reports');
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
    const rel = relative(process.cwd(), join(this.outputDir, 'compliance.md'));
    const g = this.lastReport?.gate;
    if (g && this.vitest) {
      process.stdout.write(`\nmbot-hil: contract compliance ${g.passed ? 'PASSED' : 'FAILED'} (${this.lastReport?.summary.pass} pass, ${g.failed.length} fail, ${g.notEvaluated.length} not evaluated, ${g.notRun.length} not run) → ${rel}\n`);
    }
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
    // Validated again on write: what lands on disk always matches the schema.
    const checked = complianceReportSchema.parse(report);
    writeFileAtomic(join(this.outputDir, 'compliance.json'), `${JSON.stringify(checked, null, 2)}\n`);
    writeFileAtomic(join(this.outputDir, 'compliance.md'), renderMarkdown(checked));
    this.lastReport = checked;
  }
}
