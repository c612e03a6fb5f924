import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { writeReportFiles } from '../reporter/report-files.ts';
import { sampleReport } from '../reporter/testing/sample-report.ts';
import { REPO, scratchProject } from '../reporter/testing/spawn-vitest.ts';
import { concludeRun, projectVitest, vitestInvocation } from './run-command.ts';
import { sinks } from './testing/io-sinks.ts';

test('run builds the Vitest invocation for the target', () => {
  expect(vitestInvocation({ target: 'sim', extra: [] }, {}).args).toEqual(['vitest', 'run', '--project', 'sim', 'specs/performance/']);
  const hw = vitestInvocation({ target: 'hardware', port: 'sim-pty', seed: '7', all: true, extra: ['-t', '100 clients'] }, {});
  expect(hw.args).toEqual(['vitest', 'run', '--project', 'hardware', 'specs/', '-t', '100 clients']);
  expect(hw.env).toMatchObject({ HIL_PORT: 'sim-pty', HIL_SEED: '7' });
  expect(vitestInvocation({ target: 'hardware', extra: [] }, {}).env.HIL_PORT).toBe('auto');
});

test('run rejects bad arguments with usage errors', () => {
  expect(() => vitestInvocation({ target: 'bench', extra: [] }, {})).toThrow(/--target must be sim or hardware/);
  expect(() => vitestInvocation({ target: 'sim', port: '/dev/ttyUSB0', extra: [] }, {})).toThrow(/--port needs --target hardware/);
  expect(() => vitestInvocation({ target: 'sim', seed: 'x', extra: [] }, {})).toThrow(/--seed must be an integer/);
});

test('run requires all four invariants on its target unless vitest args narrow it or HIL_REQUIRE_* is set', () => {
  expect(vitestInvocation({ target: 'hardware', extra: [] }, {}).env).toMatchObject({ HIL_REQUIRE_INVARIANTS: 'all', HIL_REQUIRE_TARGETS: 'hardware' });
  expect(vitestInvocation({ target: 'sim', extra: ['-t', 'x'] }, {}).env.HIL_REQUIRE_INVARIANTS).toBeUndefined();
  expect(vitestInvocation({ target: 'sim', extra: [] }, { HIL_REQUIRE_TARGETS: 'sim,hardware' }).env).toMatchObject({ HIL_REQUIRE_TARGETS: 'sim,hardware' });
  expect(vitestInvocation({ target: 'sim', extra: [] }, { HIL_REQUIRE_TARGETS: 'sim,hardware' }).env.HIL_REQUIRE_INVARIANTS).toBeUndefined();
});

// Before: `run` printed whatever reports/compliance.json held, so a Vitest
// that failed to start showed the gate of an earlier run.
test('a report from another run is never shown as this run\'s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-run-stale-'));
  writeReportFiles({ ...sampleReport(), run: { ...sampleReport().run, id: 'earlier-run' } }, dir, ['json']);
  const t = sinks();
  expect(concludeRun(1, dir, 'this-run', t.io)).toBe(1);
  expect(t.out()).not.toContain('contract compliance');
  expect(t.err()).toMatch(/no compliance report from this run \(vitest exited 1 before the reporter wrote one\); .*compliance\.json is from another run \(earlier-run, started 2026-11-26T10:00:00\.000Z\), not shown/);
  // Vitest exited 0 but this run left no report: the gate was not checked.
  expect(concludeRun(0, dir, 'this-run', sinks().io)).toBe(99);
  // This run's report, moved to its own folder because reports/ was busy, is found there.
  writeReportFiles({ ...sampleReport(), run: { ...sampleReport().run, id: 'this-run' } }, join(dir, 'runs', 'this-run'), ['json']);
  const found = sinks();
  expect(concludeRun(0, dir, 'this-run', found.io)).toBe(99);
  expect(found.out()).toMatch(/contract compliance FAILED .*\n {2}gate: failed: I-PERF-001, I-PERF-002, I-PERF-004\nreports: .*runs\/this-run\/compliance\.html/);
});

const bin = join(REPO, 'harness/cli/bin.mjs');
function runCli(dir: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && !k.startsWith('HIL_') && k !== 'NODE_ENV' && k !== 'TEST') env[k] = v;
  return new Promise((done) => {
    // HIL_COMMIT spares the reporter a `git rev-parse` per report write (the scratch project is no repository).
    execFile(process.execPath, [bin, ...args], { cwd: dir, env: { ...env, HIL_CONTRACTS_DIR: join(dir, 'contracts'), HIL_COMMIT: 'scratch' }, timeout: 120_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

test('a real `mbot-hil run` whose Vitest cannot start exits 1 and shows no stale gate', async () => {
  const dir = scratchProject({});
  writeReportFiles({ ...sampleReport(), gate: { ...sampleReport().gate, passed: true }, run: { ...sampleReport().run, id: 'an-earlier-run' } }, join(dir, 'reports'), ['json']);
  writeFileSync(join(dir, 'vitest.config.ts'), "throw new Error('this config is broken');\n");
  const run = await runCli(dir, ['run']);
  expect(run.code).toBe(1);
  expect(run.stdout).not.toContain('contract compliance');
  expect(run.stderr).toMatch(/no compliance report from this run .*is from another run \(an-earlier-run/);
}, 120_000);

test('a real `mbot-hil run` whose tests pass but which covers one invariant of four exits 99', async () => {
  const dir = scratchProject({});
  mkdirSync(join(dir, 'specs/performance'), { recursive: true });
  writeFileSync(join(dir, 'vitest.config.ts'), `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { reporters: [['${REPO}/harness/reporter/index.ts', { progress: false }]], projects: [{ extends: true, test: { name: 'sim', include: ['specs/**/*.spec.ts'], pool: 'threads' } }] } });
`);
  writeFileSync(join(dir, 'specs/performance/latency.spec.ts'), `import { expect, test } from 'vitest';
import '${REPO}/harness/matchers/register.ts';
import { createSnapshot } from '${REPO}/harness/metrics/snapshot.ts';
test('latency', () => { expect(createSnapshot({ 'websocket.latency_p99_ms': { value: 9, unit: 'ms', samples: 50 } }, { target: { kind: 'sim' }, clock: { kind: 'virtual' }, seed: 1 })).toMeetInvariant('I-PERF-001'); });
`);
  const run = await runCli(dir, ['run']);
  expect(run.code).toBe(99);
  expect(run.stdout).toContain('contract compliance FAILED (1 pass, 0 fail, 0 not evaluated, 3 not run)');
  expect(run.stdout).toContain('gate: required but not passed: I-PERF-002 on sim: not-run; I-PERF-003 on sim: not-run; I-PERF-004 on sim: not-run');
}, 120_000);

test("run starts the project's own Vitest directly, and leaves finding one to npx where the project has none", () => {
  expect(projectVitest(REPO)).toBe(join(REPO, 'node_modules/vitest/vitest.mjs'));
  expect(projectVitest(mkdtempSync(join(tmpdir(), 'hil-no-vitest-')))).toBeNull();
});
