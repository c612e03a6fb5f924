/**
 * The pictures of one evaluation: charts from its evidence when a probe
 * attached raw series (latency histogram and percentile curve, frame
 * interval trace, memory over time with the fitted slope, playback fps over
 * the drawing), otherwise bars of the summary metrics against the
 * thresholds; and, when there is nothing to draw, a sentence saying why.
 */
import { formatNumber } from '../evaluation/format.ts';
import type { FrameEvidence, LatencyEvidence, MemoryEvidence, PlaybackEvidence } from '../metrics/evidence-schema.ts';
import { renderBarChart, renderChart, rangeOf, type RefLine } from './html-charts.ts';
import { html, type SafeHtml } from './html-escape.ts';
import type { ReportedEvaluation } from './report-model.ts';

/** The kind of measurement a metric belongs to, which decides its chart. */
export type Family = 'latency' | 'frames' | 'memory' | 'playback' | 'other';

/** `websocket.latency_p99_ms` → latency, `ui.*` → frames, `memory.*` → memory, `drawing_playback_*`/`stroke_count` → playback. */
export function familyOf(metric: string): Family {
  if (metric.includes('latency')) return 'latency';
  if (metric.startsWith('ui.')) return 'frames';
  if (metric.startsWith('memory.')) return 'memory';
  if (metric.startsWith('drawing_playback') || metric === 'stroke_count') return 'playback';
  return 'other';
}

const FAMILY_NAME: Record<Family, string> = { latency: 'latency', frames: 'frame intervals', memory: 'memory', playback: 'drawing playback', other: 'other metrics' };

interface Threshold { metric: string; op: string; value: number }

/** Every `metric <op> number` comparison of the evaluation's checks. */
function thresholds(e: ReportedEvaluation): Threshold[] {
  return e.checks.flatMap((c) => c.comparisons.flatMap((cmp) => (cmp.metric !== undefined && cmp.threshold !== undefined ? [{ metric: cmp.metric, op: cmp.metricOp ?? cmp.op, value: cmp.threshold }] : [])));
}

const limitLine = (t: Threshold, what = t.metric): RefLine => ({ at: t.value, label: `limit: ${what} ${t.op} ${formatNumber(t.value)}`, cls: 'threshold' });

function latencyCharts(ev: LatencyEvidence, e: ReportedEvaluation): SafeHtml[] {
  const limit = thresholds(e).find((t) => familyOf(t.metric) === 'latency' && t.metric.endsWith('_ms'));
  const p99 = Object.entries(e.metrics).find(([n]) => n.endsWith('latency_p99_ms'))?.[1]?.value;
  const bins = ev.bins;
  // The axis fits the data; the limit line joins it when it is near (within 3x
  // the slowest bin), otherwise the caption says how far off it is, so a 2 ms
  // distribution is not squeezed against the left edge by a 50 ms limit.
  const dataMax = Math.max(bins.at(-1)?.toMs ?? 1, p99 ?? 0);
  const limitOnAxis = limit !== undefined && limit.value <= dataMax * 3;
  const xMax = limitOnAxis ? Math.max(dataMax, limit.value * 1.05) : dataMax * 1.05;
  const vlines: RefLine[] = [];
  if (limit && limitOnAxis) vlines.push(limitLine(limit, limit.metric.replace(/^.*latency_/, '').replace(/_ms$/, '')));
  if (p99 !== undefined) vlines.push({ at: p99, label: `measured p99 ${formatNumber(p99)} ms`, cls: 'measured' });
  const histogram = renderChart({
    kind: 'latency-histogram',
    title: `Latency histogram (${ev.count} messages)`,
    x: { min: bins[0]?.fromMs ?? 0, max: xMax, label: 'latency (ms)' },
    y: { ...rangeOf(bins.map((b) => b.share * 100)), label: 'share of messages (%)' },
    bars: bins.map((b) => ({ x0: b.fromMs, x1: b.toMs, y: b.share * 100, cls: 'bar-main', title: `${formatNumber(b.fromMs)}–${formatNumber(b.toMs)} ms: ${formatNumber(b.share * 100)} %` })),
    vlines,
    caption: `Shares per bin read off the HDR histogram (1 µs resolution); nothing was sorted.${limit && !limitOnAxis
      ? ` The limit (${limit.metric} ${limit.op} ${formatNumber(limit.value)} ms) is off this axis, ${formatNumber(limit.value / dataMax)}× the slowest bin.`
      : ''}`,
  });
  const maxN = Math.max(2.2, Math.log10(Math.max(ev.count, 1)));
  const nines = (p: number) => (p >= 100 ? maxN : Math.min(maxN, -Math.log10(1 - p / 100)));
  const ticks = [];
  for (let k = 0; k <= Math.floor(maxN); k++) ticks.push({ value: k, label: k === 0 ? 'p0' : `p${formatNumber(100 - 100 * 10 ** -k)}` });
  const values = ev.curve.map((p) => p.valueMs);
  const curve = renderChart({
    kind: 'latency-percentiles',
    title: 'Latency by percentile',
    x: { min: 0, max: maxN, label: 'percentile (log scale of nines; right end = max)', ticks },
    y: { ...rangeOf([...values, limit?.value ?? 0]), label: 'latency (ms)' },
    lines: [{ points: ev.curve.map((p) => [nines(p.percentile), p.valueMs] as const), cls: 'main', name: 'latency percentile curve' }],
    hlines: limit ? [limitLine(limit)] : [],
    marks: p99 !== undefined ? [{ x: 2, y: p99, cls: 'measured', title: `p99 = ${formatNumber(p99)} ms` }] : [],
  });
  return [histogram, curve];
}

