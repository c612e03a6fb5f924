// Real `vitest run` processes in scratch projects: the exit code a CI reads.
// Before the gate set exit codes, every run below except "tests fail" exited
// 0, and the no-invariant run read "contract compliance PASSED".
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { scratchProject, spawnVitest } from './testing/spawn-vitest.ts';

const PASSING = `
test('latency holds', () => { expect(snap('websocket.latency_p99_ms', 12)).toMeetInvariant('I-PERF-001'); });
`;
// Every test passes: the failing assertion is caught, but its evaluation (a fail) stays in the report.
const CAUGHT_FAILURE = `
test('a failing assertion caught in try/catch', () => {
  try { expect(snap('ui.frame_rate', 41)).toMeetInvariant('I-PERF-002'); } catch { /* swallowed */ }
});
`;
const codes = (r: { report: { gate: { reasons?: { code: string }[] } } | null }) => r.report?.gate.reasons?.map((x) => x.code);

test('every test passes but the gate fails: exit 99, and the output says why', async () => {
  const run = await spawnVitest(scratchProject({ 'a.spec.ts': PASSING + CAUGHT_FAILURE }));
  expect(run.stdout).toMatch(/2 passed/);
  expect(run.code).toBe(99);
  expect(run.stdout).toContain('contract compliance FAILED');
  expect(run.stdout).toContain('gate: failed: I-PERF-002');
  expect(run.stdout).toContain('every test passed, but the gate failed: exit code 99');
  expect(codes(run)).toEqual(['failed']);
}, 120_000);

test('a passing gate exits 0', async () => {
  const run = await spawnVitest(scratchProject({ 'a.spec.ts': PASSING }));
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('contract compliance PASSED');
  expect(run.report?.gate.passed).toBe(true);
}, 120_000);

test('the forged NaN snapshot under .not fails the test: exit 1', async () => {
  const run = await spawnVitest(scratchProject({
    'a.spec.ts': `
test('forged', () => {
  const forged = { kind: 'mbot-hil/metrics-snapshot', metrics: { 'websocket.latency_p99_ms': { value: NaN, unit: 'ms', samples: 1 } }, target: { kind: 'sim' }, clock: { kind: 'wall' }, seed: null, takenAt: new Date().toISOString() };
  expect(forged).not.toMeetInvariant('I-PERF-001');
});
`,
  }));
  expect(run.stdout + run.stderr).toContain('HIL_MATCHER_BAD_INPUT');
  expect(run.code).toBe(1);
  expect(run.report?.gate.passed).toBe(false);
}, 120_000);

test('a run in which no invariant ran does not read PASSED: exit 99', async () => {
  const run = await spawnVitest(scratchProject({ 'a.spec.ts': "test('no matcher', () => { expect(1).toBe(1); });" }));
  expect(run.code).toBe(99);
  expect(run.stdout).not.toContain('contract compliance PASSED');
  expect(run.stdout).toContain('no invariant was evaluated in this run');
  expect(codes(run)).toEqual(['no-invariant-ran']);
}, 120_000);

test('a filtered run that evaluates no invariant reads NOT CHECKED and keeps exit 0', async () => {
  const dir = scratchProject({ 'a.spec.ts': "test('no matcher', () => { expect(1).toBe(1); });" }, { requireTargets: ['sim', 'hardware'] });
  const run = await spawnVitest(dir, ['a.spec.ts']);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('contract compliance NOT CHECKED');
  expect(run.stdout).toContain('the required invariants were not checked: this run was filtered');
  expect(run.report?.gate.passed).toBe(false);
}, 120_000);

test('requireTargets: an invariant missing on one required target fails the gate; gateExitCode: false leaves the exit code alone', async () => {
  const all = `
test('all four on sim', () => {
  expect(createSnapshot({
    'websocket.latency_p99_ms': { value: 10, unit: 'ms', samples: 100 }, 'ui.frame_rate': { value: 60, unit: 'fps', samples: 100 },
    'memory.heap_used_mb': { value: 50, unit: 'mb', samples: 100 }, drawing_playback_fps: { value: 60, unit: 'fps', samples: 100 },
    stroke_count: { value: 1200, unit: 'count', samples: 1 },
  }, sim)).toMeetContract('feature_performance');
});
`;
  const required = await spawnVitest(scratchProject({ 'a.spec.ts': all }, { requireInvariants: 'all', requireTargets: ['sim', 'hardware'] }));
  expect(required.code).toBe(99);
  expect(required.stdout).toContain('required but not passed: I-PERF-001 on hardware: not-run');
  expect(codes(required)).toEqual(['requirement-unmet']);
  const simOnly = await spawnVitest(scratchProject({ 'a.spec.ts': all }, { requireInvariants: 'all', requireTargets: ['sim'] }));
  expect(simOnly.code).toBe(0);
  const off = await spawnVitest(scratchProject({ 'a.spec.ts': all }, { requireTargets: ['sim', 'hardware'], gateExitCode: false }));
  expect(off.code).toBe(0);
  expect(off.stdout).toContain('contract compliance FAILED');
  // The environment overrides the options, even for a filtered run.
  const env = await spawnVitest(scratchProject({ 'a.spec.ts': all }), ['a.spec.ts'], { HIL_REQUIRE_TARGETS: 'hardware' });
  expect(env.code).toBe(99);
}, 240_000);

test('a failing test keeps Vitest\'s exit 1 whatever the gate says', async () => {
  const run = await spawnVitest(scratchProject({ 'a.spec.ts': "test('latency fails', () => { expect(snap('websocket.latency_p99_ms', 80)).toMeetInvariant('I-PERF-001'); });" }));
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('contract compliance FAILED');
}, 120_000);

test('this repository\'s npm test requires all four invariants on sim and on hardware', async () => {
  const config = (await import('../../vitest.config.ts')).default as { test?: { reporters?: unknown[] } };
  const ours = (config.test?.reporters ?? []).find((r) => Array.isArray(r) && String(r[0]).endsWith('harness/reporter/index.ts')) as [string, Record<string, unknown>] | undefined;
  expect(ours?.[1]).toMatchObject({ requireInvariants: 'all', requireTargets: ['sim', 'hardware'] });
});

test('a contract that fails to load, in a run whose spec uses no matcher, exits 99', async () => {
  const dir = scratchProject({ 'a.spec.ts': "test('no matcher', () => { expect(1).toBe(1); });" });
  writeFileSync(join(dir, 'contracts/broken.yml'), 'contract: { name: Broken }\ninvariants:\n  - id: I-B-001\n    name: b\n    validation:\n      - type: metric\n        check: a > 1/0\n');
  const run = await spawnVitest(dir);
  expect(run.code).toBe(99);
  expect(run.stdout).toContain('gate: 1 contract problem(s)');
  expect(codes(run)).toEqual(['contract-problems']);
}, 120_000);
