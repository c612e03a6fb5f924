import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { compareMetric, compareToBaseline, makeBaseline, tolerancesFromContracts } from './baseline-compare.ts';
import { loadBaseline, resolveBaselinePath, saveBaseline } from './baseline-store.ts';
import { ComplianceReporter } from './compliance-reporter.ts';
import { renderMarkdown } from './markdown.ts';
import { complianceReportSchema } from './report-model.ts';
import { sampleReport } from './testing/sample-report.ts';

const repo = resolve(import.meta.dirname, '../..');
const before = sampleReport({ latencyScale: 1.6 });
const after = sampleReport();
const tmp = () => mkdtempSync(join(tmpdir(), 'hil-baseline-'));

describe('baseline vs current', () => {
  const cmp = compareToBaseline(after, makeBaseline(before), { file: 'reports/baseline.json' });
  const entry = (id: string, kind: string) => cmp.entries.find((e) => e.invariantId === id && e.target.kind === kind)!;

  test('reports baseline, current, change % and improvement % with the check\'s direction', () => {
    const m = entry('I-PERF-001', 'sim').metrics.find((x) => x.name === 'websocket.latency_p99_ms')!;
    expect(m.direction).toBe('lower');
    expect(m.current! / m.baseline!).toBeCloseTo(1 / 1.6, 2);
    expect(m.changePercent).toBeCloseTo(-37.5, 0);
    expect(m.improvementPercent).toBeCloseTo(37.5, 0);
    expect(m.status).toBe('pass');
    expect(cmp.regressions).toEqual([]);
    // The bench's frame rate was never measured (not evaluated) on either side: that decides nothing.
    expect(cmp.inconclusive).toEqual(['I-PERF-002|hardware@bench-a|specs/performance/ui.spec.ts › performance > dashboard frame rate on the bench']);
    expect(cmp.passed).toBe(false);
  });

  test('a metric worse beyond the tolerance is a regression; the gate fails', () => {
    const back = compareToBaseline(before, makeBaseline(after), { file: 'b.json' });
    expect(back.regressions).toContain('I-PERF-001|sim|100 clients');
    const m = back.entries.find((e) => e.key === 'I-PERF-001|sim|100 clients')!.metrics[0]!;
    expect(m).toMatchObject({ status: 'regression', direction: 'lower' });
    expect(m.improvementPercent).toBeCloseTo(-60, 0);
    expect(back.passed).toBe(false);
  });

  test('too few samples is inconclusive, never a pass', () => {
    const { lookup } = tolerancesFromContracts(null, { minSamples: 5000 });
    const strict = compareToBaseline(after, makeBaseline(after), { file: 'b.json', lookup });
    expect(strict.entries.find((e) => e.key.startsWith('I-PERF-001|hardware@bench-a'))!.status).toBe('inconclusive');
    expect(strict.entries.find((e) => e.key.startsWith('I-PERF-001|sim'))!.status).toBe('pass');
    expect(strict.passed).toBe(false);
    expect(compareMetric('x', { value: 1, unit: 'ms', samples: 0 }, { value: 1, unit: 'ms', samples: 0 }, 'lower', { tolerancePercent: 10, minSamples: 30 }).status).toBe('inconclusive');
  });

  test('workload figures and direction-less metrics are shown, not gated; a 0 baseline gates any worsening', () => {
    const play = entry('I-PERF-004', 'sim').metrics;
    expect(play.find((m) => m.name === 'stroke_count')).toMatchObject({ status: 'info', direction: 'higher' });
    expect(play.find((m) => m.name === 'drawing_playback_fps')).toMatchObject({ direction: 'higher', status: 'pass' });
    expect(compareMetric('n', { value: 0, unit: 'count', samples: 100 }, { value: 2, unit: 'count', samples: 100 }, 'lower', { tolerancePercent: 10, minSamples: 30 })).toMatchObject({ status: 'regression', changePercent: null });
    expect(compareMetric('n', { value: 5, unit: 'ms', samples: 100 }, { value: 50, unit: 'ms', samples: 100 }, 'none', { tolerancePercent: 10, minSamples: 30 }).status).toBe('info');
  });

  test('lists what the baseline lacks and what this run did not measure', () => {
    const partial = { ...before, contracts: before.contracts.map((c) => ({ ...c, invariants: c.invariants.map((i) => (i.id === 'I-PERF-004' ? { ...i, evaluations: [] } : i)) })) };
    const c = compareToBaseline(after, makeBaseline(partial), { file: 'b.json' });
    expect(c.noBaseline).toEqual(['I-PERF-004|sim|specs/performance/playback.spec.ts › performance > 1200-stroke drawing plays back smoothly']);
    const d = compareToBaseline(partial, makeBaseline(after), { file: 'b.json' });
    expect(d.notMeasured).toHaveLength(1);
  });

  test('the comparison is an optional, schema-valid part of compliance.json and shows in Markdown', () => {
    const report = complianceReportSchema.parse({ ...after, baseline: cmp });
    expect(complianceReportSchema.parse(JSON.parse(JSON.stringify(report))).baseline?.entries.length).toBe(cmp.entries.length);
    const md = renderMarkdown(report);
    expect(md).toContain('## Baseline vs current');
    expect(md).toMatch(/\| I-PERF-001 \| sim \| 100 clients \| `websocket\.latency_p99_ms` \| [\d.]+ ms \(n=6000\) \| [\d.]+ ms \(n=6000\) \| -37\.\d % \| \+37\.\d % \| ✅ ok \|/);
  });
});

