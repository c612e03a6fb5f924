// The exit code a CI reads, and the gate decisions behind it.
// Before the gate set exit codes, every run below except "tests fail" exited
// 0, and the no-invariant run read "contract compliance PASSED".
//
// Two real `vitest run` processes prove the code reaches the process's exit
// status (99 when only the gate failed, Vitest's 1 when a test failed). The
// other cases are the reporter's decisions: they run in one in-process
// nested Vitest (see testing/nested-runs.ts), each with its own reporter,
// and check the `process.exitCode` the run leaves, which is what the
// process would exit with.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HilReporter, type HilReporterOptions } from './hil-reporter.ts';
import { NestedRuns } from './testing/nested-runs.ts';
import { REPO, scratchProject, spawnVitest } from './testing/spawn-vitest.ts';

const PASSING = `
test('latency holds', () => { expect(snap('websocket.latency_p99_ms', 12)).toMeetInvariant('I-PERF-001'); });
`;
// Every test passes: the failing assertion is caught, but its evaluation (a fail) stays in the report.
const CAUGHT_FAILURE = `
test('a failing assertion caught in try/catch', () => {
  try { expect(snap('ui.frame_rate', 41)).toMeetInvariant('I-PERF-002'); } catch { /* swallowed */ }
});
`;
const FORGED = `
test('forged', () => {
  const forged = { kind: 'mbot-hil/metrics-snapshot', metrics: { 'websocket.latency_p99_ms': { value: NaN, unit: 'ms', samples: 1 } }, target: { kind: 'sim' }, clock: { kind: 'wall' }, seed: null, takenAt: new Date().toISOString() };
  expect(forged).not.toMeetInvariant('I-PERF-001');
});
`;
// Every test passes: bad input (a NaN on a snapshot claiming sim) is thrown and caught; it is recorded
// as "not evaluated" on sim, which fails the gate like a caught failure (it once read PASSED, exit 0).
const CAUGHT_BAD_INPUT = `
test('bad input caught in try/catch', () => {
  const forged = { kind: 'mbot-hil/metrics-snapshot', metrics: { 'ui.frame_rate': { value: NaN, unit: 'fps', samples: 1 } }, target: { kind: 'sim' }, clock: { kind: 'wall' }, seed: null, takenAt: new Date().toISOString() };
  try { expect(forged).toMeetInvariant('I-PERF-002'); } catch { /* swallowed */ }
});
`;
const NO_MATCHER = "test('no matcher', () => { expect(1).toBe(1); });";
const ALL_FOUR_ON_SIM = `
test('all four on sim', () => {
  expect(createSnapshot({
    'websocket.latency_p99_ms': { value: 10, unit: 'ms', samples: 100 }, 'ui.frame_rate': { value: 60, unit: 'fps', samples: 100 },
    'memory.heap_used_mb': { value: 50, unit: 'mb', samples: 100 }, drawing_playback_fps: { value: 60, unit: 'fps', samples: 100 },
    stroke_count: { value: 1200, unit: 'count', samples: 1 },
  }, sim)).toMeetContract('feature_performance');
});
`;
// The same values on a snapshot that claims a bench, built by hand in a project that runs on the simulator.
const ALL_FOUR_CLAIMING_HARDWARE = ALL_FOUR_ON_SIM.replace('}, sim))', "}, { ...sim, target: { kind: 'hardware' as const } }))");
type Gated = { report: { gate: { reasons?: { code: string }[] } } | null } | { lastReport?: { gate: { reasons?: { code: string }[] } } };
const codes = (r: Gated) => ('report' in r ? r.report : r.lastReport)?.gate.reasons?.map((x) => x.code);

// ---- Real processes: the exit status itself.

