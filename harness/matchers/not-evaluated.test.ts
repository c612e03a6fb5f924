import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { ComplianceReporter } from '../reporter/compliance-reporter.ts';
import { runNestedSpecs } from '../reporter/testing/nested-vitest.ts';
import { skipNotEvaluated } from './not-evaluated.ts';

const repo = resolve(import.meta.dirname, '../..');

// A real (nested) run: the skipped test's evaluations reach the reporter, so
// the invariant reads "not evaluated" with the reason and the gate fails.
test('a test that cannot measure is skipped, and its invariants read "not evaluated: <reason>" in the gate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-not-evaluated-'));
  mkdirSync(join(dir, 'contracts'));
  copyFileSync(join(repo, 'contracts/feature_performance.yml'), join(dir, 'contracts/feature_performance.yml'));
  writeFileSync(join(dir, 'ui.spec.ts'), `
import { test } from 'vitest';
import { skipNotEvaluated } from '${repo}/harness/matchers/register.ts';
test('ui frame rate', ({ task, skip }) => {
  skipNotEvaluated({ task, skip }, ['I-PERF-002', 'I-PERF-004'], 'no Chromium: none installed', { target: { kind: 'sim' }, seed: 1 });
});
`);
  const reporter = new ComplianceReporter({ outputDir: join(dir, 'reports'), contractsDir: join(dir, 'contracts') });
  // The gate's exit code is set only over a clean 0: start from one (this
  // worker may carry another file's code; runNestedSpecs restores it after).
  const saved = process.exitCode;
  process.exitCode = 0;
  try {
    await runNestedSpecs(dir, reporter);
  } finally {
    process.exitCode = saved;
  }
  const r = reporter.lastReport!;
  expect(r.run.tests).toMatchObject({ skipped: 1, passed: 0, failed: 0 });
  const byId = Object.fromEntries(r.contracts[0]!.invariants.map((i) => [i.id, i]));
  expect(byId['I-PERF-002']).toMatchObject({ verdict: 'not-evaluated', byTarget: { sim: 'not-evaluated' } });
  expect(byId['I-PERF-002']!.evaluations[0]).toMatchObject({ reason: 'no Chromium: none installed', label: 'not evaluated: no Chromium: none installed', test: { state: 'skipped' } });
  expect(r.gate.passed).toBe(false);
  expect(r.gate.reasons?.[0]?.message).toBe('not evaluated: I-PERF-002 (no Chromium: none installed), I-PERF-004 (no Chromium: none installed)');
  expect(reporter.gateExitCodeSet).toBe(99);
}, 60_000);

test('skipNotEvaluated needs a reason and a real target, and never returns', () => {
  const ctx = { task: { meta: {} }, skip: () => {} };
  expect(() => skipNotEvaluated(ctx, ['I-PERF-002'], '', { target: { kind: 'sim' } })).toThrowError(/HIL_MATCHER_BAD_INPUT/);
  expect(() => skipNotEvaluated(ctx, ['I-PERF-002'], 'no Chromium', { target: { kind: 'none' } })).toThrowError(/HIL_MATCHER_BAD_INPUT: .*target/);
  expect(() => skipNotEvaluated(ctx, ['I-PERF-999'], 'no Chromium', { target: { kind: 'sim' } })).toThrowError(/HIL_INVARIANT_NOT_FOUND/);
  expect(() => skipNotEvaluated(ctx, ['I-PERF-002'], 'no Chromium', { target: { kind: 'sim' } })).toThrowError(/did not skip/);
});
