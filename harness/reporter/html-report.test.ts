import { describe, expect, test } from 'vitest';
import { renderBarChart, renderChart, niceTicks } from './html-charts.ts';
import { escapeHtml, html, raw } from './html-escape.ts';
import { evaluationCharts } from './html-evidence.ts';
import { renderHtml } from './html-report.ts';
import { sampleReport } from './testing/sample-report.ts';
import { latencyEvidence } from '../metrics/evidence.ts';
import { LatencyRecorder } from '../metrics/latency-recorder.ts';

const HOSTILE = `<img src=x onerror="document.title='pwned'"> & <script>alert(1)</script>`;
const report = sampleReport({ firstTestName: HOSTILE });
const page = renderHtml(report);

describe('escaping', () => {
  test('the html tag escapes every interpolation unless it is SafeHtml', () => {
    expect(html`<p>${'<b>"x" & \'y\''}</p>`.value).toBe('<p>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;</p>');
    expect(html`<p>${raw('<b>ok</b>')}${['<', html`<i>${'>'}</i>`]}${null}${undefined}${false}</p>`.value).toBe('<p><b>ok</b>&lt;<i>&gt;</i></p>');
    expect(escapeHtml('a\u0000b\ud800')).toBe('a\ufffdb\ufffd');
  });

  test('a test name with markup appears only escaped in the page', () => {
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script');
    expect(page).toContain('&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('the page is self-contained: a CSP forbids scripts and fetches, and nothing points outside', () => {
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(page).not.toMatch(/\s(src|href)="(?!#)/);
    expect(page).not.toMatch(/https?:\/\//);
  });
});

describe('content', () => {
  test('names spec, target (port, firmware, bench), clock, seed and the reproduce command of each evaluation', () => {
    expect(page).toContain('<dt>Target</dt><dd>hardware · bench bench-a · port /dev/ttyUSB0 · firmware StandardFirmata.ino 2.5</dd>');
    expect(page).toContain('<dt>Clock</dt><dd>virtual</dd>');
    expect(page).toContain('<dt>Seed</dt><dd>1</dd>');
    expect(page).toContain('HIL_SEED=1 npx vitest run --project sim specs/performance/ui.spec.ts -t &#39;^performance dashboard holds 60 fps$&#39;');
    expect(page.match(/<article class="evaluation/g)).toHaveLength(7);
  });

  test('summary, coverage matrix and every invariant are present', () => {
    for (const id of ['I-PERF-001', 'I-PERF-002', 'I-PERF-003', 'I-PERF-004']) expect(page).toContain(`id="inv-feature_performance-${Number(id.slice(-1)) - 1}"`);
    expect(page).toContain('<h2>Invariant coverage</h2>');
    expect(page).toContain('<th>bench bench-a</th>');
  });

  test('charts come from evidence when there is some, bars when not, and a sentence when nothing can be drawn', () => {
    const kinds = [...page.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(kinds)).toEqual(new Set(['latency-histogram', 'latency-percentiles', 'frame-intervals', 'memory-over-time', 'metrics-memory-mb', 'metrics-memory-mbh', 'playback-fps', 'playback-strokes']));
    expect(page).toContain('No raw series was attached to this evaluation');
    expect(page).toContain('Nothing to draw for frame intervals: metric(s) ui.frame_rate were not measured, so the invariant was not evaluated.');
  });

  test('the latency histogram fits its data: a far-off limit is named in the caption, a near one is drawn', () => {
    const base = report.contracts[0]!.invariants[0]!.evaluations[0]!;
    const withLatencies = (ms: readonly number[]) => {
      const rec = new LatencyRecorder();
      for (const v of ms) rec.record(v);
      const p99 = rec.percentileMs(99)!;
      return { ...base, evidence: { latency: latencyEvidence(rec) }, metrics: { ...base.metrics, 'websocket.latency_p99_ms': { ...base.metrics['websocket.latency_p99_ms']!, value: p99 } } };
    };
    const histogramOf = (out: string) => out.slice(out.indexOf('data-chart="latency-histogram"'), out.indexOf('data-chart="latency-percentiles"'));
    const fast = histogramOf(evaluationCharts(withLatencies(Array.from({ length: 500 }, (_, i) => 1 + (i % 20) / 10))).value);
    expect(fast).not.toContain('limit: p99');
    expect(fast).toMatch(/The limit \(websocket\.latency_p99_ms &lt;= 50 ms\) is off this axis, \d+(\.\d+)?× the slowest bin\./);
    const near = histogramOf(evaluationCharts(withLatencies(Array.from({ length: 500 }, (_, i) => 10 + (i % 30)))).value);
    expect(near).toContain('limit: p99 &lt;= 50');
    expect(near).not.toContain('is off this axis');
  });

  test('an evaluation of metrics given by hand still gets bars against the threshold', () => {
    const e = { ...report.contracts[0]!.invariants[1]!.evaluations[0]!, evidence: undefined };
    const out = evaluationCharts(e).value;
    expect(out).toContain('data-chart="metrics-frames-fps"');
    expect(out).toContain('limit: ui.frame_rate &gt;= 60');
    expect(out).toContain('data-chart="metrics-frames-ms"');
    expect(out).toContain('budget 16.7 ms (60 Hz)');
  });
});

describe('charts', () => {
  test('ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 0.5, 5)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  test('every data element is countable and reference lines are labelled', () => {
    const svg = renderChart({ kind: 'k', title: 't<', x: { min: 0, max: 10, label: 'x' }, y: { min: 0, max: 10, label: 'y' }, lines: [{ points: [[0, 1], [5, 5], [10, 2]], cls: 'main', name: 'n' }], marks: [{ x: 5, y: 5, cls: 'late', title: 'm' }], hlines: [{ at: 3, label: 'limit', cls: 'threshold' }] }).value;
    expect(svg).toContain('data-points="3"');
    expect(svg.match(/class="mark /g)).toHaveLength(1);
    expect(svg).toContain('>limit</text>');
    expect(svg).toContain('aria-label="t&lt;"');
    const bars = renderBarChart({ kind: 'b', title: 'b', unit: 'ms', bars: [{ label: 'p50', value: 3 }, { label: 'p99', value: 9 }], hlines: [{ at: 50, label: 'limit', cls: 'threshold' }] }).value;
    expect(bars.match(/class="mark bar/g)).toHaveLength(2);
    expect(bars).toContain('>p99</text>');
  });
});

describe('the gate banner', () => {
  test('a filtered run that evaluated nothing reads NOT CHECKED in the page, as in compliance.md and on the console', () => {
    const base = sampleReport();
    const filtered = {
      ...base,
      gate: { ...base.gate, passed: false, failed: [], notEvaluated: [], partial: true, reasons: [{ code: 'no-invariant-ran', message: 'no invariant was evaluated in this run: nothing was measured, so nothing passed' }] },
    } as typeof base;
    const p = renderHtml(filtered);
    expect(p).toMatch(/<p class="banner v-[a-z-]+" id="gate">Gate NOT CHECKED · /);
    expect(p).toContain('<title>Contract compliance: NOT CHECKED</title>');
    expect(p).not.toContain('Gate FAILED');
    // A failed gate still says FAILED.
    expect(renderHtml({ ...base, gate: { ...base.gate, passed: false, partial: false } } as typeof base)).toContain('Gate FAILED');
  });
});
