/**
 * Markdown sections shared by `compliance.md` and the CI job summary: the
 * invariant coverage matrix and the baseline comparison ("baseline vs
 * optimized", "improvement %"), plus the compact job summary itself.
 */
import { formatNumber } from '../evaluation/format.ts';
import type { RunVerdict } from '../evaluation/model.ts';
import type { BaselineComparison, EntryComparison, MetricComparison } from './baseline-model.ts';
import { buildCoverage } from './coverage.ts';
import type { ComplianceReport } from './report-model.ts';
import { gateWord } from './gate.ts';
import { mdCode, mdEscape } from './md-escape.ts';

/** How a run verdict reads in Markdown. */
export const VERDICT_LABEL: Record<RunVerdict, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  'not-evaluated': '⚠️ not evaluated',
  'not-run': '⏸ not run',
};

/** How a baseline status reads in Markdown. */
export const BASELINE_LABEL: Record<EntryComparison['status'] | MetricComparison['status'], string> = {
  pass: '✅ ok',
  regression: '❌ regression',
  inconclusive: '❔ inconclusive',
  missing: '❔ not measured',
  'no-baseline': '🆕 no baseline',
  info: 'ℹ️ info',
};

/** Escapes text for a Markdown table cell (the same rules as `mdEscape`). */
const esc = mdEscape;

/** `+12.3 %`, `-4 %`, or `n/a`. */
export function formatPercent(p: number | null): string {
  if (p === null) return 'n/a';
  const r = Math.round(p * 10) / 10;
  return `${r > 0 ? '+' : ''}${r} %`;
}

/** The coverage matrix: every invariant × target (and bench), then what never ran. */
export function renderCoverageMarkdown(r: ComplianceReport): string[] {
  const cov = r.coverage ?? buildCoverage(r.contracts);
  const cols = [...cov.targets, ...cov.benches.map((b) => `bench ${b}`)];
  const out = ['## Invariant coverage', ''];
  out.push(`| Invariant | ${cols.map(esc).join(' | ')} |`);
  out.push(`|---|${cols.map(() => '---').join('|')}|`);
  for (const i of cov.invariants) {
    const cells = [...cov.targets.map((t) => VERDICT_LABEL[i.byTarget[t] ?? 'not-run']), ...cov.benches.map((b) => VERDICT_LABEL[i.byBench[b] ?? 'not-run'])];
    out.push(`| ${esc(i.id)} ${esc(i.name)} | ${cells.join(' | ')} |`);
  }
  out.push('');
  out.push(cov.neverRan.length > 0 ? `**Never ran anywhere:** ${cov.neverRan.map(esc).join(', ')}` : 'Every invariant ran on at least one target.');
  if (cov.partial.length > 0) out.push('', `Ran on only one of sim/hardware: ${cov.partial.map(esc).join(', ')}`);
  out.push('');
  return out;
}

function targetText(t: EntryComparison['target']): string {
  return t.bench ? `${t.kind} (${t.bench})` : t.kind;
}

/** The baseline comparison table, or nothing without a `baseline` section. */
export function renderBaselineMarkdown(b: BaselineComparison | undefined, options: { onlyProblems?: boolean } = {}): string[] {
  if (!b) return [];
  const out = ['## Baseline vs current', ''];
  if (b.error) {
    out.push(`> **No comparison**: ${esc(b.error)}`, '');
    return out;
  }
  out.push(`**Regression gate: ${b.passed ? 'PASSED' : 'FAILED'}** · ${b.regressions.length} regression(s) · ${b.inconclusive.length} inconclusive · ${b.noBaseline.length} without baseline · baseline ${mdCode(b.file)} from ${esc(b.createdAt ?? 'unknown time')}${b.commit ? ` (commit ${esc(b.commit.slice(0, 12))})` : ''}`);
  out.push('');
  const entries = options.onlyProblems ? b.entries.filter((e) => e.status === 'regression' || e.status === 'inconclusive') : b.entries;
  if (entries.length > 0) {
    out.push('| Invariant | Target | Scenario | Metric | Baseline | Current | Change | Improvement | Status |');
    out.push('|---|---|---|---|---|---|---|---|---|');
    for (const e of entries) {
      for (const m of e.metrics) {
        const value = (v: number | null, n: number | null) => (v === null ? '—' : `${formatNumber(v)} ${esc(m.unit)}${n !== null ? ` (n=${n})` : ''}`);
        out.push(`| ${esc(e.invariantId)} | ${esc(targetText(e.target))} | ${esc(e.scenario)} | ${mdCode(m.name)} | ${value(m.baseline, m.baselineSamples)} | ${value(m.current, m.currentSamples)} | ${formatPercent(m.changePercent)} | ${formatPercent(m.improvementPercent)} | ${BASELINE_LABEL[m.status]}${m.note ? ` (${esc(m.note)})` : ''} |`);
      }
    }
    out.push('');
  }
  const tol = [...new Set(b.entries.map((e) => `${e.tolerancePercent} % (${e.toleranceFrom}), ≥ ${e.minSamples} samples`))];
  if (tol.length > 0) out.push(`Tolerance: ${tol.map(esc).join('; ')}.`, '');
  if (b.notMeasured.length > 0) out.push(`In the baseline but not measured now: ${b.notMeasured.map(esc).join(', ')}`, '');
  for (const p of b.problems) out.push(`- ${esc(p)}`);
  if (b.problems.length > 0) out.push('');
  return out;
}