function frameCharts(ev: FrameEvidence, e: ReportedEvaluation): SafeHtml[] {
  const maxIv = Math.max(ev.lateAboveMs, ...ev.trace.map(([, iv]) => iv));
  const lastT = Math.max(1, ...ev.trace.map(([t]) => t)) / 1000;
  const fps = Object.entries(e.metrics).find(([n]) => n.endsWith('frame_rate'));
  const fpsLimit = thresholds(e).find((t) => t.metric.endsWith('frame_rate'));
  return [renderChart({
    kind: 'frame-intervals',
    title: `Frame intervals (${ev.frames} frames, ${ev.lateFrames} late)`,
    x: { min: 0, max: lastT, label: 'time after warm-up (s)' },
    y: { ...rangeOf([maxIv, ev.budgetMs]), label: 'interval (ms)' },
    lines: [{ points: ev.trace.map(([t, iv]) => [t / 1000, iv] as const), cls: 'main', name: 'requestAnimationFrame interval' }],
    hlines: [
      { at: ev.budgetMs, label: `budget ${formatNumber(ev.budgetMs)} ms (${formatNumber(ev.displayHz)} Hz)`, cls: 'budget' },
      { at: ev.lateAboveMs, label: `late above ${formatNumber(ev.lateAboveMs)} ms`, cls: 'late-line' },
    ],
    marks: ev.late.map(([t, iv]) => ({ x: t / 1000, y: iv, cls: 'late', title: `late frame at ${formatNumber(t / 1000)} s: ${formatNumber(iv)} ms` })),
    caption: `Late frames (over 1.5 budgets) are marked in red.${fps ? ` ${fps[0]} = ${formatNumber(fps[1].value)} fps${fpsLimit ? ` (limit ${fpsLimit.op} ${formatNumber(fpsLimit.value)})` : ''}.` : ''}${ev.downsampled ? ` The trace is downsampled to ${ev.trace.length} points keeping each bucket's longest interval.` : ''}`,
  })];
}

function memoryCharts(ev: MemoryEvidence, e: ReportedEvaluation): SafeHtml[] {
  const limit = thresholds(e).find((t) => familyOf(t.metric) === 'memory' && t.metric.endsWith('_mb'));
  const lastMs = Math.max(1, ...ev.series.map(([t]) => t));
  const minutes = lastMs > 120_000;
  const tx = (t: number) => (minutes ? t / 60_000 : t / 1000);
  const fitLine = ev.fit ? [[0, ev.fit.interceptMb], [lastMs, ev.fit.interceptMb + (ev.fit.slopeMbPerHour * lastMs) / 3_600_000]] as const : [];
  return [renderChart({
    kind: 'memory-over-time',
    title: `Heap used over time (${ev.samples} samples, ${ev.scope})`,
    x: { min: 0, max: tx(lastMs), label: minutes ? 'time (min)' : 'time (s)' },
    y: { ...rangeOf([...ev.series.map(([, mb]) => mb), limit?.value ?? 0, ...fitLine.map(([, y]) => y)]), label: 'heap used (MB)' },
    lines: [
      { points: ev.series.map(([t, mb]) => [tx(t), mb] as const), cls: 'main', name: 'heap used' },
      ...(fitLine.length ? [{ points: fitLine.map(([t, y]) => [tx(t), y] as const), cls: 'fit', name: 'fitted growth' }] : []),
    ],
    hlines: limit ? [limitLine(limit)] : [],
    marks: ev.afterGc.map(([t, mb]) => ({ x: tx(t), y: mb, cls: 'gc', title: `after GC at ${formatNumber(tx(t))} ${minutes ? 'min' : 's'}: ${formatNumber(mb)} MB` })),
    caption: ev.fit
      ? `Fitted growth ${formatNumber(ev.fit.slopeMbPerHour)} MB/h over ${ev.fit.points} ${ev.fit.fromGcSamples ? 'after-GC samples (marked)' : 'samples (fewer than two were taken after a GC, so garbage not yet collected is included)'}.`
      : 'Fewer than two samples: no growth line.',
  })];
}

