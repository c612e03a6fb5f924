import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { createSnapshot } from '../metrics/snapshot.ts';
import { buildComplianceReport, type TestRecord } from './build-report.ts';
import { appendHistory, historyEntryOf, readHistory, resolveHistoryPath, RunHistory } from './history.ts';
import { renderHtml } from './html-report.ts';
import { renderMarkdown } from './markdown.ts';

const REPO = resolve(import.meta.dirname, '../..');
const contracts = loadContracts({ dir: resolve(REPO, 'contracts') });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'hil-history-'));

/** A finished run whose I-PERF-001 evaluations measured these p99 values (ms). */
function reportWith(p99s: number[], at = '2026-11-26T10:01:00.000Z', kind: 'sim' | 'none' = 'sim') {
  const found = contracts.findInvariant('I-PERF-001');
  if (!found) throw new Error('I-PERF-001');
  const evaluations = p99s.map((v) => evaluateInvariant(found.contract, found.invariant, createSnapshot({ 'websocket.latency_p99_ms': { value: v, unit: 'ms', samples: 100 } }, { target: { kind } })));
  const test: TestRecord = { project: 'sim', file: 'specs/x.spec.ts', name: 't', fullName: 't', state: 'passed', durationMs: 1, errors: [], evaluations };
  return buildComplianceReport({
    tests: [test], contracts, contractsDir: contracts.dir, contractProblems: [], cwd: REPO,
    run: { status: 'passed', statusReason: null, startedAt: '2026-11-26T10:00:00.000Z', finishedAt: at, commit: 'c0ffee', vitest: '4.1.12', projects: ['sim'], merged: false, shard: null },
  });
}

describe('a run\'s history line', () => {
  test('keeps each invariant\'s worst checked value with its threshold, and every metric\'s range', () => {
    const e = historyEntryOf(reportWith([12, 61.5, 30]));
    expect(e?.invariants['I-PERF-001']).toEqual({ verdict: 'fail', metrics: { 'websocket.latency_p99_ms': { value: 61.5, unit: 'ms', op: '<=', threshold: 50 } } });
    expect(e?.invariants['I-PERF-002']).toEqual({ verdict: 'not-run', metrics: {} });
    expect(e?.metrics['websocket.latency_p99_ms']).toEqual({ min: 12, max: 61.5, unit: 'ms', n: 3 });
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  test('a run that measured nothing (or only hand-given values) adds no line', () => {
    expect(historyEntryOf(reportWith([]))).toBeNull();
    expect(historyEntryOf(reportWith([5], undefined, 'none'))).toBeNull();
  });
});

describe('the history file', () => {
  test('stays within maxRuns lines, keeping the newest', () => {
    const file = join(tmp(), 'history.ndjson');
    const entry = historyEntryOf(reportWith([10])) as NonNullable<ReturnType<typeof historyEntryOf>>;
    for (let i = 0; i < 12; i++) appendHistory(file, { ...entry, at: `2026-11-26T10:${String(i).padStart(2, '0')}:00.000Z` }, { maxRuns: 5, maxBytes: 1e6 });
    const { entries } = readHistory(file);
    expect(entries.map((e) => e.at.slice(14, 16))).toEqual(['07', '08', '09', '10', '11']);
  });

  test('stays within maxBytes, and always keeps the newest line', () => {
    const file = join(tmp(), 'history.ndjson');
    const entry = historyEntryOf(reportWith([10])) as NonNullable<ReturnType<typeof historyEntryOf>>;
    const lineBytes = JSON.stringify(entry).length + 1;
    for (let i = 0; i < 10; i++) appendHistory(file, entry, { maxRuns: 100, maxBytes: lineBytes * 3 + 10 });
    expect(statSync(file).size).toBeLessThanOrEqual(lineBytes * 3 + 10);
    expect(readHistory(file).entries).toHaveLength(3);
    appendHistory(file, entry, { maxRuns: 100, maxBytes: 10 });
    expect(readHistory(file).entries).toHaveLength(1);
  });

  test('skips and counts unreadable lines instead of failing', () => {
    const file = join(tmp(), 'history.ndjson');
    writeFileSync(file, '{"truncated": \nnot json\n{"schema":"other"}\n');
    appendHistory(file, historyEntryOf(reportWith([10])) as NonNullable<ReturnType<typeof historyEntryOf>>);
    expect(readHistory(file)).toMatchObject({ unreadable: 3, entries: [expect.objectContaining({ schema: 'mbot-hil/history@1' })] });
  });

  test('goes to <outputDir>/history.ndjson unless an option or HIL_HISTORY says otherwise (off: none)', () => {
    expect(resolveHistoryPath(undefined, '/r', {})).toBe('/r/history.ndjson');
    expect(resolveHistoryPath(undefined, '/r', { HIL_HISTORY: 'off' })).toBeNull();
    expect(resolveHistoryPath(false, '/r', {})).toBeNull();
    expect(resolveHistoryPath('h.ndjson', '/r', { HIL_HISTORY: 'off' })).toBe('/r/h.ndjson');
  });
});

describe('the trend in the report', () => {
  test('draws each invariant metric over the previous runs and this one, with its threshold', () => {
    const dir = tmp();
    const file = join(dir, 'history.ndjson');
    for (const [i, v] of [31, 35, 40, 44].entries()) {
      new RunHistory(file).record(reportWith([v], `2026-11-2${i}T10:00:00.000Z`));
    }
    appendFileSync(file, 'garbage\n');
    const current = reportWith([49], '2026-11-26T10:00:00.000Z');
    const history = new RunHistory(file, { maxRuns: 200, maxBytes: 1e6, trendRuns: 3 }, 'reports/history.ndjson');
    current.trend = history.trend(current, contracts);
    const s = current.trend?.series.find((x) => x.metric === 'websocket.latency_p99_ms');
    expect(current.trend).toMatchObject({ file: 'reports/history.ndjson', previousRuns: 4, unreadableLines: 1 });
    expect(s).toMatchObject({ invariant: 'I-PERF-001', op: '<=', threshold: 50, unit: 'ms' });
    expect(s?.points.map((p) => [p.value, p.current])).toEqual([[35, false], [40, false], [44, false], [49, true]]);
    expect(current.trend?.series.map((x) => x.metric)).toEqual(['websocket.latency_p99_ms', 'ui.frame_rate', 'memory.heap_used_mb', 'drawing_playback_fps', 'stroke_count']);

    const page = renderHtml(current);
    const chart = page.slice(page.indexOf('<section id="trend">'));
    expect(chart).toMatch(/data-chart="trend"[\s\S]*?class="series trend" data-points="4"/);
    expect(chart).toContain('threshold &lt;= 50');
    expect(chart.match(/class="mark point (late|measured) current"/g)).toHaveLength(1);
    expect(renderMarkdown(current)).toContain('| I-PERF-001 | `websocket.latency_p99_ms` | ≤ 50 ms | 35 → 40 → 44 → 49 (now) |');

    expect(history.record(current)).toBe(true);
    expect(history.record(current)).toBe(false);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(6);
  });
});
