/**
 * drift.html: one self-contained page (inline CSS and SVG, no script, no
 * network) with the comparison table and three charts drawn by the
 * report's chart helpers: the sonar distance over the session (recorded,
 * simulator, fitted simulator), the sampling intervals of the first
 * reported channel as histograms, and the sonar rate of each move.
 */
import { renderChart, rangeOf, type BarMark, type LineSeries } from '../reporter/html-charts.ts';
import { html, raw, type SafeHtml } from '../reporter/html-escape.ts';
import { HTML_STYLE } from '../reporter/html-style.ts';
import type { DriftRow } from './compare.ts';
import { fmt, parameterCells } from './drift-format.ts';
import type { DriftReport } from './drift-report.ts';

const DRIFT_STYLE = `
svg .series.recorded { stroke: #111827; stroke-width: 1.6; }
svg .series.simulated { stroke: #dc2626; stroke-dasharray: 5 3; }
svg .series.fitted { stroke: #2563eb; }
svg .bar.recorded { fill: #111827; }
svg .bar.simulated { fill: #fca5a5; }
svg .bar.fitted { fill: #93c5fd; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 18px; height: 4px; vertical-align: middle; margin-right: 4px; }
tr.v-drift td.verdict { color: var(--fail); font-weight: 600; }
tr.v-same td.verdict { color: var(--pass); }
td.text { overflow-wrap: anywhere; max-width: 220px; }
tr td.verdict.v-drift { color: var(--fail); font-weight: 600; }
tr td.verdict.v-same { color: var(--pass); font-weight: normal; }
`;

function cellValue(r: DriftRow | undefined, which: 'recorded' | 'simulated'): string {
  if (r === undefined) return '—';
  const rmsOnly = r.recorded === undefined && r.simulated === undefined && r.difference !== undefined;
  if (rmsOnly) return which === 'recorded' ? '' : `rms ${fmt(r.difference)} ${r.unit}`;
  const v = r[which];
  return typeof v === 'number' ? `${fmt(v)}${r.unit ? ` ${r.unit}` : ''}` : (v ?? '—');
}