function playbackCharts(ev: PlaybackEvidence, e: ReportedEvaluation): SafeHtml[] {
  const limit = thresholds(e).find((t) => t.metric === 'drawing_playback_fps');
  const lastT = Math.max(1, ...ev.series.map(([t]) => t), ...(ev.strokes ?? []).map(([t]) => t)) / 1000;
  const out = [renderChart({
    kind: 'playback-fps',
    title: `Playback frame rate over the drawing${ev.strokeCount !== null ? ` (${ev.strokeCount} strokes)` : ''}`,
    x: { min: 0, max: lastT, label: 'time since playback start (s)' },
    y: { ...rangeOf([...ev.series.map(([, f]) => f), limit?.value ?? 0, ev.displayHz]), label: 'fps' },
    lines: [{ points: ev.series.map(([t, f]) => [t / 1000, f] as const), cls: 'main', name: 'fps per window' }],
    marks: ev.series.filter(([, f]) => limit && f < limit.value).map(([t, f]) => ({ x: t / 1000, y: f, cls: 'late', title: `${formatNumber(f)} fps at ${formatNumber(t / 1000)} s` })),
    hlines: limit ? [limitLine(limit, 'fps')] : [],
    caption: `Frame rate (displayHz × frames / vsyncs) per ${formatNumber(ev.windowMs)} ms window; windows below the limit are marked.`,
  })];
  if (ev.strokes && ev.strokes.length > 0) {
    out.push(renderChart({
      kind: 'playback-strokes',
      title: 'Strokes drawn',
      x: { min: 0, max: lastT, label: 'time since playback start (s)' },
      y: { ...rangeOf(ev.strokes.map(([, n]) => n)), label: 'strokes' },
      lines: [{ points: ev.strokes.map(([t, n]) => [t / 1000, n] as const), cls: 'main', name: 'strokes drawn' }],
    }));
  }
  return out;
}

/** Bars of the family's summary metrics, one chart per unit, with the thresholds of that unit. */
function metricBars(e: ReportedEvaluation, family: Family): SafeHtml[] {
  const checked = new Set(e.checks.flatMap((c) => Object.keys(c.measured)));
  const names = Object.keys(e.metrics).filter((n) => familyOf(n) === family && (e.metrics[n]?.unit !== 'count' || checked.has(n))).sort();
  const units = [...new Set(names.map((n) => e.metrics[n]?.unit as string))];
  const limits = thresholds(e);
  return units.map((unit) => {
    const mine = names.filter((n) => e.metrics[n]?.unit === unit);
    const hlines: RefLine[] = limits.filter((t) => e.metrics[t.metric]?.unit === unit || (!e.metrics[t.metric] && mine.includes(t.metric))).map((t) => limitLine(t));
    if (family === 'frames' && unit === 'ms') hlines.push({ at: 1000 / 60, label: 'budget 16.7 ms (60 Hz)', cls: 'budget' });
    return renderBarChart({
      kind: `metrics-${family}-${unit.replace(/[^a-z]/g, '')}`,
      title: `${FAMILY_NAME[family]}: summary metrics (${unit})`,
      unit,
      bars: mine.map((n) => ({ label: n.replace(/^.*\./, ''), value: e.metrics[n]?.value ?? 0, cls: checked.has(n) ? 'bar-checked' : 'bar-main', title: `${n} = ${formatNumber(e.metrics[n]?.value)} ${unit}, ${e.metrics[n]?.samples ?? 0} samples` })),
      hlines,
      caption: 'No raw series was attached to this evaluation (the probe recorded no evidence), so the bars show the summary metrics against the threshold.',
    });
  });
}

/**
 * The charts of one evaluation, for each measurement family its checks read
 * or its evidence covers. Never empty: a family with nothing to draw gets a
 * sentence naming the missing metrics.
 */
export function evaluationCharts(e: ReportedEvaluation): SafeHtml {
  const checkMetrics = e.checks.flatMap((c) => Object.keys(c.measured));
  const families = new Set<Family>(checkMetrics.map(familyOf));
  const ev = e.evidence ?? {};
  if (ev.latency) families.add('latency');
  if (ev.frames) families.add('frames');
  if (ev.memory) families.add('memory');
  if (ev.playback) families.add('playback');
  const out: SafeHtml[] = [];
  for (const f of (['latency', 'frames', 'memory', 'playback', 'other'] as const).filter((x) => families.has(x))) {
    let charts: SafeHtml[] = [];
    if (f === 'latency' && ev.latency && ev.latency.count > 0) charts = latencyCharts(ev.latency, e);
    else if (f === 'frames' && ev.frames && ev.frames.frames > 0) charts = frameCharts(ev.frames, e);
    else if (f === 'memory' && ev.memory && ev.memory.samples > 0) charts = memoryCharts(ev.memory, e);
    else if (f === 'playback' && ev.playback && ev.playback.series.length > 0) charts = playbackCharts(ev.playback, e);
    if (charts.length === 0) charts = metricBars(e, f);
    if (charts.length === 0) {
      const missing = checkMetrics.filter((m) => familyOf(m) === f && !e.metrics[m]);
      out.push(html`<p class="nochart">Nothing to draw for ${FAMILY_NAME[f]}: ${missing.length ? `metric(s) ${missing.join(', ')} were not measured` : 'the snapshot holds no metric of this kind'}${e.verdict === 'not-evaluated' ? ', so the invariant was not evaluated' : ''}.</p>`);
    } else out.push(...charts);
  }
  if (out.length === 0) out.push(html`<p class="nochart">Nothing to draw: the invariant's checks read no metric.</p>`);
  return html`<div class="charts">${out}</div>`;
}
