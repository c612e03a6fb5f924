import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { NestedRuns } from './testing/nested-runs.ts';
import { ComplianceReporter } from './compliance-reporter.ts';
import { complianceReportSchema } from './report-model.ts';

const repo = resolve(import.meta.dirname, '../..');

// The whole path of an A/B measurement: recordOptimization in a test →
// task.meta → worker → reporter → compliance.json, and each run's line in
// the history, which the next run's report draws as a trend.
test('a real Vitest run judges the optimization targets from task.meta and grows the history run by run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-optimization-'));
  mkdirSync(join(dir, 'contracts'));
  copyFileSync(join(repo, 'contracts/feature_performance.yml'), join(dir, 'contracts/feature_performance.yml'));
  writeFileSync(join(dir, 'ab.spec.ts'), `
import { expect, test } from 'vitest';
import '${repo}/harness/matchers/register.ts';
import { createSnapshot, recordOptimization } from '${repo}/harness/index.ts';
const ctx = { target: { kind: 'sim' as const }, clock: { kind: 'wall' as const } };
const p99 = (v: number) => createSnapshot({ 'websocket.latency_p99_ms': { value: v, unit: 'ms', samples: 500 } }, ctx);
test('websocket A/B', ({ task }) => {
  recordOptimization(task, { domain: 'websocket', baseline: p99(Number(process.env.AB_BASELINE)), optimized: p99(Number(process.env.AB_OPTIMIZED)), label: '10 clients' });
  expect(p99(Number(process.env.AB_OPTIMIZED))).toMeetInvariant('I-PERF-001');
});
`);
  const out = join(dir, 'reports');
  // Two runs of one in-process Vitest (the second reuses the first's transformed modules); the workers read AB_* at their start.
  const nested = await NestedRuns.open(dir);
  const runOnce = async (baseline: number, optimized: number) => {
    const run = await nested.run(new ComplianceReporter({ outputDir: out, contractsDir: join(dir, 'contracts'), stepSummary: false }), ['ab.spec.ts'], {
      env: { AB_BASELINE: String(baseline), AB_OPTIMIZED: String(optimized) },
    });
    expect(run.testErrors).toEqual([]);
    return complianceReportSchema.parse(JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')));
  };

  let first, second;
  try {
    first = await runOnce(90, 40);
    second = await runOnce(60, 48);
  } finally {
    await nested.close();
  }
  expect(first.optimizationTargets?.find((t) => t.domain === 'websocket')).toMatchObject({ met: true, baseline: { value: 90, label: '10 clients' }, optimized: { value: 40 } });
  expect(first.trend).toMatchObject({ previousRuns: 0 });

  const ws = second.optimizationTargets?.find((t) => t.domain === 'websocket');
  // 60 ms already beats the contract's 80 ms baseline: the target alone decides, and 48 ms reaches it.
  expect(ws).toMatchObject({ met: true, improvementRequired: false });
  expect(second.trend?.previousRuns).toBe(1);
  expect(second.trend?.series.find((s) => s.invariant === 'I-PERF-001')?.points.map((p) => p.value)).toEqual([40, 48]);
  const lines = readFileSync(join(out, 'history.ndjson'), 'utf8').trim().split('\n');
  expect(lines).toHaveLength(2);
  for (const l of lines) expect(JSON.parse(l)).toMatchObject({ schema: 'mbot-hil/history@1' });
}, 120_000);
