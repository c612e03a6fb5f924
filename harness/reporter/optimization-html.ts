/**
 * HTML of the contract sections beyond the invariants: the optimization
 * targets table, the required metrics, the recommendations, and one trend
 * chart per invariant metric (its value over the recent runs against its
 * threshold, the failing runs marked). Built with the escaping `html` tag:
 * no text from a contract or a test becomes markup.
 */
import { formatNumber } from '../evaluation/format.ts';
import type { MeasuredSide, OptimizationTarget } from '../optimization/model.ts';
import { renderChart, rangeOf } from './html-charts.ts';
import { html, raw, type SafeHtml } from './html-escape.ts';
import type { TrendSeries } from './history-model.ts';
import type { ComplianceReport } from './report-model.ts';

/** Extra style for these sections (appended to the report's stylesheet). */
export const CONTRACT_SECTIONS_STYLE = `
table.targets code, table.required code { overflow-wrap: normal; white-space: nowrap; }
table.targets td.side { text-align: right; font-variant-numeric: tabular-nums; min-width: 90px; }
table.targets td.side small { display: inline-block; max-width: 180px; }
table.targets tr.why td { color: var(--muted); font-size: 12.5px; border-top: none; padding-top: 0; }
table.targets tr.why td::before { content: "Why: "; font-weight: 600; }
table.targets td.strategies code { display: inline-block; margin: 0 4px 2px 0; font-size: 11.5px; }
ul.recommendations li { margin: 4px 0; }
ul.recommendations .because { color: var(--muted); }
svg .point.current { stroke: var(--main); stroke-width: 3; }
`;

function metBadge(met: boolean | null): SafeHtml {
  const cls = met === true ? 'pass' : met === false ? 'fail' : 'not-evaluated';
  return html`<span class="badge v-${cls}">${met === true ? 'met' : met === false ? 'missed' : 'not measured'}</span>`;
}

function pct(p: number | null): string {
  if (p === null) return 'n/a';
  const r = Math.round(p * 10) / 10;
  return `${r > 0 ? '+' : ''}${formatNumber(r)} %`;
}

function side(s: MeasuredSide | null): SafeHtml {
  if (!s) return html`—`;
  return html`${formatNumber(s.value)} ${s.unit}${s.label ? html`<br><small>${s.label}</small>` : raw('')}`;
}

const op = (d: 'lower' | 'higher'): string => (d === 'lower' ? '≤' : '≥');

function strategies(t: OptimizationTarget): SafeHtml {
  return t.strategies.length ? html`${t.strategies.map((s) => html`<code>${s}</code>`)}` : html`—`;
}

/** The reason under a target's row(s), across the table. */
function whyRow(t: OptimizationTarget): SafeHtml {
  return html`<tr class="why b-${t.met === false ? 'regression' : t.met === null ? 'missing' : 'pass'}"><td colspan="9">${t.reason}</td></tr>`;
}

function targetRows(t: OptimizationTarget): SafeHtml[] {
  if (t.kind === 'budget') {
    const rows = t.budgets.length ? t.budgets : [null];
    return rows.map((b, i) => html`<tr class="b-${t.met === false ? 'regression' : t.met === null ? 'missing' : 'pass'}">
<td>${t.contract}</td><td>${t.domain}</td><td>${b ? html`<code>${b.metric ?? b.key}</code>` : '—'}</td>
<td class="num">${b ? `budget ${op(b.direction)} ${formatNumber(b.limit)}` : '—'}</td><td class="side">—</td><td class="side">${b ? side(b.measured) : '—'}</td><td class="side">—</td>
<td>${i === 0 ? metBadge(t.met) : metBadge(b?.met ?? null)}</td><td class="strategies">${i === 0 ? strategies(t) : raw('')}</td></tr>${i === rows.length - 1 ? whyRow(t) : raw('')}`);
  }
  const contract = t.contractBaseline !== null || t.contractTarget !== null ? `${formatNumber(t.contractBaseline)} → ${op(t.direction)} ${formatNumber(t.contractTarget)} ${t.unit ?? ''}` : '—';
  const required = t.requiredImprovementPercent !== null ? html`<br><small>contract ${formatNumber(t.requiredImprovementPercent)} %${t.improvementRequired ? '' : ', not required'}</small>` : raw('');
  return [html`<tr class="b-${t.met === false ? 'regression' : t.met === null ? 'missing' : 'pass'}">
<td>${t.contract}</td><td>${t.domain}</td><td>${t.metric ? html`<code>${t.metric}</code>` : '—'}</td>
<td class="num">${contract}</td><td class="side">${side(t.baseline)}</td><td class="side">${side(t.optimized)}</td><td class="side">${pct(t.improvementPercent)}${required}</td>
<td>${metBadge(t.met)}</td><td class="strategies">${strategies(t)}</td></tr>${whyRow(t)}`];
}

