/**
 * `compliance.html`: one self-contained page (inline CSS and SVG, no script,
 * no network; a Content-Security-Policy forbids both) with the gate, a
 * summary of every invariant with sim and hardware verdicts, the coverage
 * matrix, the baseline comparison, and per invariant each evaluation with
 * its spec, target, clock, seed, the command that reproduces it, and its
 * evidence as charts. Every string from a test or a contract goes through
 * the escaping `html` tag.
 */
import { formatNumber } from '../evaluation/format.ts';
import type { RunVerdict } from '../evaluation/model.ts';
import type { BaselineComparison, MetricComparison } from './baseline-model.ts';
import { buildCoverage } from './coverage.ts';
import { gateWord } from './gate.ts';
import { HTML_STYLE } from './html-style.ts';
import { evaluationCharts } from './html-evidence.ts';
import { html, raw, type SafeHtml } from './html-escape.ts';
import { formatPercent } from './markdown-sections.ts';
import type { ComplianceReport, InvariantReport, ReportedEvaluation } from './report-model.ts';
import { reproduceCommand } from './reproduce.ts';
// Contract sections beyond the invariants (optimization targets, required metrics, recommendations, trend).
import { CONTRACT_SECTIONS_STYLE, contractSectionsHtml, contractSectionsNav } from './optimization-html.ts';

const VERDICT_TEXT: Record<RunVerdict, string> = { pass: 'pass', fail: 'fail', 'not-evaluated': 'not evaluated', 'not-run': 'not run' };

function badge(v: RunVerdict): SafeHtml {
  return html`<span class="badge v-${v}">${VERDICT_TEXT[v]}</span>`;
}

const BASELINE_CLASS: Record<MetricComparison['status'], RunVerdict> = {
  pass: 'pass', regression: 'fail', inconclusive: 'not-evaluated', missing: 'not-evaluated', 'no-baseline': 'not-run', info: 'not-run',
};

function baselineBadge(status: MetricComparison['status']): SafeHtml {
  return html`<span class="badge v-${BASELINE_CLASS[status]}">${status}</span>`;
}

function targetText(t: ReportedEvaluation['target']): string {
  const parts: string[] = [t.kind];
  if (t.bench) parts.push(`bench ${t.bench}`);
  if (t.port) parts.push(`port ${t.port}`);
  parts.push(t.firmware ? `firmware ${t.firmware.name} ${t.firmware.version}` : 'firmware n/a');
  return parts.join(' · ');
}