test('every test passes but the gate fails: the process exits 99, and the output says why', async () => {
  const run = await spawnVitest(scratchProject({ 'a.spec.ts': PASSING + CAUGHT_FAILURE }));
  expect(run.stdout).toMatch(/2 passed/);
  expect(run.code).toBe(99);
  expect(run.stdout).toContain('contract compliance FAILED');
  expect(run.stdout).toContain('gate: failed: I-PERF-002');
  expect(run.stdout).toContain('every test passed, but the gate failed: exit code 99');
  expect(codes(run)).toEqual(['failed']);
}, 120_000);

test('a failing test keeps Vitest\'s exit 1 whatever the gate says', async () => {
  const run = await spawnVitest(scratchProject({ 'a.spec.ts': "test('latency fails', () => { expect(snap('websocket.latency_p99_ms', 80)).toMeetInvariant('I-PERF-001'); });" }));
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('contract compliance FAILED');
}, 120_000);

// ---- The reporter's decisions, in one in-process Vitest.

let nested: NestedRuns;
beforeAll(async () => {
  const dir = scratchProject({ 'pass.spec.ts': PASSING, 'forged.spec.ts': FORGED, 'no-matcher.spec.ts': NO_MATCHER, 'all-four.spec.ts': ALL_FOUR_ON_SIM, 'bad-caught.spec.ts': PASSING + CAUGHT_BAD_INPUT, 'claims-hardware.spec.ts': ALL_FOUR_CLAIMING_HARDWARE });
  // A second contracts folder holding a contract that fails to load.
  mkdirSync(join(dir, 'contracts-broken'));
  copyFileSync(join(dir, 'contracts/feature_performance.yml'), join(dir, 'contracts-broken/feature_performance.yml'));
  writeFileSync(join(dir, 'contracts-broken/broken.yml'), 'contract: { name: Broken }\ninvariants:\n  - id: I-B-001\n    name: b\n    validation:\n      - type: metric\n        check: a > 1/0\n');
  nested = await NestedRuns.open(dir);
}, 60_000);
afterAll(async () => {
  await nested?.close();
});

let runs = 0;
/** The reporter as the config registers it (`harness/reporter/index.ts`, no progress lines), writing to its own folder. */
const reporter = (options: HilReporterOptions = {}) => new HilReporter({ progress: false, formats: ['json'], outputDir: join(nested.dir, `reports-${++runs}`), ...options });

test('a passing gate leaves exit 0', async () => {
  const r = reporter();
  const run = await nested.run(r, ['pass.spec.ts']);
  expect(run.exitCode).toBe(0);
  expect(run.stdout).toContain('contract compliance PASSED');
  expect(r.lastReport?.gate.passed).toBe(true);
}, 60_000);

test('the forged NaN snapshot under .not fails the test: exit 1', async () => {
  const r = reporter();
  const run = await nested.run(r, ['forged.spec.ts']);
  expect(run.testErrors.join('\n')).toContain('HIL_MATCHER_BAD_INPUT');
  expect(run.exitCode).toBe(1);
  expect(r.lastReport?.gate.passed).toBe(false);
}, 60_000);