describe('tolerances', () => {
  test('invariant beats contract header beats option beats default; bad values are listed', () => {
    const dir = tmp();
    const yml = readFileSync(join(repo, 'contracts/feature_performance.yml'), 'utf8')
      .replace('  owner: performance-team\n', '  owner: performance-team\n  regression_tolerance_percent: 20\n  regression_min_samples: 10\n')
      .replace('    name: WebSocket Latency Target\n', '    name: WebSocket Latency Target\n    regression_tolerance_percent: 5\n')
      .replace('    name: UI Frame Rate Target\n', '    name: UI Frame Rate Target\n    regression_min_samples: many\n');
    mkdirSync(join(dir, 'contracts'));
    writeFileSync(join(dir, 'contracts/feature_performance.yml'), yml);
    const { lookup, problems } = tolerancesFromContracts(loadContracts({ dir: join(dir, 'contracts') }), { tolerancePercent: 15 });
    expect(lookup('feature_performance', 'I-PERF-001')).toEqual({ tolerancePercent: 5, minSamples: 10, from: 'invariant' });
    expect(lookup('feature_performance', 'I-PERF-003')).toEqual({ tolerancePercent: 20, minSamples: 10, from: 'contract' });
    expect(lookup('other', 'X-1')).toEqual({ tolerancePercent: 15, minSamples: 30, from: 'option' });
    expect(tolerancesFromContracts(null).lookup('x', 'y')).toEqual({ tolerancePercent: 10, minSamples: 30, from: 'default' });
    expect(problems).toEqual(['invariant I-PERF-002: regression_min_samples is "many"; it must be a whole number >= 0 (ignored)']);
  });
});

describe('baseline files', () => {
  test('save then load round-trips; a missing or malformed file says what to do', () => {
    const dir = tmp();
    const file = join(dir, 'nested/baseline.json');
    const saved = saveBaseline(after, file, new Date('2026-11-27T00:00:00Z'));
    expect(loadBaseline(file)).toEqual(saved);
    expect(saved.entries.map((e) => e.key)).toContain('I-PERF-003|hardware@bench-a|specs/performance/memory.spec.ts › performance > companion heap on the bench');
    expect(() => loadBaseline(join(dir, 'none.json'))).toThrow(/HIL_CONFIG_INVALID.*baseline save/);
    writeFileSync(join(dir, 'bad.json'), '{"schema":"mbot-hil/baseline","schemaVersion":1}');
    expect(() => loadBaseline(join(dir, 'bad.json'))).toThrow(/HIL_REPORT_SCHEMA.*entries/);
  });

  test('the reporter uses the option, else HIL_BASELINE, else reports/baseline.json when present', () => {
    const dir = tmp();
    expect(resolveBaselinePath(undefined, dir, '/r', {})).toBeNull();
    expect(resolveBaselinePath('b.json', dir, '/r', { HIL_BASELINE: 'x.json' })).toEqual({ path: '/r/b.json', explicit: true });
    expect(resolveBaselinePath(undefined, dir, '/r', { HIL_BASELINE: 'x.json' })).toEqual({ path: '/r/x.json', explicit: true });
    writeFileSync(join(dir, 'baseline.json'), '{}');
    expect(resolveBaselinePath(undefined, dir, '/r', {})).toEqual({ path: join(dir, 'baseline.json'), explicit: false });
  });

  test('a configured baseline that cannot be read fails the comparison in the report instead of passing', () => {
    const dir = tmp();
    const reporter = new ComplianceReporter({ outputDir: dir, contractsDir: join(repo, 'contracts'), baseline: join(dir, 'missing.json'), stepSummary: false });
    reporter.onTestRunEnd([], [], 'passed');
    const json = complianceReportSchema.parse(JSON.parse(readFileSync(join(dir, 'compliance.json'), 'utf8')));
    expect(json.baseline).toMatchObject({ passed: false, error: expect.stringMatching(/HIL_CONFIG_INVALID/) });
    expect(readFileSync(join(dir, 'compliance.html'), 'utf8')).toContain('No comparison: HIL_CONFIG_INVALID');
  });
});
