/**
 * Markdown of the contract sections beyond the invariants: the optimization
 * targets, the required metrics, the recommendations and the trend over
 * recent runs. Every text that came from a contract or a test goes through
 * the `esc` the caller passes (the report's `mdEscape`), so this file does
 * not import the main renderer that includes it.
 */
import { formatNumber } from '../evaluation/format.ts';
import type { MeasuredSide, OptimizationTarget } from '../optimization/model.ts';
import type { ComplianceReport } from './report-model.ts';

/** Escapes text for a Markdown table cell. */
export type MdEscape = (text: string) => string;

/** How a target's `met` reads. */
export const MET_LABEL = { true: '✅ met', false: '❌ missed', null: '⚠️ not measured' } as const;

export function metLabel(met: boolean | null): string {
  return MET_LABEL[String(met) as 'true' | 'false' | 'null'];
}

function pct(p: number | null): string {
  if (p === null) return 'n/a';
  const r = Math.round(p * 10) / 10;
  return `${r > 0 ? '+' : ''}${formatNumber(r)} %`;
}

function side(s: MeasuredSide | null, esc: MdEscape): string {
  if (!s) return '—';
  return `${formatNumber(s.value)} ${esc(s.unit)}${s.label ? ` (${esc(s.label)})` : ''}`;
}

const op = (d: 'lower' | 'higher'): string => (d === 'lower' ? '≤' : '≥');

