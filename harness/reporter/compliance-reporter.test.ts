import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { runNestedSpecs } from './testing/nested-vitest.ts';
import { ComplianceReporter } from './compliance-reporter.ts';
import { complianceReportSchema } from './report-model.ts';

const repo = resolve(import.meta.dirname, '../..');

// A whole Vitest run in a scratch project: proves the path matcher → task.meta
// → worker → reporter → files, which no pure unit test can.
test('a real Vitest run writes a schema-valid compliance.json and compliance.md', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-reporter-'));
  mkdirSync(join(dir, 'contracts'));
  copyFileSync(join(repo, 'contracts/feature_performance.yml'), join(dir, 'contracts/feature_performance.yml'));
  writeFileSync(join(dir, 'perf.spec.ts'), `
import { expect, test } from 'vitest';
import '${repo}/harness/matchers/register.ts';
import { createSnapshot } from '${repo}/harness/metrics/snapshot.ts';
const ctx = { target: { kind: 'sim' as const, port: '/dev/ttyMBOTSIM0' }, clock: { kind: 'virtual' as const }, seed: 3 };
test('latency holds', () => {
  expect(createSnapshot({ 'websocket.latency_p99_ms': { value: 4.2, unit: 'ms', samples: 3000 } }, ctx)).toMeetInvariant('I-PERF-001');
});
test('frames drop', () => {
  expect(createSnapshot({ 'ui.frame_rate': { value: 41, unit: 'fps', samples: 600 } }, ctx)).toMeetInvariant('I-PERF-002');
});
test('memory not measured', () => {
  expect(createSnapshot({}, ctx)).toMeetInvariant('I-PERF-003');
});
`);
  const out = join(dir, 'reports');
  const reporter = new ComplianceReporter({ outputDir: out, contractsDir: join(dir, 'contracts') });
  await runNestedSpecs(dir, reporter);

  const json = complianceReportSchema.parse(JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')));
  expect(json.run.status).toBe('failed');
  expect(json.run.tests).toMatchObject({ passed: 1, failed: 2 });
  const byId = Object.fromEntries(json.contracts[0]!.invariants.map((i) => [i.id, i]));
  expect(byId['I-PERF-001']!.verdict).toBe('pass');
  expect(byId['I-PERF-001']!.evaluations[0]).toMatchObject({ sampleCount: 3000, seed: 3, clock: { kind: 'virtual' }, test: { name: 'latency holds', file: 'perf.spec.ts' } });
  expect(byId['I-PERF-002']!.verdict).toBe('fail');
  expect(byId['I-PERF-003']!.verdict).toBe('not-evaluated');
  expect(byId['I-PERF-004']!.verdict).toBe('not-run');
  expect(json.gate.passed).toBe(false);
  const md = readFileSync(join(out, 'compliance.md'), 'utf8');
  expect(md).toContain('| feature_performance | I-PERF-004 | Drawing Playback Performance | ⏸ not run |');
}, 60_000);

test('an interrupted run still writes a report marked interrupted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-reporter-int-'));
  const reporter = new ComplianceReporter({ outputDir: dir, contractsDir: join(repo, 'contracts') });
  reporter.onTestRunStart();
  const early = JSON.parse(readFileSync(join(dir, 'compliance.json'), 'utf8'));
  expect(early.run.status).toBe('interrupted');
  reporter.onTestRunEnd([], [], 'interrupted');
  const json = complianceReportSchema.parse(JSON.parse(readFileSync(join(dir, 'compliance.json'), 'utf8')));
  expect(json.run).toMatchObject({ status: 'interrupted', statusReason: expect.stringMatching(/interrupted/) });
  expect(json.summary.notRun).toBe(4);
  expect(json.gate.passed).toBe(false);
  expect(readFileSync(join(dir, 'compliance.md'), 'utf8')).toContain('**Interrupted run**');
});

test('a run with unhandled errors reads failed, as its exit code does, though every test passed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-reporter-unhandled-'));
  const reporter = new ComplianceReporter({ outputDir: dir, contractsDir: join(repo, 'contracts') });
  reporter.onTestRunEnd([], [new Error('a timer threw after its test')], 'passed');
  const json = complianceReportSchema.parse(JSON.parse(readFileSync(join(dir, 'compliance.json'), 'utf8')));
  expect(json.run).toMatchObject({ status: 'failed', statusReason: '1 unhandled error(s) during the run' });
});

test('with dangerouslyIgnoreUnhandledErrors the run passes, as its exit code (0) does; the errors are still named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-reporter-unhandled-ignored-'));
  const reporter = new ComplianceReporter({ outputDir: dir, contractsDir: join(repo, 'contracts'), stepSummary: false, gateExitCode: false });
  reporter.onInit({ config: { root: repo, dangerouslyIgnoreUnhandledErrors: true }, projects: [] } as never);
  reporter.onTestRunEnd([], [new Error('a timer threw after its test')], 'passed');
  const json = complianceReportSchema.parse(JSON.parse(readFileSync(join(dir, 'compliance.json'), 'utf8')));
  expect(json.run).toMatchObject({ status: 'passed', statusReason: '1 unhandled error(s) during the run' });
});

test('broken contracts are reported with their codes, and the report is still written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-reporter-bad-'));
  mkdirSync(join(dir, 'contracts'));
  writeFileSync(join(dir, 'contracts/broken.yml'), 'contract: { name: x }\ninvariants:\n  - id: nope\n');
  const reporter = new ComplianceReporter({ outputDir: join(dir, 'reports'), contractsDir: join(dir, 'contracts') });
  reporter.onTestRunEnd([], [], 'passed');
  const json = complianceReportSchema.parse(JSON.parse(readFileSync(join(dir, 'reports/compliance.json'), 'utf8')));
  expect(json.contractProblems.length).toBeGreaterThan(0);
  expect(json.contractProblems.every((p) => p.code.startsWith('HIL_CONTRACT'))).toBe(true);
  expect(json.gate.passed).toBe(false);
});

// Sharded blob runs merged with --merge-reports into one report: harness/lab/lab-merge.test.ts
// (two benches, one shard each), which also checks each invariant's merged verdict per target.

test('an empty HIL_REPORTS_DIR counts as unset', () => {
  const saved = process.env.HIL_REPORTS_DIR;
  process.env.HIL_REPORTS_DIR = '';
  try {
    expect(new ComplianceReporter().outputDir).toBe(resolve(process.cwd(), 'reports'));
  } finally {
    if (saved === undefined) delete process.env.HIL_REPORTS_DIR;
    else process.env.HIL_REPORTS_DIR = saved;
  }
});
