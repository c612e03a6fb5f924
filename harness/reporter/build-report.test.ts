import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadContracts } from '../contracts/index.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { createSnapshot } from '../metrics/snapshot.ts';
import { buildComplianceReport, type TestRecord } from './build-report.ts';
import { renderMarkdown } from './markdown.ts';
import { complianceReportSchema } from './report-model.ts';

const contracts = loadContracts({ dir: resolve(import.meta.dirname, '../../contracts') });

function evaluation(id: string, values: Record<string, number>, opts: { kind?: 'sim' | 'hardware' | 'none'; negated?: boolean } = {}) {
  const found = contracts.findInvariant(id);
  if (!found) throw new Error(id);
  const snap = createSnapshot(
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v, unit: 'ms' as const, samples: 500 }])),
    { target: { kind: opts.kind ?? 'sim', port: '/dev/ttyMBOTSIM0' }, clock: { kind: 'virtual' }, seed: 1 },
  );
  return evaluateInvariant(found.contract, found.invariant, snap, { negated: opts.negated ?? false });
}

function record(name: string, project: string, evaluations: unknown[], state: TestRecord['state'] = 'passed'): TestRecord {
  return { project, file: 'specs/performance/x.spec.ts', name, fullName: `perf > ${name}`, state, durationMs: 12, errors: [], evaluations };
}

const run = {
  status: 'passed' as const, statusReason: null, startedAt: '2026-11-26T10:00:00.000Z', finishedAt: '2026-11-26T10:01:00.000Z',
  commit: 'abc123', vitest: '4.1.12', projects: ['sim', 'hardware'], merged: false, shard: null,
};

describe('buildComplianceReport', () => {
  const report = buildComplianceReport({
    tests: [
      record('latency ok', 'sim', [evaluation('I-PERF-001', { 'websocket.latency_p99_ms': 12 })]),
      record('latency on bench', 'hardware', [evaluation('I-PERF-001', { 'websocket.latency_p99_ms': 61 }, { kind: 'hardware' })], 'failed'),
      record('frames unmeasured', 'sim', [evaluation('I-PERF-002', {})], 'failed'),
      record('self-check', 'sim', [evaluation('I-PERF-003', { 'memory.heap_used_mb': 500 }, { negated: true })]),
      record('hand values', 'sim', [evaluation('I-PERF-003', { 'memory.heap_used_mb': 20 }, { kind: 'none' })]),
      record('garbage meta', 'sim', [{ not: 'an evaluation' }]),
    ],
    contracts,
    contractsDir: contracts.dir,
    contractProblems: [],
    run,
    cwd: resolve(import.meta.dirname, '../..'),
  });

  test('gives each invariant its worst verdict, per target and project, and lists the unrun', () => {
    const byId = Object.fromEntries(report.contracts[0]!.invariants.map((i) => [i.id, i]));
    expect(byId['I-PERF-001']).toMatchObject({ verdict: 'fail', byTarget: { sim: 'pass', hardware: 'fail' }, byProject: { sim: 'pass', hardware: 'fail' } });
    expect(byId['I-PERF-002']).toMatchObject({ verdict: 'not-evaluated', byTarget: { sim: 'not-evaluated' } });
    expect(byId['I-PERF-003']).toMatchObject({ verdict: 'not-run', evaluations: [] });
    expect(byId['I-PERF-004']).toMatchObject({ verdict: 'not-run', evaluations: [] });
    expect(report.summary).toEqual({ invariants: 4, pass: 0, fail: 1, notEvaluated: 1, notRun: 2 });
    expect(report.gate).toMatchObject({ passed: false, failed: ['I-PERF-001'], notEvaluated: ['I-PERF-002'], notRun: ['I-PERF-003', 'I-PERF-004'] });
    expect(report.gate.reasons?.map((r) => r.code)).toEqual(['invalid-evaluations', 'failed', 'not-evaluated']);
  });

  test('keeps self-checks and hand-given values out of the verdicts, and unreadable meta visible', () => {
    expect(report.selfChecks.map((e) => [e.invariant.id, e.negated, e.target.kind])).toEqual([
      ['I-PERF-003', true, 'sim'],
      ['I-PERF-003', false, 'none'],
    ]);
    expect(report.invalidEvaluations).toHaveLength(1);
    expect(report.invalidEvaluations[0]!.test.name).toBe('garbage meta');
    expect(report.run.tests).toEqual({ passed: 4, failed: 2, skipped: 0, pending: 0 });
  });

  test('is accepted by the schema and survives a JSON round trip', () => {
    const parsed = complianceReportSchema.parse(JSON.parse(JSON.stringify(report)));
    expect(parsed).toEqual(report);
    expect(parsed.schemaVersion).toBe(1);
  });

  test('the schema rejects a report with a bad verdict', () => {
    const bad = JSON.parse(JSON.stringify(report));
    bad.contracts[0].invariants[0].verdict = 'maybe';
    expect(complianceReportSchema.safeParse(bad).success).toBe(false);
  });

  test('renders Markdown with the gate, every invariant, measured values and thresholds', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('**Gate: FAILED**');
    expect(md).toMatch(/\| feature_performance \| I-PERF-003 \| Memory Usage Limit \| ⏸ not run \|/);
    expect(md).toContain('`websocket.latency_p99_ms` = 61 ms (<= 50), n=500');
    expect(md).toContain('Harness self-checks (not counted)');
  });

  test('a contract that failed to load leaves every evaluation visible as an orphan', () => {
    const r = buildComplianceReport({
      tests: [record('latency ok', 'sim', [evaluation('I-PERF-001', { 'websocket.latency_p99_ms': 12 })])],
      contracts: null,
      contractsDir: '/nowhere',
      contractProblems: [{ code: 'HIL_CONTRACT_DIR_NOT_FOUND', message: 'no dir' }],
      run,
      cwd: '/',
    });
    expect(r.orphans).toHaveLength(1);
    expect(r.gate.passed).toBe(false);
    expect(renderMarkdown(r)).toContain('`HIL_CONTRACT_DIR_NOT_FOUND` no dir');
  });

  test('escapes markup from test names in Markdown', () => {
    const r = buildComplianceReport({
      tests: [record('<img src=x onerror=alert(1)> | pipe', 'sim', [evaluation('I-PERF-001', { 'websocket.latency_p99_ms': 12 })])],
      contracts, contractsDir: contracts.dir, contractProblems: [], run, cwd: '/',
    });
    const md = renderMarkdown(r);
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt; \\| pipe');
  });
});