function targetRows(t: OptimizationTarget, esc: MdEscape): string[] {
  const strategies = t.strategies.map(esc).join(', ') || '—';
  if (t.kind === 'budget') {
    if (t.budgets.length === 0) return [`| ${esc(t.contract)} | ${esc(t.domain)} | — | — | — | — | — | ${metLabel(t.met)} | ${strategies} | ${esc(t.reason)} |`];
    return t.budgets.map((b, i) => `| ${esc(t.contract)} | ${esc(t.domain)} | \`${esc(b.metric ?? b.key)}\` | budget ${op(b.direction)} ${formatNumber(b.limit)} | — | ${side(b.measured, esc)} | — | ${i === 0 ? metLabel(t.met) : metLabel(b.met)} | ${i === 0 ? strategies : ''} | ${i === 0 ? esc(t.reason) : ''} |`);
  }
  const contract = t.contractBaseline !== null || t.contractTarget !== null
    ? `${formatNumber(t.contractBaseline)} → ${op(t.direction)} ${formatNumber(t.contractTarget)}${t.unit ? ` ${esc(t.unit)}` : ''}`
    : '—';
  const improvement = `${pct(t.improvementPercent)}${t.requiredImprovementPercent !== null ? ` (contract ${formatNumber(t.requiredImprovementPercent)} %${t.improvementRequired ? '' : ', not required'})` : ''}`;
  return [`| ${esc(t.contract)} | ${esc(t.domain)} | ${t.metric ? `\`${esc(t.metric)}\`` : '—'} | ${contract} | ${side(t.baseline, esc)} | ${side(t.optimized, esc)} | ${improvement} | ${metLabel(t.met)} | ${strategies} | ${esc(t.reason)} |`];
}

/** The optimization-targets table, or nothing when the report has no target. */
export function renderOptimizationMarkdown(r: ComplianceReport, esc: MdEscape): string[] {
  const targets = r.optimizationTargets ?? [];
  if (targets.length === 0) return [];
  const met = targets.filter((t) => t.met === true).length;
  const missed = targets.filter((t) => t.met === false).length;
  const out = ['## Optimization targets', ''];
  out.push(`${met} met · ${missed} missed · ${targets.length - met - missed} not measured (of ${targets.length}). Baseline and optimized are measured in this run (A/B); the worst optimized and the best baseline recorded count. Targets do not change the gate.`);
  out.push('');
  out.push('| Contract | Domain | Metric | Contract: baseline → target | Baseline (measured) | Optimized (measured) | Improvement | Met | Strategies | Why |');
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const t of targets) out.push(...targetRows(t, esc));
  out.push('');
  for (const p of r.optimizationProblems ?? []) out.push(`- ${esc(p)}`);
  if ((r.optimizationProblems ?? []).length > 0) out.push('');
  return out;
}

/** The required-metrics table (profiling_requirements.metrics), or nothing. */
export function renderRequiredMetricsMarkdown(r: ComplianceReport, esc: MdEscape): string[] {
  const rows = r.requiredMetrics ?? [];
  if (rows.length === 0) return [];
  const produced = rows.filter((x) => x.produced).length;
  const out = ['## Required metrics', '', `${produced} of ${rows.length} metrics the contract's profiling_requirements name were produced in this run.`, ''];
  out.push('| Contract | Required | Catalogue metric | Produced | Snapshots | Range |');
  out.push('|---|---|---|---|---|---|');
  for (const x of rows) {
    const range = x.min === null || x.max === null ? '—' : x.min === x.max ? `${formatNumber(x.min)} ${esc(x.unit ?? '')}` : `${formatNumber(x.min)} – ${formatNumber(x.max)} ${esc(x.unit ?? '')}`;
    out.push(`| ${esc(x.contract)} | ${esc(x.required)} | ${x.metric ? `\`${esc(x.metric)}\`` : 'none in the catalogue'} | ${x.produced ? '✅ yes' : '❌ no'} | ${x.snapshots} | ${range} |`);
  }
  out.push('');
  return out;
}

/** The recommendations list, or nothing. */
export function renderRecommendationsMarkdown(r: ComplianceReport, esc: MdEscape): string[] {
  const recs = r.recommendations ?? [];
  if (recs.length === 0) return [];
  const out = ['## Recommendations', ''];
  for (const x of recs) {
    const what = x.actions.length > 0 ? x.actions.map(esc).join('; ') : 'no remediation or strategy stated in the contract';
    out.push(`- **${esc(x.id)}** (${x.source === 'invariant' ? 'failed invariant' : 'missed optimization target'}, ${esc(x.contract)}): ${what}. Because ${esc(x.because)}`);
  }
  out.push('');
  return out;
}

/** A compact text trend: each invariant metric's last values, oldest first. */
export function renderTrendMarkdown(r: ComplianceReport, esc: MdEscape): string[] {
  const series = (r.trend?.series ?? []).filter((s) => s.points.length > 0);
  if (!r.trend || series.length === 0) return [];
  const out = ['## Trend over recent runs', '', `From \`${esc(r.trend.file)}\` (${r.trend.previousRuns} earlier run(s)${r.trend.unreadableLines ? `, ${r.trend.unreadableLines} unreadable line(s) skipped` : ''}); the last value is this run's when it measured the metric.`, ''];
  out.push('| Invariant | Metric | Threshold | Last runs (oldest first) |');
  out.push('|---|---|---|---|');
  for (const s of series) {
    const pts = s.points.slice(-10).map((p) => `${formatNumber(Math.round(p.value * 100) / 100)}${p.verdict === 'fail' ? '❌' : ''}${p.current ? ' (now)' : ''}`);
    const sign = s.op === '<=' ? '≤' : s.op === '>=' ? '≥' : esc(s.op);
    out.push(`| ${esc(s.invariant)} | \`${esc(s.metric)}\` | ${sign} ${formatNumber(s.threshold)} ${esc(s.unit)} | ${pts.join(' → ')} |`);
  }
  out.push('');
  return out;
}

/** Every section above, in report order. */
export function renderContractSectionsMarkdown(r: ComplianceReport, esc: MdEscape): string[] {
  return [...renderOptimizationMarkdown(r, esc), ...renderRequiredMetricsMarkdown(r, esc), ...renderRecommendationsMarkdown(r, esc), ...renderTrendMarkdown(r, esc)];
}