function table(report: DriftReport): SafeHtml {
  const fit = report.fit;
  const rows = report.rows.map((r, i) => {
    const after = fit?.rowsAfterFit[i];
    // Text answers (a firmware name, the analog mapping) wrap; numbers stay on one line.
    const cls = typeof r.recorded === 'string' || typeof r.simulated === 'string' ? 'text' : 'num';
    return html`<tr class="v-${r.verdict}"><td>${r.section}</td><td>${r.quantity}${r.note ? html`<br><small>${r.note}</small>` : ''}</td><td class="${cls}">${cellValue(r, 'recorded')}</td><td class="${cls}">${cellValue(r, 'simulated')}</td>${fit ? html`<td class="${cls}">${cellValue(after, 'simulated')}</td>` : ''}<td>${r.tolerance}</td><td class="verdict">${r.verdict}</td>${fit ? html`<td class="verdict ${after ? `v-${after.verdict}` : ''}">${after?.verdict ?? '—'}</td>` : ''}</tr>`;
  });
  return html`<table class="drift"><thead><tr><th>section</th><th>quantity</th><th>recorded</th><th>simulator</th>${fit ? html`<th>fitted simulator</th>` : ''}<th>tolerance</th><th>verdict</th>${fit ? html`<th>after fit</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`;
}

function legend(fit: boolean): SafeHtml {
  return html`<p class="legend"><span><i style="background:#111827"></i>recorded</span><span><i style="background:#dc2626"></i>simulator</span>${fit ? html`<span><i style="background:#2563eb"></i>fitted simulator</span>` : ''}</p>`;
}

function sonarChart(report: DriftReport): SafeHtml {
  const { recorded, simulated, fitted } = report.sonar;
  if (recorded.length === 0) return html`<p class="nochart">No sonar readings in the recording.</p>`;
  const all = [...recorded, ...simulated, ...(fitted ?? [])];
  const xs = all.map((p) => p[0] / 1000);
  const lines: LineSeries[] = [
    { points: simulated.map(([t, d]) => [t / 1000, d] as const), cls: 'simulated', name: 'simulator' },
    ...(fitted ? [{ points: fitted.map(([t, d]) => [t / 1000, d] as const), cls: 'fitted', name: 'fitted simulator' }] : []),
    { points: recorded.map(([t, d]) => [t / 1000, d] as const), cls: 'recorded', name: 'recorded' },
  ];
  return renderChart({
    kind: 'drift-sonar',
    title: 'Ultrasonic distance over the session',
    x: { min: Math.min(...xs), max: Math.max(...xs), label: 'session time, s' },
    y: { ...rangeOf(all.map((p) => p[1]), { zero: false }), label: 'cm' },
    lines,
    caption: 'The distance to the wall ahead as the robot drove: the drive response. Each line is one ping per point, the same host commands for all three.',
  });
}

function intervalChart(report: DriftReport): SafeHtml {
  const { channel, recorded, simulated, fitted } = report.intervals;
  if (channel === undefined || recorded.length === 0) return html`<p class="nochart">No analog channel reported often enough to chart its sampling intervals.</p>`;
  const series: [string, number[]][] = [['recorded', recorded], ['simulated', simulated], ...(fitted ? [['fitted', fitted] as [string, number[]]] : [])];
  const all = series.flatMap(([, v]) => v);
  const lo = Math.floor(Math.min(...all));
  const hi = Math.ceil(Math.max(...all)) + 1;
  const width = 1 / series.length;
  const bars: BarMark[] = [];
  let top = 0;
  series.forEach(([cls, values], k) => {
    const counts = new Map<number, number>();
    for (const v of values) counts.set(Math.floor(v), (counts.get(Math.floor(v)) ?? 0) + 1);
    for (const [bin, n] of counts) {
      const share = n / values.length;
      top = Math.max(top, share);
      bars.push({ x0: bin + k * width, x1: bin + (k + 1) * width, y: share * 100, cls, title: `${cls}: ${n} of ${values.length} intervals in [${bin}, ${bin + 1}) ms` });
    }
  });
  return renderChart({
    kind: 'drift-intervals',
    title: `Sampling intervals of A${channel}`,
    x: { min: lo, max: hi, label: 'interval between reports, ms' },
    y: { min: 0, max: top * 100 * 1.08 || 1, label: '% of intervals' },
    bars,
    caption: 'How regularly the reports arrived: the spread is the sampling jitter the host sees.',
  });
}

function rateChart(report: DriftReport): SafeHtml {
  const drive = report.rows.map((r, i) => ({ r, after: report.fit?.rowsAfterFit[i] })).filter((x) => x.r.section === 'drive' && typeof x.r.recorded === 'number');
  if (drive.length === 0) return html`<p class="nochart">No move long enough to measure a sonar rate on.</p>`;
  const bars: BarMark[] = [];
  const k = report.fit ? 3 : 2;
  drive.forEach(({ r, after }, i) => {
    const vals: [string, unknown][] = [['recorded', r.recorded], ['simulated', r.simulated], ...(report.fit ? [['fitted', after?.simulated] as [string, unknown]] : [])];
    vals.forEach(([cls, v], j) => {
      if (typeof v !== 'number') return;
      bars.push({ x0: i + 0.1 + (j * 0.8) / k, x1: i + 0.1 + ((j + 1) * 0.8) / k, y: v, cls, title: `${r.quantity}, ${cls}: ${fmt(v)} cm/s` });
    });
  });
  return renderChart({
    kind: 'drift-rates',
    title: 'Drive response',
    x: { min: 0, max: drive.length, label: 'straight moves (speed) and pivots (sonar rate)', ticks: drive.map(({ r }, i) => ({ value: i + 0.5, label: shortMove(r.quantity) })) },
    y: { ...rangeOf(bars.map((b) => b.y), { zero: false }), label: 'cm/s' },
    bars,
    caption: 'The speed at each PWM from the sonar (forward and back pooled, readings from 150 ms into each move), and the dead band where the recorded robot does not move.',
  });
}

/** `speed at PWM 255` → `PWM 255`, `sonar rate while left wheel +120` → `Lw+120`: tick labels that fit under a bar group. */
function shortMove(quantity: string): string {
  const m = quantity.replace('sonar rate while ', '');
  const speed = /^speed at PWM (\d+)$/.exec(m);
  if (speed) return `PWM ${speed[1]}`;
  const wheel = /^(left|right) wheel ([+-]?\d+)$/.exec(m);
  if (wheel) return `${wheel[1] === 'left' ? 'L' : 'R'}w${wheel[2]}`;
  return m.slice(0, 8);
}

/** drift.html for `report`. */
export function renderDriftHtml(report: DriftReport): string {
  const fit = report.fit;
  const s = report.summary;
  const banner = s.drift === 0 ? 'v-pass' : 'v-fail';
  const params = fit
    ? html`<h2>Fitted parameters</h2><table><thead><tr><th>parameter</th><th>simulator</th><th>fitted</th><th>known</th><th>error</th></tr></thead><tbody>${fit.parameters.map((p) => html`<tr>${parameterCells(p).map((c, i) => (i === 0 ? html`<td>${c}</td>` : html`<td class="num">${c}</td>`))}</tr>`)}</tbody></table>${fit.result.drive ? html`<p>Drive fit: sonar rms ${fmt(fit.result.drive.rmsCm)} cm over ${fit.result.drive.readings} readings (the simulator's defaults: ${fmt(fit.result.drive.defaultRmsCm)} cm).</p>` : ''}${fit.result.warnings.map((w) => html`<p class="reason">${w}</p>`)}`
    : raw('');
  const notes = [...report.notes, ...report.recording.sessions.flatMap((x) => x.assumptions.map((a) => `session ${x.index}: assumed ${a}`))];
  const body = html`<h1>Drift between the simulator and the recording</h1>
<p class="run">Recording <code>${report.recording.path}</code>, ${report.recording.sessions.length} session(s)${report.recording.truncated ? ', cut short' : ''}; simulator ${report.profile ? html`with profile <code>${report.profile.name ?? '(unnamed)'}</code>` : 'with its defaults'}; made ${report.createdAt}.</p>
<div class="banner ${banner}">${s.drift} of ${s.compared} quantities drift beyond their tolerance${report.summaryAfterFit ? `; with the fitted profile ${report.summaryAfterFit.drift} of ${report.summaryAfterFit.compared}` : ''}</div>
<h2>Sessions</h2>
<table><thead><tr><th>#</th><th>spec files</th><th>target</th><th>clock</th><th>seed</th><th>wiring</th><th>duration</th></tr></thead><tbody>${report.recording.sessions.map((x) => html`<tr><td>${x.index}</td><td>${x.files.join(', ') || '—'}</td><td>${x.target}</td><td>${x.clock}</td><td>${x.seed ?? '—'}</td><td>${x.wiring}</td><td class="num">${fmt(x.durationMs / 1000)} s</td></tr>`)}</tbody></table>
<h2>Charts</h2>
${legend(fit !== undefined)}
<div class="charts">${sonarChart(report)}${intervalChart(report)}${rateChart(report)}</div>
<h2>Comparison</h2>
${table(report)}
${params}
${notes.length > 0 ? html`<h2>Notes</h2><ul>${notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}
<footer>mbot-hil drift · docs/drift-and-calibration.md</footer>`;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>mbot-hil drift</title><style>${HTML_STYLE}${DRIFT_STYLE}</style></head><body>${body.value}</body></html>\n`;
}