describe('an evaluation judged by other checks than the report\'s contract does not count', () => {
  // A copy of the contract with I-PERF-001 weakened from `<= 50.0` to `<= 5000`: what a matcher given
  // `contractsDir` (or a setup file's configureMatchers) evaluates against while the reporter reads contracts/.
  const weakDir = mkdtempSync(join(tmpdir(), 'hil-weak-'));
  writeFileSync(join(weakDir, 'feature_performance.yml'), readFileSync(join(contracts.dir, 'feature_performance.yml'), 'utf8').replace('websocket.latency_p99_ms <= 50.0', 'websocket.latency_p99_ms <= 5000'));
  const weak = loadContracts({ dir: weakDir });
  const snap = createSnapshot({ 'websocket.latency_p99_ms': { value: 4000, unit: 'ms', samples: 100 } }, { target: { kind: 'sim' }, clock: { kind: 'virtual' }, seed: 1 });
  const build = (e: unknown) => buildComplianceReport({ tests: [record('latency', 'sim', [e])], contracts, contractsDir: contracts.dir, contractProblems: [], run, cwd: '/' });

  test('a p99 of 4000 ms passed against `<= 5000` is not a pass of `<= 50.0`: the gate fails and says why', () => {
    const found = weak.findInvariant('I-PERF-001')!;
    const e = evaluateInvariant(found.contract, found.invariant, snap);
    expect(e.verdict).toBe('pass');
    const r = build(e);
    expect(r.contracts[0]!.invariants[0]).toMatchObject({ id: 'I-PERF-001', verdict: 'not-run', evaluations: [] });
    expect(r.gate.passed).toBe(false);
    expect(r.gate.reasons?.map((x) => x.code)).toEqual(['invalid-evaluations', 'no-invariant-ran']);
    expect(r.invalidEvaluations[0]!.issues).toMatch(/I-PERF-001 was evaluated against `websocket\.latency_p99_ms <= 5000`.*the report's contract says `websocket\.latency_p99_ms <= 50\.0`/);
  });

  test('a verdict its own measured values contradict (pass claimed for 4000 ms) does not count either', () => {
    const found = contracts.findInvariant('I-PERF-001')!;
    const honest = evaluateInvariant(found.contract, found.invariant, snap);
    expect(honest.verdict).toBe('fail');
    const forged = { ...honest, verdict: 'pass', assertionPassed: true, checks: honest.checks.map((c) => ({ ...c, verdict: 'pass' })) };
    const r = build(forged);
    expect(r.summary.pass).toBe(0);
    expect(r.gate.passed).toBe(false);
    expect(r.invalidEvaluations[0]!.issues).toMatch(/claims pass, but its measured values give fail/);
    // The honest evaluation still counts as the fail it is.
    expect(build(honest).gate.failed).toEqual(['I-PERF-001']);
  });
});

describe('an evaluation claiming a robot target its project does not run on does not count', () => {
  const projectTargets = { sim: 'sim', hardware: 'hardware' } as const;
  const build = (project: string, kind: 'sim' | 'hardware', targets: typeof projectTargets | null = projectTargets) => buildComplianceReport({
    tests: [record('latency', project, [evaluation('I-PERF-001', { 'websocket.latency_p99_ms': 12 }, { kind })])],
    contracts, contractsDir: contracts.dir, contractProblems: [], run, cwd: '/',
    requirements: { invariants: ['I-PERF-001'], targets: ['hardware'], source: 'options' },
    ...(targets ? { projectTargets: targets } : {}),
  });

  test('a hand-built hardware snapshot in the sim project does not meet a hardware requirement', () => {
    const r = build('sim', 'hardware');
    expect(r.contracts[0]!.invariants[0]).toMatchObject({ id: 'I-PERF-001', verdict: 'not-run', byTarget: {} });
    expect(r.gate.passed).toBe(false);
    expect(r.gate.reasons?.map((x) => x.code)).toContain('invalid-evaluations');
    expect(r.invalidEvaluations[0]!.issues).toMatch(/I-PERF-001 claims target hardware, but the project "sim" runs on sim \(HIL_TARGET\)/);
  });

  test('the same evaluation from the hardware project counts, and so does one whose project target is unknown', () => {
    expect(build('hardware', 'hardware').gate.passed).toBe(true);
    expect(build('sim', 'hardware', null).gate.passed).toBe(true);
  });
});