function checksTable(e: ReportedEvaluation): SafeHtml {
  const rows = e.checks.flatMap((c) => {
    const names = Object.keys(c.measured);
    if (names.length === 0) return [html`<tr><td><code>${c.check}</code></td><td>${badge(c.verdict)}</td><td colspan="3">no metric</td></tr>`];
    return names.map((n, k) => {
      const m = c.measured[n];
      const cmp = c.comparisons.find((x) => x.metric === n);
      const thr = cmp && cmp.threshold !== undefined ? `${cmp.metricOp ?? cmp.op} ${formatNumber(cmp.threshold)}` : '—';
      return html`<tr>${k === 0 ? html`<td rowspan="${names.length}"><code>${c.check}</code></td><td rowspan="${names.length}">${badge(c.verdict)}</td>` : raw('')}<td><code>${n}</code></td><td class="num">${m ? `${formatNumber(m.value)} ${m.unit}` : 'missing'}</td><td class="num">${thr}</td><td class="num">${m ? m.samples : '—'}</td></tr>`;
    });
  });
  return html`<table class="checks"><thead><tr><th>Check</th><th>Verdict</th><th>Metric</th><th>Measured</th><th>Threshold</th><th>Samples</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function evaluationCard(e: ReportedEvaluation, id: string): SafeHtml {
  const remediation = [...new Set(e.checks.filter((c) => c.verdict !== 'pass' && c.remediation).map((c) => c.remediation as string))];
  return html`<article class="evaluation v-${e.verdict}" id="${id}">
<header>${badge(e.verdict)} <span class="testname">${e.test.fullName}</span>${e.label ? html` <span class="label">[${e.label}]</span>` : raw('')}</header>
<dl class="context">
<dt>Spec</dt><dd><code>${e.test.file}</code> (project ${e.test.project || 'default'}, test ${e.test.state})</dd>
<dt>Target</dt><dd>${targetText(e.target)}</dd>
<dt>Clock</dt><dd>${e.clock.kind}</dd>
<dt>Seed</dt><dd>${e.seed ?? 'n/a'}</dd>
<dt>Samples</dt><dd>${e.sampleCount}</dd>
<dt>Reproduce</dt><dd><code class="cmd">${reproduceCommand(e)}</code></dd>
</dl>
${e.reason ? html`<p class="reason">Not evaluated: ${e.reason}</p>` : raw('')}
${checksTable(e)}
${remediation.length ? html`<p class="remediation">Remediation: ${remediation.join(' | ')}</p>` : raw('')}
${evaluationCharts(e)}
</article>`;
}

function summaryTable(r: ComplianceReport): SafeHtml {
  // The worst baseline status of the invariant's entries.
  const rank = { pass: 0, 'no-baseline': 1, inconclusive: 2, regression: 3 } as const;
  const base = new Map<string, keyof typeof rank>();
  for (const e of r.baseline?.entries ?? []) {
    const had = base.get(e.invariantId);
    if (had === undefined || rank[e.status] > rank[had]) base.set(e.invariantId, e.status);
  }
  const rows = r.contracts.flatMap((c) => c.invariants.map((i, k) => html`<tr>
<td>${c.name}</td><td><a href="#inv-${c.name}-${k}">${i.id}</a></td><td>${i.name}</td><td>${badge(i.verdict)}</td>
<td>${badge(i.byTarget.sim ?? 'not-run')}</td><td>${badge(i.byTarget.hardware ?? 'not-run')}</td>
<td class="num">${i.evaluations.length}</td><td>${i.checks.map((ch) => html`<code>${ch}</code> `)}</td>${r.baseline ? html`<td>${base.has(i.id) ? baselineBadge(base.get(i.id) as MetricComparison['status']) : '—'}</td>` : raw('')}</tr>`));
  return html`<table class="summary"><thead><tr><th>Contract</th><th>Invariant</th><th>Name</th><th>Verdict</th><th>sim</th><th>hardware</th><th>Evaluations</th><th>Threshold</th>${r.baseline ? html`<th>vs baseline</th>` : raw('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

function coverageSection(r: ComplianceReport): SafeHtml {
  const cov = r.coverage ?? buildCoverage(r.contracts);
  const head = [...cov.targets.map((t) => html`<th>${t}</th>`), ...cov.benches.map((b) => html`<th>bench ${b}</th>`)];
  const rows = cov.invariants.map((i) => html`<tr><td>${i.id} ${i.name}</td>${cov.targets.map((t) => html`<td>${badge(i.byTarget[t] ?? 'not-run')}</td>`)}${cov.benches.map((b) => html`<td>${badge(i.byBench[b] ?? 'not-run')}</td>`)}</tr>`);
  return html`<section id="coverage"><h2>Invariant coverage</h2>
<table class="coverage"><thead><tr><th>Invariant</th>${head}</tr></thead><tbody>${rows}</tbody></table>
<p>${cov.neverRan.length ? html`<strong>Never ran anywhere:</strong> ${cov.neverRan.join(', ')}` : 'Every invariant ran on at least one target.'}${cov.partial.length ? html` · Ran on only one of sim/hardware: ${cov.partial.join(', ')}` : raw('')}</p></section>`;
}

function baselineSection(b: BaselineComparison | undefined): SafeHtml {
  if (!b) return raw('');
  if (b.error) return html`<section id="baseline"><h2>Baseline vs current</h2><p class="banner v-fail">No comparison: ${b.error}</p></section>`;
  const rows = b.entries.flatMap((e) => e.metrics.map((m) => html`<tr class="b-${m.status}"><td>${e.invariantId}</td><td>${e.target.kind}${e.target.bench ? ` (${e.target.bench})` : ''}</td><td>${e.scenario}</td><td><code>${m.name}</code></td>
<td class="num">${m.baseline === null ? '—' : `${formatNumber(m.baseline)} ${m.unit}`}</td><td class="num">${m.current === null ? '—' : `${formatNumber(m.current)} ${m.unit}`}</td>
<td class="num">${formatPercent(m.changePercent)}</td><td class="num">${formatPercent(m.improvementPercent)}</td><td>${baselineBadge(m.status)}${m.note ? html` <small>${m.note}</small>` : raw('')}</td></tr>`));
  return html`<section id="baseline"><h2>Baseline vs current</h2>
<p class="banner v-${b.passed ? 'pass' : 'fail'}">Regression gate ${b.passed ? 'PASSED' : 'FAILED'}: ${b.regressions.length} regression(s), ${b.inconclusive.length} inconclusive, ${b.noBaseline.length} without baseline. Baseline <code>${b.file}</code> from ${b.createdAt ?? 'unknown'}${b.commit ? ` (commit ${b.commit.slice(0, 12)})` : ''}.</p>
<table class="baseline"><thead><tr><th>Invariant</th><th>Target</th><th>Scenario</th><th>Metric</th><th>Baseline</th><th>Current</th><th>Change</th><th>Improvement</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>
${b.notMeasured.length ? html`<p>In the baseline but not measured now: ${b.notMeasured.join(', ')}</p>` : raw('')}
${b.problems.length ? html`<ul>${b.problems.map((p) => html`<li>${p}</li>`)}</ul>` : raw('')}</section>`;
}

function invariantSection(contract: string, i: InvariantReport, k: number): SafeHtml {
  const cards = i.evaluations.map((e, n) => evaluationCard(e, `ev-${contract}-${k}-${n}`));
  return html`<section class="invariant v-${i.verdict}" id="inv-${contract}-${k}">
<h3>${badge(i.verdict)} ${i.id} ${i.name}</h3>
${i.description ? html`<p class="description">${i.description}</p>` : raw('')}
<p class="thresholds">Checks: ${i.checks.map((c) => html`<code>${c}</code> `)}${i.severity ? html` · severity ${i.severity}` : raw('')}${i.enforcement ? html` · enforcement ${i.enforcement}` : raw('')}</p>
${cards.length ? cards : html`<p class="nochart">No spec evaluated this invariant in this run, so there is no evidence to show.</p>`}
</section>`;
}

function listSection(title: string, note: string, items: readonly ReportedEvaluation[]): SafeHtml {
  if (items.length === 0) return raw('');
  return html`<section><h2>${title}</h2><p>${note}</p><ul>${items.map((e) => html`<li>${e.invariant.id} ${badge(e.verdict)} assertion ${e.assertionPassed ? 'held' : 'failed'}${e.negated ? ' (.not)' : ''} · <code>${e.test.file}</code> › ${e.test.fullName}</li>`)}</ul></section>`;
}

/** Renders the whole report as one self-contained HTML document. */
export function renderHtml(r: ComplianceReport): string {
  const run = r.run;
  const runLine = `Run ${run.status} · started ${run.startedAt}${run.durationMs !== null ? ` · ${(run.durationMs / 1000).toFixed(1)} s` : ''} · commit ${run.commit ?? 'unknown'} · projects ${run.projects.join(', ') || 'n/a'}${run.merged ? ' · merged from shards' : ''}${run.shard ? ` · shard ${run.shard}` : ''} · tests ${run.tests.passed} passed, ${run.tests.failed} failed, ${run.tests.skipped} skipped · node ${run.node} · vitest ${run.vitest ?? 'n/a'} · ${run.platform}`;
  // One word for the gate everywhere (console, compliance.md, this page): a filtered run that evaluated nothing is NOT CHECKED.
  const word = gateWord({ passed: r.gate.passed, reasons: r.gate.reasons ?? [], partial: r.gate.partial ?? false });
  const gateClass = word === 'PASSED' ? 'pass' : word === 'FAILED' ? 'fail' : 'not-evaluated';
  const body = html`<header class="top"><h1>Contract compliance</h1>
<p class="banner v-${gateClass}" id="gate">Gate ${word} · ${r.summary.pass} pass · ${r.summary.fail} fail · ${r.summary.notEvaluated} not evaluated · ${r.summary.notRun} not run (of ${r.summary.invariants})</p>
${run.status === 'interrupted' ? html`<p class="banner v-not-evaluated">Interrupted run: ${run.statusReason ?? 'the run did not finish'}. Verdicts cover only what ran.</p>` : raw('')}
<p class="run">${runLine}</p>
<nav><a href="#summary">Summary</a> · <a href="#coverage">Coverage</a>${r.baseline ? html` · <a href="#baseline">Baseline</a>` : raw('')}${contractSectionsNav(r)} · ${r.contracts.map((c) => html`<a href="#contract-${c.name}">${c.title}</a> `)}</nav></header>
${r.contractProblems.length ? html`<section><h2>Contract problems</h2><ul>${r.contractProblems.map((p) => html`<li><code>${p.code}</code> ${p.message}</li>`)}</ul></section>` : raw('')}
<section id="summary"><h2>Summary</h2>${summaryTable(r)}</section>
${coverageSection(r)}
${baselineSection(r.baseline)}
${contractSectionsHtml(r)}
${r.contracts.map((c) => html`<section class="contract" id="contract-${c.name}"><h2>${c.title} <small>(${c.name}${c.version ? ` v${c.version}` : ''}, <code>${c.file}</code>)</small> ${badge(c.verdict)}</h2>${c.invariants.map((i, k) => invariantSection(c.name, i, k))}</section>`)}
${listSection('Harness self-checks (not counted)', 'Negated assertions and hand-given values prove the harness can fail; they say nothing about the robot.', r.selfChecks)}
${listSection('Evaluations of invariants no contract declares', 'The contract changed since these specs were written, or failed to load.', r.orphans)}
${r.invalidEvaluations.length ? html`<section><h2>Unreadable evaluations</h2><ul>${r.invalidEvaluations.map((x) => html`<li><code>${x.test.file}</code> › ${x.test.fullName}: ${x.issues}</li>`)}</ul></section>` : raw('')}
<footer>Generated by mbot-hil from compliance.json (schema ${r.schema} v${r.schemaVersion}). Self-contained: no script, no network.</footer>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Contract compliance: ${word}</title>
<style>${HTML_STYLE}${CONTRACT_SECTIONS_STYLE}</style></head>
<body>${body.value}</body></html>
`;
}
