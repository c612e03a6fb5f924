import { hostname } from 'node:os';
import { relative } from 'node:path';
import { verdictOver } from '../evaluation/evaluate.ts';
import { invariantEvaluationSchema, type InvariantEvaluation, type RunVerdict } from '../evaluation/model.ts';
import type { ContractError } from '../errors.ts';
import type { ContractSet, Invariant } from '../contracts/types.ts';
import { buildCoverage } from './coverage.ts';
import { computeGate, type GateInput } from './gate.ts';
import { buildContractSections } from './optimization-targets.ts';
import {
  COMPLIANCE_SCHEMA_VERSION,
  complianceReportSchema,
  type ComplianceReport,
  type ContractReport,
  type ReportedEvaluation,
  type TestRef,
} from './report-model.ts';

/** One test as the reporter saw it, with whatever `task.meta.hilEvaluations` held (unchecked). */
export interface TestRecord extends TestRef {
  evaluations: unknown[];
  /** What `task.meta.hilOptimization` held (unchecked): A/B measurements for the optimization targets. */
  optimization?: unknown[];
}

/** Everything a report is built from. */
export interface ReportInput {
  tests: readonly TestRecord[];
  contracts: ContractSet | null;
  contractsDir: string;
  contractProblems: readonly (ContractError | { code: string; message: string; file?: string; line?: number; column?: number })[];
  /** What the gate requires; null or absent: nothing beyond the default rules. */
  requirements?: GateInput['requirements'];
  /** A filtered run (options-given requirements are not checked then). */
  partial?: boolean;
  /**
   * The robot target each Vitest project runs on (its `HIL_TARGET`), where
   * known: an evaluation claiming the other of `sim` and `hardware` does not
   * count (a snapshot built by hand with `target: { kind: 'hardware' }` in
   * the sim project must not stand for a bench run).
   */
  projectTargets?: Readonly<Record<string, 'sim' | 'hardware'>>;
  run: {
    /** Identifies the run; absent in older callers. */
    id?: string;
    status: ComplianceReport['run']['status'];
    statusReason: string | null;
    startedAt: string;
    finishedAt: string | null;
    commit: string | null;
    vitest: string | null;
    projects: readonly string[];
    merged: boolean;
    shard: string | null;
  };
  cwd: string;
}

const RANK: Record<RunVerdict, number> = { 'not-run': 0, pass: 1, 'not-evaluated': 2, fail: 3 };

/** The worse of two run verdicts: fail > not-evaluated > pass > not-run. */
export function worse(a: RunVerdict, b: RunVerdict): RunVerdict {
  return RANK[b] > RANK[a] ? b : a;
}

/** True when an evaluation speaks about the robot (not a harness self-check). */
export function counts(e: ReportedEvaluation): boolean {
  return !e.negated && e.target.kind !== 'none';
}

const checkList = (checks: readonly string[]) => checks.map((c) => `\`${c.slice(0, 200)}\``).join(', ');

/**
 * Why `e` cannot stand for `invariant` of the report's contracts, or null
 * when it can: it must have been judged by the same checks (a matcher given
 * another `contractsDir` may hold a weaker copy under the same id), and its
 * verdict must be the one those checks give its measured values (a verdict
 * written into `task.meta` by hand is not a measurement).
 */
export function inconsistency(e: InvariantEvaluation, invariant: Invariant): string | null {
  const mine = invariant.validation.map((v) => v.check);
  const theirs = e.checks.map((c) => c.check);
  if (mine.length !== theirs.length || mine.some((c, i) => c !== theirs[i])) {
    return `${e.invariant.id} was evaluated against ${checkList(theirs)} (${e.contract.file}), but the report's contract says ${checkList(mine)}: `
      + 'point the matchers and the reporter at the same contracts (HIL_CONTRACTS_DIR, or the same contractsDir for both)';
  }
  const values: Record<string, number> = {};
  for (const [name, m] of Object.entries(e.metrics)) values[name] = m.value;
  const verdict = verdictOver(invariant, values);
  if (verdict !== e.verdict) return `${e.invariant.id} claims ${e.verdict}, but its measured values give ${verdict} against ${checkList(mine)}`;
  return null;
}

/** Why `e`, from a test of `project` (which runs on `runsOn`), claims a robot target it was not measured on, or null. */
export function wrongTarget(e: InvariantEvaluation, project: string, runsOn: 'sim' | 'hardware' | undefined): string | null {
  const claimed = e.target.kind;
  if (runsOn === undefined || (claimed !== 'sim' && claimed !== 'hardware') || claimed === runsOn) return null;
  return `${e.invariant.id} claims target ${claimed}, but the project "${project}" runs on ${runsOn} (HIL_TARGET): `
    + `a snapshot's target is the one its probe or robot fixture measured; build it with the fixture's context, not a target given by hand`;
}

/**
 * Builds the compliance report. Every invariant of every loaded contract is
 * listed; one that no spec evaluated is `not-run`, never omitted. The result
 * is validated against the schema (throws `ZodError` on a bug here).
 */
