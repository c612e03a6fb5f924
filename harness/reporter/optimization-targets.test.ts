import { resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { contractFixtures } from '../contracts/test-fixtures.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { createSnapshot, type MetricUnit } from '../metrics/snapshot.ts';
import { recordOptimization, type OptimizationMeasurement } from '../optimization/record.ts';
import { buildComplianceReport, type TestRecord } from './build-report.ts';
import { renderHtml } from './html-report.ts';
import { renderMarkdown } from './markdown.ts';
import { complianceReportSchema } from './report-model.ts';

const REPO = resolve(import.meta.dirname, '../..');
const contracts = loadContracts({ dir: resolve(REPO, 'contracts') });
const fixtures = contractFixtures();
afterAll(() => fixtures.cleanup());

const snap = (m: Record<string, [number, MetricUnit]>) =>
  createSnapshot(Object.fromEntries(Object.entries(m).map(([k, [value, unit]]) => [k, { value, unit, samples: 120 }])), { target: { kind: 'sim' }, clock: { kind: 'wall' } });

function testRecord(name: string, record: (task: { meta: { hilOptimization?: OptimizationMeasurement[] } }) => void, evaluations: unknown[] = []): TestRecord {
  const task = { meta: {} as { hilOptimization?: OptimizationMeasurement[] } };
  record(task);
  return { project: 'sim', file: 'specs/performance/x.spec.ts', name, fullName: `perf > ${name}`, state: 'passed', durationMs: 5, errors: [], evaluations, optimization: task.meta.hilOptimization ?? [] };
}

const run = { status: 'passed' as const, statusReason: null, startedAt: '2026-11-26T10:00:00.000Z', finishedAt: '2026-11-26T10:01:00.000Z', commit: 'abc', vitest: '4.1.12', projects: ['sim'], merged: false, shard: null };

function build(tests: TestRecord[], set = contracts) {
  return buildComplianceReport({ tests, contracts: set, contractsDir: set.dir, contractProblems: [], run, cwd: REPO });
}

const failing = (() => {
  const found = contracts.findInvariant('I-PERF-001');
  if (!found) throw new Error('I-PERF-001');
  return evaluateInvariant(found.contract, found.invariant, snap({ 'websocket.latency_p99_ms': [61.5, 'ms'], 'websocket.latency_p50_ms': [40, 'ms'] }));
})();

describe('optimizationTargets in compliance.json', () => {
  const hostile = 'A/B <script>alert(1)</script> | `x`';
  const report = build([
    testRecord('websocket A/B', (t) => recordOptimization(t, { domain: 'websocket', label: hostile, baseline: snap({ 'websocket.latency_p99_ms': [120, 'ms'] }), optimized: snap({ 'websocket.latency_p99_ms': [61.5, 'ms'] }) }), [failing]),
    testRecord('degraded soak', (t) => recordOptimization(t, { domain: 'memory', baseline: snap({ 'memory.heap_used_mb': [310, 'mb'] }) })),
    testRecord('reference soak', (t) => recordOptimization(t, { domain: 'memory', optimized: snap({ 'memory.heap_used_mb': [38, 'mb'], 'memory.gc_count': [12, 'count'] }) })),
    testRecord('dashboard', (t) => recordOptimization(t, { domain: 'network', optimized: snap({ 'network.page_load_ms': [840, 'ms'], 'network.bundle_size_kb': [77.3, 'kb'] }) })),
    testRecord('stray', (t) => { recordOptimization(t, { domain: 'gpu', optimized: { 'ui.frame_rate': 60 } }); (t.meta.hilOptimization as unknown[]).push({ schema: 'nope' }); }),
  ]);
  const byDomain = Object.fromEntries((report.optimizationTargets ?? []).map((t) => [t.domain, t]));

  test('one entry per domain of the contract, with a boolean met where both sides (or the budgets) were measured', () => {
    expect(Object.keys(byDomain)).toEqual(['websocket', 'memory', 'rendering', 'network']);
    expect(byDomain.websocket).toMatchObject({ contract: 'feature_performance', met: false, targetReached: false, contractBaseline: 80, contractTarget: 50, requiredImprovementPercent: 37.5, strategies: ['message_batching', 'compression', 'connection_pooling'] });
    expect(byDomain.websocket?.baseline?.value).toBe(120);
    expect(byDomain.websocket?.optimized).toMatchObject({ value: 61.5, label: hostile, from: 'specs/performance/x.spec.ts › perf > websocket A/B' });
    expect(byDomain.memory).toMatchObject({ met: true, baseline: { value: 310 }, optimized: { value: 38 } });
    expect(byDomain.network).toMatchObject({ kind: 'budget', met: true });
    expect(byDomain.rendering).toMatchObject({ met: null, measurements: 0 });
    expect(complianceReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
  });

  test('unusable measurements are listed, not dropped silently', () => {
    expect(report.optimizationProblems).toEqual([
      expect.stringMatching(/perf > stray: hilOptimization\[1\] is not an A\/B measurement/),
      'specs/performance/x.spec.ts › perf > stray: measurement for domain "gpu" matches no contract\'s optimization_targets',
    ]);
  });

  test('recommendations: the remediation of the failed invariant and the strategies of the missed target', () => {
    expect(report.recommendations).toEqual([
      { source: 'invariant', contract: 'feature_performance', id: 'I-PERF-001', actions: ['Enable message batching, compression, and connection pooling'], because: 'I-PERF-001 WebSocket Latency Target failed: websocket.latency_p99_ms = 61.5 ms (<= 50)' },
      { source: 'optimization-target', contract: 'feature_performance', id: 'websocket', actions: ['message_batching', 'compression', 'connection_pooling'], because: expect.stringMatching(/^websocket target missed: optimized 61.5 ms misses the target <= 50 ms/) },
    ]);
  });

  test('required metrics: the ten names, with what this run produced', () => {
    const rows = Object.fromEntries((report.requiredMetrics ?? []).map((r) => [r.required, r]));
    expect(Object.keys(rows)).toHaveLength(10);
    expect(rows.websocket_latency_p99).toMatchObject({ metric: 'websocket.latency_p99_ms', produced: true, snapshots: 3, min: 61.5, max: 120 });
    expect(rows.network_page_load_time).toMatchObject({ metric: 'network.page_load_ms', produced: true, min: 840 });
    expect(rows.memory_gc_count).toMatchObject({ produced: true });
    expect(rows.ui_slow_renders).toMatchObject({ metric: 'ui.slow_renders', produced: false, snapshots: 0 });
  });

  test('Markdown: a table per section, every contract and test text escaped', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('## Optimization targets');
    expect(md).toContain('2 met · 1 missed · 1 not measured (of 4)');
    const ws = md.split('\n').find((l) => l.startsWith('| feature_performance | websocket |')) as string;
    expect(ws).toContain('| `websocket.latency_p99_ms` | 80 → ≤ 50 ms | 120 ms (A/B &lt;script&gt;alert(1)&lt;/script&gt; \\| \\`x\\`) | 61.5 ms');
    expect(ws).toContain('| +48.8 % (contract 37.5 %) | ❌ missed |');
    expect(md).not.toContain('<script>');
    expect(md).toContain('| feature_performance | network_page_load_time | `network.page_load_ms` | ✅ yes | 1 | 840 ms |');
    expect(md).toMatch(/- \*\*websocket\*\* \(missed optimization target, feature_performance\): message_batching; compression; connection_pooling\. Because websocket target missed/);
  });

  test('HTML: the same tables, escaped, linked from the nav', () => {
    const page = renderHtml(report);
    expect(page).toContain('<section id="optimization-targets">');
    expect(page).toContain('<a href="#optimization-targets">Optimization targets</a>');
    expect(page).toContain('A/B &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>');
    expect(page.match(/<span class="badge v-fail">missed<\/span>/g)).toHaveLength(1);
    expect(page).toContain('<section id="required-metrics">');
    expect(page).toContain('<section id="recommendations">');
  });
});

describe('a contract without optimization_targets', () => {
  test('has no target, no required metric, and its failures still give recommendations', () => {
    const dir = fixtures.dirWith({ 'plain.yml': 'contract:\n  name: Plain\ninvariants:\n  - id: I-PLAIN-001\n    name: Quick\n    validation:\n      - type: metric\n        check: websocket.latency_p99_ms <= 5\n        remediation: "Do less per message"\n' });
    const set = loadContracts({ dir });
    const found = set.findInvariant('I-PLAIN-001');
    if (!found) throw new Error('I-PLAIN-001');
    const e = evaluateInvariant(found.contract, found.invariant, snap({ 'websocket.latency_p99_ms': [9, 'ms'] }));
    const report = build([testRecord('t', (t) => recordOptimization(t, { domain: 'websocket', optimized: { 'websocket.latency_p99_ms': 9 } }), [e])], set);
    expect(report.optimizationTargets).toEqual([]);
    expect(report.requiredMetrics).toEqual([]);
    expect(report.recommendations).toEqual([expect.objectContaining({ id: 'I-PLAIN-001', actions: ['Do less per message'] })]);
    expect(report.optimizationProblems).toEqual([expect.stringContaining('matches no contract\'s optimization_targets')]);
    expect(renderMarkdown(report)).not.toContain('## Optimization targets');
    expect(renderHtml(report)).not.toContain('id="optimization-targets"');
  });
});