/**
 * A compact summary for a CI job page (`$GITHUB_STEP_SUMMARY`): gate,
 * one row per invariant with sim/hardware verdicts, what never ran, the
 * failed checks, and regressions against the baseline.
 */
export function renderMarkdownSummary(r: ComplianceReport): string {
  const out: string[] = [];
  const word = gateWord({ passed: r.gate.passed, reasons: r.gate.reasons ?? [], partial: r.gate.partial ?? false });
  out.push(`### mbot-hil contract compliance: ${word === 'PASSED' ? '✅' : word === 'FAILED' ? '❌' : '⏸'} ${word}`);
  out.push('');
  for (const reason of r.gate.reasons ?? []) out.push(`- ${esc(reason.message)}`);
  if ((r.gate.reasons ?? []).length > 0) out.push('');
  out.push(`${r.summary.pass} pass · ${r.summary.fail} fail · ${r.summary.notEvaluated} not evaluated · ${r.summary.notRun} not run (of ${r.summary.invariants})${r.run.status === 'interrupted' ? ' · **run interrupted**' : ''}${r.run.merged ? ' · merged from shards' : ''}`);
  out.push('');
  const cov = r.coverage ?? buildCoverage(r.contracts);
  out.push(`| Invariant | Verdict | ${cov.targets.map(esc).join(' | ')} |${cov.benches.map((b) => ` bench ${esc(b)} |`).join('')}`);
  out.push(`|---|---|${cov.targets.map(() => '---').join('|')}|${cov.benches.map(() => '---|').join('')}`);
  for (const c of r.contracts) for (const i of c.invariants) {
    const row = cov.invariants.find((x) => x.id === i.id);
    const cells = cov.targets.map((t) => VERDICT_LABEL[row?.byTarget[t] ?? 'not-run']);
    const benches = cov.benches.map((b) => ` ${VERDICT_LABEL[row?.byBench[b] ?? 'not-run']} |`).join('');
    out.push(`| ${esc(i.id)} ${esc(i.name)} | ${VERDICT_LABEL[i.verdict]} | ${cells.join(' | ')} |${benches}`);
  }
  out.push('');
  if (cov.neverRan.length > 0) out.push(`Never ran anywhere: ${cov.neverRan.map(esc).join(', ')}`, '');
  const failed = r.contracts.flatMap((c) => c.invariants.flatMap((i) => i.evaluations.filter((e) => e.verdict !== 'pass')));
  if (failed.length > 0) {
    out.push('<details><summary>Failed and unevaluated checks</summary>', '');
    for (const e of failed.slice(0, 50)) {
      const checks = e.checks.filter((c) => c.verdict !== 'pass').map((c) => {
        const measured = Object.entries(c.measured).map(([n, m]) => `${n} = ${m ? formatNumber(m.value) : 'missing'}`).join(', ');
        return `${mdCode(c.check)} (${esc(measured)})`;
      });
      out.push(`- ${esc(e.invariant.id)} ${e.verdict} on ${esc(targetText(e.target))}: ${checks.join('; ')} · ${esc(e.test.file)} › ${esc(e.test.fullName)}`);
    }
    if (failed.length > 50) out.push(`- … and ${failed.length - 50} more (see compliance.md)`);
    out.push('', '</details>', '');
  }
  if (r.contractProblems.length > 0) out.push(`Contract problems: ${r.contractProblems.length} (see compliance.md)`, '');
  out.push(...renderBaselineMarkdown(r.baseline, { onlyProblems: true }));
  return `${out.join('\n')}\n`;
}