export function buildComplianceReport(input: ReportInput): ComplianceReport {
  const evaluations: ReportedEvaluation[] = [];
  const invalid: ComplianceReport['invalidEvaluations'] = [];
  const tally = { passed: 0, failed: 0, skipped: 0, pending: 0 };
  const measured: { test: TestRef; measurements: unknown[] }[] = [];
  for (const t of input.tests) {
    const { evaluations: raw, optimization, ...test } = t;
    if (optimization?.length) measured.push({ test, measurements: optimization });
    tally[test.state] += 1;
    for (const r of raw) {
      const parsed = invariantEvaluationSchema.safeParse(r);
      // An evaluation that counts must agree with the contract this report judges by.
      const declared = parsed.success && counts({ ...parsed.data, test }) ? input.contracts?.findInvariant(parsed.data.invariant.id) : undefined;
      const wrong = parsed.success && declared
        ? inconsistency(parsed.data, declared.invariant) ?? wrongTarget(parsed.data, test.project, input.projectTargets?.[test.project])
        : null;
      if (wrong !== null) invalid.push({ test, issues: wrong });
      else if (parsed.success) evaluations.push({ ...parsed.data, test });
      else invalid.push({ test, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    }
  }

  const known = new Set<string>();
  const contracts: ContractReport[] = (input.contracts?.contracts ?? []).map((c) => {
    const invariants = c.invariants.map((inv) => {
      known.add(inv.id);
      const mine = evaluations.filter((e) => e.invariant.id === inv.id && counts(e));
      let verdict: RunVerdict = 'not-run';
      const byTarget: Record<string, RunVerdict> = {};
      const byProject: Record<string, RunVerdict> = {};
      for (const e of mine) {
        verdict = worse(verdict, e.verdict);
        byTarget[e.target.kind] = worse(byTarget[e.target.kind] ?? 'not-run', e.verdict);
        byProject[e.test.project] = worse(byProject[e.test.project] ?? 'not-run', e.verdict);
      }
      return {
        id: inv.id,
        name: inv.name,
        description: inv.description ?? null,
        severity: inv.severity ?? null,
        enforcement: inv.enforcement ?? null,
        checks: inv.validation.map((v) => v.check),
        verdict,
        byTarget,
        byProject,
        evaluations: mine,
      };
    });
    const verdict = invariants.reduce<RunVerdict>((v, i) => worse(v, i.verdict), 'not-run');
    return {
      name: c.name,
      title: c.header.name,
      version: c.header.version ?? null,
      file: relative(input.cwd, c.file) || c.file,
      // A contract with some invariants not run is not "pass": say so.
      verdict: verdict === 'pass' && invariants.some((i) => i.verdict === 'not-run') ? 'not-run' : verdict,
      invariants,
    };
  });

  const all = contracts.flatMap((c) => c.invariants);
  const ids = (v: RunVerdict) => all.filter((i) => i.verdict === v).map((i) => i.id);
  const targets = new Map<string, ReportedEvaluation['target']>();
  for (const e of evaluations) if (counts(e)) targets.set(JSON.stringify(e.target), e.target);

  const finished = input.run.finishedAt;
  const report: ComplianceReport = {
    schema: 'mbot-hil/compliance-report',
    schemaVersion: COMPLIANCE_SCHEMA_VERSION,
    run: {
      ...(input.run.id !== undefined ? { id: input.run.id } : {}),
      status: input.run.status,
      statusReason: input.run.statusReason,
      startedAt: input.run.startedAt,
      finishedAt: finished,
      durationMs: finished ? Math.max(0, Date.parse(finished) - Date.parse(input.run.startedAt)) : null,
      commit: input.run.commit,
      node: process.version,
      vitest: input.run.vitest,
      platform: `${process.platform}-${process.arch}`,
      hostname: hostname(),
      projects: [...input.run.projects],
      merged: input.run.merged,
      shard: input.run.shard,
      tests: tally,
    },
    contractsDir: relative(input.cwd, input.contractsDir) || '.',
    contractProblems: input.contractProblems.map((p) => ({
      code: p.code,
      file: p.file ?? null,
      line: p.line ?? null,
      column: p.column ?? null,
      message: p.message,
    })),
    gate: computeGate({
      // An interrupted run proves nothing about what did not run: it never passes the gate.
      interrupted: input.run.status === 'interrupted',
      contractProblems: input.contractProblems.length,
      invalidEvaluations: invalid.length,
      invariants: all.map((i) => ({
        id: i.id,
        verdict: i.verdict,
        byTarget: i.byTarget,
        notEvaluatedReason: i.evaluations.find((e) => e.verdict === 'not-evaluated')?.reason ?? null,
      })),
      requirements: input.requirements ?? null,
      partial: input.partial ?? false,
    }),
    summary: {
      invariants: all.length,
      pass: ids('pass').length,
      fail: ids('fail').length,
      notEvaluated: ids('not-evaluated').length,
      notRun: ids('not-run').length,
    },
    contracts,
    selfChecks: evaluations.filter((e) => !counts(e)),
    orphans: evaluations.filter((e) => counts(e) && !known.has(e.invariant.id)),
    invalidEvaluations: invalid,
    targets: [...targets.values()],
    coverage: buildCoverage(contracts),
  };
  // Contract sections beyond the invariants: optimization targets, required metrics, recommendations.
  Object.assign(report, buildContractSections(input.contracts, measured, report));
  return complianceReportSchema.parse(report);
}