/** The optimization-targets section (`#optimization-targets`), or nothing without targets. */
export function optimizationTargetsHtml(r: ComplianceReport): SafeHtml {
  const targets = r.optimizationTargets ?? [];
  if (targets.length === 0) return raw('');
  const met = targets.filter((t) => t.met === true).length;
  const missed = targets.filter((t) => t.met === false).length;
  return html`<section id="optimization-targets"><h2>Optimization targets</h2>
<p class="banner v-${missed > 0 ? 'fail' : met === targets.length ? 'pass' : 'not-evaluated'}">${met} met · ${missed} missed · ${targets.length - met - missed} not measured (of ${targets.length})</p>
<p>Baseline and optimized are measured in this run (A/B); the worst optimized and the best baseline recorded count. Targets do not change the gate.</p>
<table class="targets"><thead><tr><th>Contract</th><th>Domain</th><th>Metric</th><th>Contract: baseline → target</th><th>Baseline (measured)</th><th>Optimized (measured)</th><th>Improvement</th><th>Met</th><th>Strategies</th></tr></thead>
<tbody>${targets.flatMap(targetRows)}</tbody></table>
${(r.optimizationProblems ?? []).length ? html`<ul>${(r.optimizationProblems ?? []).map((p) => html`<li>${p}</li>`)}</ul>` : raw('')}</section>`;
}

/** The required-metrics section (`#required-metrics`), or nothing. */
export function requiredMetricsHtml(r: ComplianceReport): SafeHtml {
  const rows = r.requiredMetrics ?? [];
  if (rows.length === 0) return raw('');
  const produced = rows.filter((x) => x.produced).length;
  return html`<section id="required-metrics"><h2>Required metrics</h2>
<p>${produced} of ${rows.length} metrics the contract's <code>profiling_requirements.metrics</code> name were produced in this run.</p>
<table class="required"><thead><tr><th>Contract</th><th>Required</th><th>Catalogue metric</th><th>Produced</th><th>Snapshots</th><th>Range</th></tr></thead><tbody>
${rows.map((x) => html`<tr><td>${x.contract}</td><td>${x.required}</td><td>${x.metric ? html`<code>${x.metric}</code>` : 'none in the catalogue'}</td><td><span class="badge v-${x.produced ? 'pass' : 'fail'}">${x.produced ? 'yes' : 'no'}</span></td><td class="num">${x.snapshots}</td>
<td class="num">${x.min === null || x.max === null ? '—' : x.min === x.max ? `${formatNumber(x.min)} ${x.unit ?? ''}` : `${formatNumber(x.min)} – ${formatNumber(x.max)} ${x.unit ?? ''}`}</td></tr>`)}
</tbody></table></section>`;
}

