import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { createSnapshot, type MetricUnit } from '../metrics/snapshot.ts';
import { judgeDomain, type SourcedMeasurement } from './judge.ts';
import { recordOptimization, type OptimizationMeasurement } from './record.ts';
import { resolveRequiredMetric, requiredMetricRows } from './required-metrics.ts';
import { parseDomain, parseOptimizationTargets } from './targets.ts';

const contract = loadContracts({ dir: resolve(import.meta.dirname, '../../contracts') }).findContract('feature_performance');
if (!contract) throw new Error('feature_performance.yml did not load');
const specs = Object.fromEntries(parseOptimizationTargets(contract.sections.optimization_targets).map((d) => [d.domain, d]));

/** Records on a fake task and returns the measurements, as a spec would. */
function measured(domain: string, sides: { baseline?: Record<string, [number, MetricUnit]>; optimized?: Record<string, [number, MetricUnit]> }, label = 'test'): SourcedMeasurement[] {
  const task = { meta: {} as { hilOptimization?: OptimizationMeasurement[] } };
  const snap = (m: Record<string, [number, MetricUnit]>) => createSnapshot(Object.fromEntries(Object.entries(m).map(([k, [value, unit]]) => [k, { value, unit, samples: 100 }])), { target: { kind: 'sim' } });
  recordOptimization(task, { domain, label, ...(sides.baseline ? { baseline: snap(sides.baseline) } : {}), ...(sides.optimized ? { optimized: snap(sides.optimized) } : {}) });
  return (task.meta.hilOptimization ?? []).map((m) => ({ ...m, from: 'specs/x.spec.ts › t' }));
}

