import { formatContext, formatNumber } from '../evaluation/format.ts';
import type { RunVerdict } from '../evaluation/model.ts';
import { renderBaselineMarkdown, renderCoverageMarkdown, VERDICT_LABEL } from './markdown-sections.ts';
import type { ComplianceReport, ReportedEvaluation } from './report-model.ts';
import { reproduceCommand } from './reproduce.ts';
import { gateWord } from './gate.ts';
import { mdCode, mdEscape } from './md-escape.ts';
// Contract sections beyond the invariants (optimization targets, required metrics, recommendations, trend).
import { renderContractSectionsMarkdown } from './optimization-markdown.ts';

const LABEL: Record<RunVerdict, string> = VERDICT_LABEL;

export { mdEscape };
const code = mdCode;

function measuredLine(e: ReportedEvaluation): string {
  const parts: string[] = [];
  for (const c of e.checks) {
    for (const [name, m] of Object.entries(c.measured)) {
      const cmp = c.comparisons.find((x) => x.metric === name);
      const threshold = cmp && cmp.threshold !== undefined ? ` (${cmp.metricOp ?? cmp.op} ${formatNumber(cmp.threshold)})` : '';
      parts.push(m ? `${code(name)} = ${formatNumber(m.value)} ${m.unit}${threshold}, n=${m.samples}` : `${code(name)} missing${threshold}`);
    }
  }
  return parts.join('; ');
}

function evaluationRow(e: ReportedEvaluation): string {
  const spec = `${mdEscape(e.test.file)} › ${mdEscape(e.test.fullName)}${e.label ? ` [${mdEscape(e.label)}]` : ''}`;
  return `| ${LABEL[e.verdict]} | ${measuredLine(e)} | ${spec} | ${mdEscape(e.test.project)} | ${mdEscape(formatContext(e))} |`;
}

/**
 * Renders the report for people (and CI job summaries): the gate, a summary
 * table of every invariant, then per invariant the measured values against
 * their thresholds with where each came from.
 */
export function renderMarkdown(r: ComplianceReport): string {
  const out: string[] = [];
  out.push('# Contract compliance');
  out.push('');
  if (r.run.status === 'interrupted') {
    out.push(`> **Interrupted run**: ${mdEscape(r.run.statusReason ?? 'the run did not finish')}. Verdicts below cover only what ran.`);
    out.push('');
  }
  out.push(`**Gate: ${gateWord({ passed: r.gate.passed, reasons: r.gate.reasons ?? [], partial: r.gate.partial ?? false })}** · ${r.summary.pass} pass · ${r.summary.fail} fail · ${r.summary.notEvaluated} not evaluated · ${r.summary.notRun} not run (of ${r.summary.invariants})`);
  out.push('');
  for (const reason of r.gate.reasons ?? []) out.push(`- ${mdEscape(reason.message)}`);
  if ((r.gate.reasons ?? []).length > 0) out.push('');
  if (r.gate.required && !r.gate.required.applied) out.push('The required invariants were not checked: this run was filtered.', '');
  out.push(`Run ${r.run.status} · started ${r.run.startedAt}${r.run.durationMs !== null ? ` · ${(r.run.durationMs / 1000).toFixed(1)} s` : ''} · commit ${r.run.commit ?? 'unknown'} · projects ${r.run.projects.join(', ') || 'n/a'}${r.run.merged ? ' · merged from shards' : ''}${r.run.shard ? ` · shard ${r.run.shard}` : ''} · tests ${r.run.tests.passed} passed, ${r.run.tests.failed} failed, ${r.run.tests.skipped} skipped`);
  out.push('');

  if (r.contractProblems.length > 0) {
    out.push('## Contract problems');
    out.push('');
    for (const p of r.contractProblems) out.push(`- \`${p.code}\` ${mdEscape(p.message)}`);
    out.push('');
  }

  out.push('## Summary');
  out.push('');
  out.push('| Contract | Invariant | Name | Verdict | sim | hardware | Evaluations | Threshold |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const c of r.contracts) {
    for (const i of c.invariants) {
      const t = (k: string) => (i.byTarget[k] ? LABEL[i.byTarget[k]] : LABEL['not-run']);
      out.push(`| ${mdEscape(c.name)} | ${mdEscape(i.id)} | ${mdEscape(i.name)} | ${LABEL[i.verdict]} | ${t('sim')} | ${t('hardware')} | ${i.evaluations.length} | ${i.checks.map(code).join('<br>')} |`);
    }
  }
  out.push('');
  out.push(...renderCoverageMarkdown(r));
  out.push(...renderBaselineMarkdown(r.baseline));
  out.push(...renderContractSectionsMarkdown(r, mdEscape));

  for (const c of r.contracts) {
    out.push(`## ${mdEscape(c.title)} (${mdEscape(c.name)}${c.version ? ` v${mdEscape(c.version)}` : ''})`);
    out.push('');
    for (const i of c.invariants) {
      out.push(`### ${mdEscape(i.id)} ${mdEscape(i.name)}: ${LABEL[i.verdict]}`);
      out.push('');
      if (i.description) out.push(`${mdEscape(i.description)}`, '');
      if (i.evaluations.length === 0) {
        out.push('No spec evaluated this invariant in this run.', '');
        continue;
      }
      out.push('| Verdict | Measured (threshold, samples) | Spec | Project | Target · clock · seed |');
      out.push('|---|---|---|---|---|');
      for (const e of i.evaluations) out.push(evaluationRow(e));
      out.push('');
      const commands = [...new Set(i.evaluations.filter((e) => e.verdict !== 'pass').map(reproduceCommand))];
      // A fence longer than any backtick run in the commands cannot be closed by a test name.
      const fence = '`'.repeat(Math.max(3, ...commands.map((c) => Math.max(0, ...(c.match(/`+/g) ?? []).map((m) => m.length + 1)))));
      if (commands.length > 0) out.push('Reproduce:', '', `${fence}sh`, ...commands, fence, '');
      const remediation = [...new Set(i.evaluations.filter((e) => e.verdict !== 'pass').flatMap((e) => e.checks.map((ch) => ch.remediation)).filter((x): x is string => !!x))];
      if (remediation.length > 0) out.push(`Remediation: ${mdEscape(remediation.join(' | '))}`, '');
    }
  }

  if (r.selfChecks.length > 0) {
    out.push('## Harness self-checks (not counted)');
    out.push('');
    out.push('Negated assertions and hand-given values prove the harness can fail; they say nothing about the robot.');
    out.push('');
    out.push('| Invariant | Verdict | Assertion | Spec |');
    out.push('|---|---|---|---|');
    for (const e of r.selfChecks) {
      out.push(`| ${mdEscape(e.invariant.id)} | ${LABEL[e.verdict]} | ${e.assertionPassed ? 'held' : 'failed'}${e.negated ? ' (.not)' : ''} | ${mdEscape(e.test.file)} › ${mdEscape(e.test.fullName)} |`);
    }
    out.push('');
  }
  if (r.orphans.length > 0) {
    out.push('## Evaluations of invariants no contract declares');
    out.push('');
    for (const e of r.orphans) out.push(`- ${mdEscape(e.invariant.id)} from ${mdEscape(e.test.file)} › ${mdEscape(e.test.fullName)}`);
    out.push('');
  }
  if (r.invalidEvaluations.length > 0) {
    out.push('## Unreadable evaluations');
    out.push('');
    for (const x of r.invalidEvaluations) out.push(`- ${mdEscape(x.test.file)} › ${mdEscape(x.test.fullName)}: ${mdEscape(x.issues)}`);
    out.push('');
  }
  return out.join('\n');
}