/** The recommendations section (`#recommendations`), or nothing. */
export function recommendationsHtml(r: ComplianceReport): SafeHtml {
  const recs = r.recommendations ?? [];
  if (recs.length === 0) return raw('');
  return html`<section id="recommendations"><h2>Recommendations</h2><ul class="recommendations">
${recs.map((x) => html`<li><strong>${x.id}</strong> <small>(${x.source === 'invariant' ? 'failed invariant' : 'missed optimization target'}, ${x.contract})</small>: ${x.actions.length ? x.actions.join('; ') : 'no remediation or strategy stated in the contract'}<br><span class="because">Because ${x.because}</span></li>`)}
</ul></section>`;
}

/** One invariant metric over the recent runs, against its threshold. */
export function trendChart(s: TrendSeries): SafeHtml {
  const n = s.points.length;
  const y = rangeOf([...s.points.map((p) => p.value), s.threshold]);
  const at = (i: number): string => s.points[i]?.at.slice(0, 16).replace('T', ' ') ?? '';
  const hasCurrent = s.points.some((p) => p.current);
  return renderChart({
    kind: 'trend',
    title: `${s.invariant} ${s.name}: ${s.metric}`,
    x: { min: -0.5, max: Math.max(0.5, n - 0.5), label: hasCurrent ? 'run (oldest left, this run right)' : 'run (oldest left, newest right)', ticks: n <= 1 ? [{ value: 0, label: at(0) }] : [{ value: 0, label: at(0) }, { value: n - 1, label: at(n - 1) }] },
    y: { ...y, label: s.unit },
    lines: [{ points: s.points.map((p, i) => [i, p.value] as const), cls: 'trend', name: s.metric }],
    marks: s.points.map((p, i) => ({ x: i, y: p.value, cls: `${p.verdict === 'fail' ? 'late' : 'measured'}${p.current ? ' current' : ''}`, title: `${p.at}${p.commit ? ` ${p.commit.slice(0, 12)}` : ''}: ${formatNumber(p.value)} ${s.unit} (${p.verdict})${p.current ? ', this run' : ''}` })),
    hlines: [{ at: s.threshold, label: `threshold ${s.op} ${formatNumber(s.threshold)}`, cls: 'threshold' }],
    caption: `Worst value of each run (over its evaluations that count); red points are runs where ${s.invariant} failed${hasCurrent ? '; the ringed point is this run' : '; this run did not measure it'}.`,
  });
}

/** The trend section (`#trend`): a chart per invariant metric that any recent run measured. */
export function trendHtml(r: ComplianceReport): SafeHtml {
  const series = (r.trend?.series ?? []).filter((s) => s.points.length > 0);
  if (!r.trend) return raw('');
  return html`<section id="trend"><h2>Trend over recent runs</h2>
<p>From <code>${r.trend.file}</code>: ${r.trend.previousRuns} earlier run(s)${r.trend.unreadableLines ? `, ${r.trend.unreadableLines} unreadable line(s) skipped` : ''}. A slow drift toward a threshold shows here before it fails.</p>
${series.length ? html`<div class="charts">${series.map(trendChart)}</div>` : html`<p class="nochart">No run in the history measured an invariant yet.</p>`}</section>`;
}

/** Every section above, in report order. */
export function contractSectionsHtml(r: ComplianceReport): SafeHtml {
  return html`${optimizationTargetsHtml(r)}${requiredMetricsHtml(r)}${recommendationsHtml(r)}${trendHtml(r)}`;
}

/** Nav links to the sections present. */
export function contractSectionsNav(r: ComplianceReport): SafeHtml {
  const links: SafeHtml[] = [];
  if (r.optimizationTargets?.length) links.push(html` · <a href="#optimization-targets">Optimization targets</a>`);
  if (r.requiredMetrics?.length) links.push(html` · <a href="#required-metrics">Required metrics</a>`);
  if (r.recommendations?.length) links.push(html` · <a href="#recommendations">Recommendations</a>`);
  if (r.trend) links.push(html` · <a href="#trend">Trend</a>`);
  return html`${links}`;
}