describe('the user contract\'s optimization_targets, read', () => {
  test('four domains: three A/B targets on their invariants\' metrics, network as two budgets', () => {
    expect(Object.keys(specs)).toEqual(['websocket', 'memory', 'rendering', 'network']);
    expect(specs.websocket).toMatchObject({ kind: 'ab', metric: 'websocket.latency_p99_ms', direction: 'lower', contractBaseline: 80, contractTarget: 50, requiredImprovementPercent: 37.5, strategies: ['message_batching', 'compression', 'connection_pooling'], problems: [] });
    expect(specs.memory).toMatchObject({ kind: 'ab', metric: 'memory.heap_used_mb', direction: 'lower', contractBaseline: 120, contractTarget: 100, requiredImprovementPercent: 20 });
    expect(specs.rendering).toMatchObject({ kind: 'ab', metric: 'ui.frame_rate', direction: 'higher', contractBaseline: 45, contractTarget: 60, requiredImprovementPercent: 33 });
    expect(specs.network).toMatchObject({ kind: 'budget', budgets: [
      { key: 'target_page_load_ms', metric: 'network.page_load_ms', limit: 2000, direction: 'lower' },
      { key: 'target_bundle_size_kb', metric: 'network.bundle_size_kb', limit: 500, direction: 'lower' },
    ], problems: [] });
  });

  test('a domain the harness cannot map says why instead of guessing', () => {
    expect(parseDomain('cpu', { baseline_usage_percent: 80, target_usage_percent: 50 }).problems[0]).toMatch(/no metric for domain "cpu": add `metric:/);
    expect(parseDomain('cpu', { metric: 'ui.late_frames', baseline_x: 10, target_x: 2 })).toMatchObject({ metric: 'ui.late_frames', direction: 'lower', problems: [] });
    expect(parseOptimizationTargets(undefined)).toEqual([]);
  });
});

describe('judging a domain', () => {
  test('memory: degraded 350 MB -> reference 40 MB reaches 100 MB and a 89 % reduction: met', () => {
    const r = judgeDomain('feature_performance', specs.memory!, [
      ...measured('memory', { baseline: { 'memory.heap_used_mb': [350, 'mb'] } }),
      ...measured('memory', { optimized: { 'memory.heap_used_mb': [40, 'mb'] } }),
    ]);
    expect(r).toMatchObject({ met: true, targetReached: true, improvementRequired: true, improvementReached: true, measurements: 2 });
    expect(r.improvementPercent).toBeCloseTo(88.57, 1);
  });

  test('websocket NOT met: the optimized p99 misses 50 ms', () => {
    const r = judgeDomain('feature_performance', specs.websocket!, measured('websocket', { baseline: { 'websocket.latency_p99_ms': [120, 'ms'] }, optimized: { 'websocket.latency_p99_ms': [61, 'ms'] } }));
    expect(r.met).toBe(false);
    expect(r.targetReached).toBe(false);
    expect(r.reason).toMatch(/^optimized 61 ms misses the target <= 50 ms; improvement \+49.2 % from the measured baseline 120 ms reaches the contract's 37.5 %$/);
  });

  test('websocket NOT met: within the target but the improvement falls short while the baseline was as bad as the contract\'s', () => {
    const r = judgeDomain('feature_performance', specs.websocket!, measured('websocket', { baseline: { 'websocket.latency_p99_ms': [80, 'ms'] }, optimized: { 'websocket.latency_p99_ms': [50, 'ms'] } }));
    expect(r).toMatchObject({ met: true, improvementRequired: true });
    const short = judgeDomain('feature_performance', { ...specs.websocket!, requiredImprovementPercent: 40 }, measured('websocket', { baseline: { 'websocket.latency_p99_ms': [80, 'ms'] }, optimized: { 'websocket.latency_p99_ms': [50, 'ms'] } }));
    expect(short).toMatchObject({ met: false, targetReached: true, improvementReached: false });
    expect(short.reason).toContain('falls short of the contract\'s 40 %');
  });

  test('rendering: a baseline already better than the contract\'s is judged on the target, its improvement shown', () => {
    const r = judgeDomain('feature_performance', specs.rendering!, measured('rendering', { baseline: { 'ui.frame_rate': [58, 'fps'] }, optimized: { 'ui.frame_rate': [60, 'fps'] } }));
    expect(r).toMatchObject({ met: true, targetReached: true, improvementRequired: false, improvementReached: null });
    expect(r.improvementPercent).toBeCloseTo(3.45, 1);
    expect(r.reason).toContain('not required: the measured baseline 58 fps already beats the contract\'s baseline 45 fps');
    const slow = judgeDomain('feature_performance', specs.rendering!, measured('rendering', { baseline: { 'ui.frame_rate': [40, 'fps'] }, optimized: { 'ui.frame_rate': [59, 'fps'] } }));
    expect(slow).toMatchObject({ met: false, targetReached: false, improvementRequired: true, improvementReached: true });
  });

  test('several recordings: the worst optimized and the best baseline count', () => {
    const r = judgeDomain('feature_performance', specs.websocket!, [
      ...measured('websocket', { baseline: { 'websocket.latency_p99_ms': [90, 'ms'] }, optimized: { 'websocket.latency_p99_ms': [10, 'ms'] } }, '1 client'),
      ...measured('websocket', { baseline: { 'websocket.latency_p99_ms': [85, 'ms'] }, optimized: { 'websocket.latency_p99_ms': [45, 'ms'] } }, '100 clients'),
    ]);
    expect(r.baseline?.value).toBe(85);
    expect(r.optimized).toMatchObject({ value: 45, label: '100 clients', from: 'specs/x.spec.ts › t' });
    expect(r.improvementPercent).toBeCloseTo(47.06, 1);
  });

  test('a side not measured is met: null with the reason and how to record it', () => {
    const r = judgeDomain('feature_performance', specs.memory!, measured('memory', { optimized: { 'memory.heap_used_mb': [40, 'mb'] } }));
    expect(r.met).toBeNull();
    expect(r.reason).toMatch(/^baseline side of memory.heap_used_mb not measured in this run \(record it with recordOptimization/);
    expect(judgeDomain('feature_performance', specs.memory!, []).met).toBeNull();
  });

  test('network budgets: the worst page load decides; one budget over is false, none measured is null', () => {
    const ok = judgeDomain('feature_performance', specs.network!, [
      ...measured('network', { optimized: { 'network.page_load_ms': [850, 'ms'], 'network.bundle_size_kb': [77.3, 'kb'] } }),
      ...measured('network', { optimized: { 'network.page_load_ms': [1400, 'ms'], 'network.bundle_size_kb': [77.3, 'kb'] } }),
    ]);
    expect(ok.met).toBe(true);
    expect(ok.budgets.map((b) => [b.metric, b.measured?.value, b.met])).toEqual([['network.page_load_ms', 1400, true], ['network.bundle_size_kb', 77.3, true]]);
    const over = judgeDomain('feature_performance', specs.network!, measured('network', { optimized: { 'network.page_load_ms': [2600, 'ms'] } }));
    expect(over.met).toBe(false);
    expect(over.reason).toBe('over budget: network.page_load_ms = 2600 ms (<= 2000)');
    expect(judgeDomain('feature_performance', specs.network!, []).met).toBeNull();
  });
});

describe('recordOptimization', () => {
  test('puts plain JSON in task.meta, each side tagged, and rejects bad input with a code', () => {
    const task = { meta: {} as { hilOptimization?: OptimizationMeasurement[] } };
    recordOptimization(task, { domain: 'network', optimized: { 'network.page_load_ms': 800 } });
    expect(task.meta.hilOptimization).toEqual([expect.objectContaining({ schema: 'mbot-hil/ab-measurement@1', domain: 'network', side: 'optimized', contract: null, metrics: { 'network.page_load_ms': { value: 800, unit: 'ms', samples: 0 } } })]);
    expect(JSON.parse(JSON.stringify(task.meta))).toEqual(task.meta);
    expect(() => recordOptimization(task, { domain: 'web socket', optimized: {} })).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID' }));
    expect(() => recordOptimization(task, { domain: 'websocket' })).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID' }));
    expect(() => recordOptimization(task, { domain: 'websocket', baseline: { x: Number.NaN } })).toThrow(expect.objectContaining({ code: 'HIL_MATCHER_BAD_INPUT' }));
  });
});

describe('profiling_requirements.metrics', () => {
  test('each of the user contract\'s ten names resolves to a catalogue metric', () => {
    const names = (contract.sections.profiling_requirements as { metrics: string[] }).metrics;
    expect(Object.fromEntries(names.map((n) => [n, resolveRequiredMetric(n)]))).toEqual({
      websocket_latency_p50: 'websocket.latency_p50_ms',
      websocket_latency_p95: 'websocket.latency_p95_ms',
      websocket_latency_p99: 'websocket.latency_p99_ms',
      ui_frame_rate: 'ui.frame_rate',
      ui_slow_renders: 'ui.slow_renders',
      memory_heap_used: 'memory.heap_used_mb',
      memory_heap_total: 'memory.heap_total_mb',
      memory_gc_count: 'memory.gc_count',
      network_page_load_time: 'network.page_load_ms',
      network_bundle_size: 'network.bundle_size_kb',
    });
    expect(resolveRequiredMetric('cpu_usage')).toBeNull();
  });

  test('a row says whether the run produced it, from how many snapshots, and the range', () => {
    const rows = requiredMetricRows('c', { metrics: ['memory_gc_count', 'network_bundle_size', 'gpu_temperature'] }, [
      { 'memory.gc_count': { value: 3, unit: 'count', samples: 2 } },
      { 'memory.gc_count': { value: 7, unit: 'count', samples: 2 } },
    ]);
    expect(rows).toEqual([
      { contract: 'c', required: 'memory_gc_count', metric: 'memory.gc_count', produced: true, snapshots: 2, min: 3, max: 7, unit: 'count' },
      { contract: 'c', required: 'network_bundle_size', metric: 'network.bundle_size_kb', produced: false, snapshots: 0, min: null, max: null, unit: 'kb' },
      { contract: 'c', required: 'gpu_temperature', metric: null, produced: false, snapshots: 0, min: null, max: null, unit: null },
    ]);
  });
});
