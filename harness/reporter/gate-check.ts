/**
 * The gate of a `compliance.json` read back from disk (`mbot-hil report
 * --check`, `baseline save|compare`): recomputed from the evaluations the
 * report holds rather than trusted from its `gate` field, so a report merged
 * or edited elsewhere is judged by the same rules as a live run.
 */
import type { RunVerdict } from '../evaluation/model.ts';
import { counts, worse } from './build-report.ts';
import { computeGate, gateWord, type GateRequirements, type GateResult } from './gate.ts';
import type { ComplianceReport } from './report-model.ts';
import { oneLine } from './text-safety.ts';

/**
 * Recomputes the gate of `report`. Requirements: `requirements` when given
 * (source `cli`), else those the report was written with (when they were
 * applied). The stored gate also counts: a report whose own gate says
 * FAILED never passes here.
 */
export function recheckGate(report: ComplianceReport, requirements?: GateRequirements | null): GateResult {
  const invariants = report.contracts.flatMap((c) => c.invariants).map((i) => {
    let verdict: RunVerdict = 'not-run';
    const byTarget: Record<string, RunVerdict> = {};
    for (const e of i.evaluations.filter(counts)) {
      verdict = worse(verdict, e.verdict);
      byTarget[e.target.kind] = worse(byTarget[e.target.kind] ?? 'not-run', e.verdict);
    }
    return {
      id: i.id,
      verdict: worse(verdict, i.verdict),
      byTarget,
      notEvaluatedReason: i.evaluations.find((e) => e.verdict === 'not-evaluated')?.reason ?? null,
    };
  });
  const stored = report.gate.required;
  const req = requirements
    ? { ...requirements, source: 'cli' as const }
    : stored && stored.applied ? { invariants: stored.invariants, targets: stored.targets, source: stored.source } : null;
  const gate = computeGate({
    interrupted: report.run.status === 'interrupted',
    contractProblems: report.contractProblems.length,
    invalidEvaluations: report.invalidEvaluations.length,
    invariants,
    requirements: req,
    partial: report.gate.partial ?? false,
  });
  if (gate.passed && !report.gate.passed) {
    const why = oneLine((report.gate.reasons ?? []).map((r) => r.message).join('; ').slice(0, 500)) || 'no reason recorded';
    return { ...gate, passed: false, reasons: [{ code: 'failed', message: `the report's own gate says FAILED (${why})` }] };
  }
  return gate;
}

/** One line for people: `contract compliance FAILED (1 pass, ...)`, then a line per reason. */
export function describeGate(report: ComplianceReport, gate: GateResult): string {
  const s = report.summary;
  const word = gateWord(gate) === 'NOT CHECKED' ? 'FAILED' : gateWord(gate);
  const lines = [`contract compliance ${word} (${s.pass} pass, ${s.fail} fail, ${s.notEvaluated} not evaluated, ${s.notRun} not run)`];
  for (const r of gate.reasons) lines.push(`  gate: ${oneLine(r.message)}`);
  return `${lines.join('\n')}\n`;
}
