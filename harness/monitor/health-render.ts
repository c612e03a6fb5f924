/**
 * The health report as Markdown and as one self-contained HTML page (inline
 * CSS and SVG charts from the compliance report's chart helpers, no script,
 * no network). Text from contracts, URLs and hooks is escaped.
 */
import { formatNumber } from '../evaluation/format.ts';
import { renderChart, rangeOf } from '../reporter/html-charts.ts';
import { html, raw, type SafeHtml } from '../reporter/html-escape.ts';
import { HTML_STYLE } from '../reporter/html-style.ts';
import { mdEscape } from '../reporter/markdown.ts';
import type { AlertValue } from './alert-tracker.ts';
import type { HealthReport, MetricSeries, ReportedAlert } from './health-model.ts';

/** `12.3 s`, `4 min 5 s`, `2 h 3 min`. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${formatNumber(Math.round(s * 10) / 10)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function value(v: AlertValue): string {
  return v.value === null ? v.check : `${v.metric} = ${formatNumber(v.value)} ${v.unit}`;
}

function threshold(v: AlertValue): string {
  return v.threshold === null ? '—' : `${v.op} ${formatNumber(v.threshold)}`;
}

function alertEnd(a: ReportedAlert): string {
  return a.active ? 'still active at the end' : new Date(a.endedAtMs as number).toISOString();
}

/** The report as Markdown. */
export function renderHealthMarkdown(r: HealthReport): string {
  const out: string[] = [];
  out.push(`# Monitor health: ${r.healthy ? 'HEALTHY' : 'UNHEALTHY'}`, '');
  if (!r.healthy) out.push(...r.reasons.map((x) => `- ${mdEscape(x)}`), '');
  out.push(`${r.windows} window(s) of ${formatDuration(r.windowMs)} from ${r.startedAt} to ${r.endedAt} (${formatDuration(r.durationMs)}), stopped by ${mdEscape(r.stoppedBy)} · exit code ${r.exitCode}`, '');
  out.push('Watched through:', '', ...r.probes.map((p) => `- ${mdEscape(p)}`), '');
  out.push(`Contracts: ${r.contracts.map(mdEscape).join(', ')}`, '');
  out.push('## Invariants', '');
  out.push('| Invariant | Checks | Windows pass | fail | not evaluated |', '|---|---|---|---|---|');
  for (const w of r.watched) {
    const v = r.verdicts[w.id] ?? { pass: 0, fail: 0, notEvaluated: 0 };
    out.push(`| ${mdEscape(w.id)} ${mdEscape(w.name)} | ${w.checks.map((c) => `\`${mdEscape(c)}\``).join('<br>')} | ${v.pass} | ${v.fail} | ${v.notEvaluated} |`);
  }
  out.push('');
  if (r.unwatched.length > 0) out.push('Not watched:', '', ...r.unwatched.map((u) => `- ${mdEscape(u.id)} ${mdEscape(u.name)}: ${mdEscape(u.reason)}`), '');
  out.push('## Alerts', '');
  if (r.alerts.length === 0) out.push('No alert fired.', '');
  else {
    out.push('| Invariant | Started | Ended | Time in violation | Windows | First | Worst | Threshold | Remediation |', '|---|---|---|---|---|---|---|---|---|');
    for (const a of r.alerts) {
      out.push(`| ${mdEscape(a.invariant)} ${mdEscape(a.name)} | ${new Date(a.startedAtMs).toISOString()} (window ${a.startWindow}) | ${alertEnd(a)}${a.endWindow ? ` (window ${a.endWindow})` : ''} | ${formatDuration(a.timeInViolationMs)} | ${a.violatingWindows} | ${mdEscape(value(a.first))} | ${mdEscape(value(a.worst))} | ${mdEscape(threshold(a.worst))} | ${mdEscape(a.remediation ?? '—')} |`);
    }
    out.push('');
  }
  if (r.series.length > 0) {
    out.push('## Metrics over the run', '', '| Metric | Min | Max | Last | Threshold / budget |', '|---|---|---|---|---|');
    for (const s of r.series) out.push(`| \`${mdEscape(s.metric)}\` | ${formatNumber(s.min)} ${mdEscape(s.unit)} | ${formatNumber(s.max)} ${mdEscape(s.unit)} | ${formatNumber(s.last)} ${mdEscape(s.unit)} | ${s.lines.map((l) => mdEscape(l.label)).join(', ') || '—'} |`);
    out.push('');
  }
  if (r.probeErrorCount > 0) {
    out.push('## Windows that could not be measured', '', `${r.probeErrorCount} probe error(s)${r.probeErrorCount > r.probeErrors.length ? `, the first ${r.probeErrors.length} listed` : ''}:`, '');
    for (const e of r.probeErrors) out.push(`- window ${e.window}, ${mdEscape(e.probe)}: ${mdEscape(e.message)}`);
    out.push('');
  }
  if (r.hookFailures.length > 0) {
    out.push('## --on-alert failures', '');
    for (const h of r.hookFailures) out.push(`- ${mdEscape(h.invariant)} (window ${h.window}): ${mdEscape(h.failure)}${h.stderr ? `: ${mdEscape(h.stderr.trim().slice(-300))}` : ''}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

function seriesChart(s: MetricSeries): SafeHtml {
  const xs = s.points.map(([x]) => x);
  const xMax = Math.max(1, ...xs);
  // A frame rate lives just under its display rate: from 0 its dips would be invisible.
  const y = rangeOf([...s.points.map(([, v]) => v), ...s.lines.map((l) => l.value)], { zero: s.unit !== 'fps' });
  return renderChart({
    kind: 'monitor-series',
    title: s.metric,
    x: { min: 0, max: xMax, label: 'seconds since the monitor started' },
    y: { ...y, label: s.unit },
    lines: [{ points: s.points, cls: 'monitor', name: s.metric }],
    marks: s.violations.map(([x, v]) => ({ x, y: v, cls: 'late', title: `violation at ${formatNumber(x)} s: ${formatNumber(v)} ${s.unit}` })),
    hlines: s.lines.map((l) => ({ at: l.value, label: l.label, cls: l.kind === 'threshold' ? 'threshold' : 'budget' })),
    caption: `One point per window${s.points.length >= 500 ? ' (downsampled to 500, keeping each bucket\'s highest value)' : ''}; red points: windows where an invariant on this metric failed.`,
  });
}

function alertRows(r: HealthReport): SafeHtml {
  if (r.alerts.length === 0) return html`<p>No alert fired.</p>`;
  return html`<table class="alerts"><thead><tr><th>Invariant</th><th>Started</th><th>Ended</th><th>Time in violation</th><th>Windows</th><th>First</th><th>Worst</th><th>Threshold</th><th>Remediation</th></tr></thead><tbody>
${r.alerts.map((a) => html`<tr class="b-${a.active ? 'regression' : 'inconclusive'}"><td><strong>${a.invariant}</strong> ${a.name}</td><td>${new Date(a.startedAtMs).toISOString()}<br><small>window ${a.startWindow}</small></td>
<td>${a.active ? html`<span class="badge v-fail">still active</span>` : html`${alertEnd(a)}<br><small>window ${a.endWindow ?? ''}</small>`}</td><td class="num">${formatDuration(a.timeInViolationMs)}</td><td class="num">${a.violatingWindows}</td>
<td>${value(a.first)}</td><td>${value(a.worst)}</td><td class="num">${threshold(a.worst)}</td><td>${a.remediation ?? '—'}</td></tr>`)}
</tbody></table>`;
}

/** The report as one self-contained HTML page. */
export function renderHealthHtml(r: HealthReport): string {
  const body = html`<header class="top"><h1>Monitor health</h1>
<p class="banner v-${r.healthy ? 'pass' : 'fail'}" id="health">${r.healthy ? 'HEALTHY' : 'UNHEALTHY'} · ${r.alerts.length} alert(s) · ${r.windows} window(s) of ${formatDuration(r.windowMs)} · exit code ${r.exitCode}</p>
${r.reasons.length ? html`<ul>${r.reasons.map((x) => html`<li>${x}</li>`)}</ul>` : raw('')}
<p class="run">${r.startedAt} to ${r.endedAt} (${formatDuration(r.durationMs)}), stopped by ${r.stoppedBy} · contracts ${r.contracts.join(', ')}</p>
<ul>${r.probes.map((p) => html`<li>${p}</li>`)}</ul></header>
<section id="alerts"><h2>Alerts</h2>${alertRows(r)}</section>
<section id="invariants"><h2>Invariants</h2><table><thead><tr><th>Invariant</th><th>Checks</th><th>pass</th><th>fail</th><th>not evaluated</th></tr></thead><tbody>
${r.watched.map((w) => { const v = r.verdicts[w.id] ?? { pass: 0, fail: 0, notEvaluated: 0 }; return html`<tr><td>${w.id} ${w.name}</td><td>${w.checks.map((c) => html`<code>${c}</code> `)}</td><td class="num">${v.pass}</td><td class="num">${v.fail}</td><td class="num">${v.notEvaluated}</td></tr>`; })}
</tbody></table>
${r.unwatched.length ? html`<p>Not watched:</p><ul>${r.unwatched.map((u) => html`<li>${u.id} ${u.name}: ${u.reason}</li>`)}</ul>` : raw('')}</section>
<section id="metrics"><h2>Metrics over the run</h2>${r.series.length ? html`<div class="charts">${r.series.map(seriesChart)}</div>` : html`<p class="nochart">No metric was measured.</p>`}</section>
${r.probeErrorCount ? html`<section id="probe-errors"><h2>Windows that could not be measured</h2><p>${r.probeErrorCount} probe error(s)${r.probeErrorCount > r.probeErrors.length ? `, the first ${r.probeErrors.length} listed` : ''}.</p><ul>${r.probeErrors.map((e) => html`<li>window ${e.window}, ${e.probe}: ${e.message}</li>`)}</ul></section>` : raw('')}
${r.hookFailures.length ? html`<section id="hook-failures"><h2>--on-alert failures</h2><ul>${r.hookFailures.map((h) => html`<li>${h.invariant} (window ${h.window}): ${h.failure}${h.stderr ? html`<br><code>${h.stderr.trim().slice(-300)}</code>` : raw('')}</li>`)}</ul></section>` : raw('')}
<footer>Generated by mbot-hil monitor (schema ${r.schema}). Self-contained: no script, no network.</footer>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Monitor health: ${r.healthy ? 'HEALTHY' : 'UNHEALTHY'}</title>
<style>${HTML_STYLE}</style></head>
<body>${body.value}</body></html>
`;
}