test('bad input caught by the spec still fails the gate: I-PERF-002 not evaluated on sim, exit 99', async () => {
  const r = reporter();
  const run = await nested.run(r, ['bad-caught.spec.ts']);
  expect(run.testErrors).toEqual([]);
  expect(run.exitCode).toBe(99);
  expect(codes(r)).toEqual(['not-evaluated']);
  expect(run.stdout).toMatch(/not evaluated: I-PERF-002 \(HIL_MATCHER_BAD_INPUT: snapshot\.metrics\["ui\.frame_rate"\]\.value must be a finite number/);
  expect(r.lastReport?.contracts[0]?.invariants[1]).toMatchObject({ id: 'I-PERF-002', verdict: 'not-evaluated', byTarget: { sim: 'not-evaluated' } });
}, 60_000);

test('a run in which no invariant ran does not read PASSED: exit 99', async () => {
  const r = reporter();
  const run = await nested.run(r, ['no-matcher.spec.ts']);
  expect(run.exitCode).toBe(99);
  expect(run.stdout).not.toContain('contract compliance PASSED');
  expect(run.stdout).toContain('no invariant was evaluated in this run');
  expect(codes(r)).toEqual(['no-invariant-ran']);
}, 60_000);

test('a filtered run that evaluates no invariant reads NOT CHECKED and keeps exit 0', async () => {
  const r = reporter({ requireTargets: ['sim', 'hardware'] });
  const run = await nested.run(r, ['no-matcher.spec.ts'], { filtered: true });
  expect(run.exitCode).toBe(0);
  expect(run.stdout).toContain('contract compliance NOT CHECKED');
  expect(run.stdout).toContain('the required invariants were not checked: this run was filtered');
  expect(r.lastReport?.gate.passed).toBe(false);
}, 60_000);

test('requireTargets: an invariant missing on one required target fails the gate; gateExitCode: false leaves the exit code alone', async () => {
  const required = reporter({ requireInvariants: 'all', requireTargets: ['sim', 'hardware'] });
  const run = await nested.run(required, ['all-four.spec.ts']);
  expect(run.exitCode).toBe(99);
  expect(run.stdout).toContain('required but not passed: I-PERF-001 on hardware: not-run');
  expect(codes(required)).toEqual(['requirement-unmet']);
  // The same run judged under other options.
  expect((await nested.replay(reporter({ requireInvariants: 'all', requireTargets: ['sim'] }), run)).exitCode).toBe(0);
  const off = await nested.replay(reporter({ requireTargets: ['sim', 'hardware'], gateExitCode: false }), run);
  expect(off.exitCode).toBe(0);
  expect(off.stdout).toContain('contract compliance FAILED');
  // The environment overrides the options, even for a filtered run.
  const env = await nested.run(reporter(), ['all-four.spec.ts'], { filtered: true, env: { HIL_REQUIRE_TARGETS: 'hardware' } });
  expect(env.exitCode).toBe(99);
}, 60_000);

test('a snapshot claiming hardware in a project that runs on sim does not meet requireTargets hardware: exit 99, and the report says why', async () => {
  const required = { requireInvariants: 'all' as const, requireTargets: ['hardware'] };
  const r = reporter(required);
  const run = await nested.run(r, ['claims-hardware.spec.ts']);
  expect(run.testErrors).toEqual([]);
  expect(run.exitCode).toBe(99);
  expect(codes(r)).toEqual(['invalid-evaluations', 'no-invariant-ran', 'requirement-unmet']);
  expect(r.lastReport?.invalidEvaluations[0]?.issues).toMatch(/claims target hardware, but the project "[^"]*" runs on sim \(HIL_TARGET\)/);
  // Where the project does run on hardware, the same spec counts.
  const onHardware = reporter(required);
  expect((await nested.run(onHardware, ['claims-hardware.spec.ts'], { env: { HIL_TARGET: 'hardware' } })).exitCode).toBe(0);
  expect(onHardware.lastReport?.gate.passed).toBe(true);
}, 60_000);

test('a contract that fails to load, in a run whose spec uses no matcher, exits 99', async () => {
  const r = reporter();
  const run = await nested.run(r, ['no-matcher.spec.ts'], { env: { HIL_CONTRACTS_DIR: join(nested.dir, 'contracts-broken') } });
  expect(run.exitCode).toBe(99);
  expect(run.stdout).toContain('gate: 1 contract problem(s)');
  expect(codes(r)).toEqual(['contract-problems']);
}, 60_000);

test('this repository\'s npm test requires all four invariants on sim and on hardware', async () => {
  const config = (await import(join(REPO, 'vitest.config.ts'))).default as { test?: { reporters?: unknown[] } };
  const ours = (config.test?.reporters ?? []).find((r) => Array.isArray(r) && String(r[0]).endsWith('harness/reporter/index.ts')) as [string, Record<string, unknown>] | undefined;
  expect(ours?.[1]).toMatchObject({ requireInvariants: 'all', requireTargets: ['sim', 'hardware'] });
});
