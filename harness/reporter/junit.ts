/**
 * JUnit XML for CI test-report widgets, one file per Vitest project
 * (`junit-<project>.xml`): a `testsuite` per contract, a `testcase` per
 * invariant evaluation made in that project, and a skipped `testcase` for
 * each invariant that project never evaluated (so coverage gaps show).
 * A failed or unevaluated invariant carries a `<failure>` listing each
 * check with measured value and threshold. Self-checks are left out.
 */
import { formatCheck, formatContext, formatNumber } from '../evaluation/format.ts';
import type { ComplianceReport, ReportedEvaluation } from './report-model.ts';
import { reproduceCommand } from './reproduce.ts';

/**
 * Escapes text for XML content and double- or single-quoted attributes;
 * characters XML 1.0 cannot hold (most C0 controls, lone surrogates,
 * U+FFFE/U+FFFF) become U+FFFD.
 */
export function xmlEscape(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** A file-name-safe form of a project name (`''` becomes `default`). */
export function junitFileName(project: string): string {
  const safe = project.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return `junit-${safe || 'default'}.xml`;
}

/** Every project the report knows: the run's, plus any an evaluation names. */
export function reportProjects(report: ComplianceReport): string[] {
  const names = new Set(report.run.projects);
  for (const c of report.contracts) for (const i of c.invariants) for (const e of i.evaluations) names.add(e.test.project);
  return [...names];
}

const attrs = (a: Record<string, string | number>) => Object.entries(a).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('');

function failureText(e: ReportedEvaluation): string {
  const lines = [`${e.invariant.id} ${e.invariant.name}: ${e.verdict}${e.reason ? ` (${e.reason})` : ''}`];
  for (const c of e.checks) lines.push(...formatCheck(c));
  lines.push(`  ${formatContext(e)} · ${e.sampleCount} samples`);
  const remediation = [...new Set(e.checks.filter((c) => c.verdict !== 'pass' && c.remediation).map((c) => c.remediation as string))];
  if (remediation.length > 0) lines.push(`  remediation: ${remediation.join(' | ')}`);
  lines.push(`  reproduce: ${reproduceCommand(e)}`);
  return lines.join('\n');
}

function failureMessage(e: ReportedEvaluation): string {
  if (e.verdict === 'not-evaluated') return `not evaluated: ${e.reason ?? 'a metric is missing'}`;
  const parts: string[] = [];
  for (const c of e.checks) {
    for (const cmp of c.comparisons) {
      if (cmp.passed !== false) continue;
      const m = cmp.metric !== undefined ? c.measured[cmp.metric] : undefined;
      parts.push(cmp.metric !== undefined && cmp.threshold !== undefined
        ? `${cmp.metric} = ${formatNumber(m?.value)}${m ? ` ${m.unit}` : ''} violates ${cmp.metricOp ?? cmp.op} ${formatNumber(cmp.threshold)}`
        : `${cmp.left} ${cmp.op} ${cmp.right} is false (${formatNumber(cmp.leftValue)} ${cmp.op} ${formatNumber(cmp.rightValue)})`);
    }
  }
  return parts.join('; ') || `${e.invariant.id} failed`;
}

function testcase(e: ReportedEvaluation, contract: string): string {
  const name = `${e.invariant.id} ${e.invariant.name} · ${e.test.fullName}${e.label ? ` [${e.label}]` : ''}`;
  const time = e.test.durationMs !== null ? (e.test.durationMs / 1000).toFixed(3) : '0';
  const props = [
    ['target', e.target.kind], ['port', e.target.port], ['bench', e.target.bench],
    ['firmware', e.target.firmware ? `${e.target.firmware.name} ${e.target.firmware.version}` : undefined],
    ['clock', e.clock.kind], ['seed', e.seed === null ? undefined : String(e.seed)], ['samples', String(e.sampleCount)],
    ['spec', e.test.file], ['reproduce', reproduceCommand(e)],
  ].filter((p): p is [string, string] => p[1] !== undefined);
  const out = [`    <testcase${attrs({ classname: `${contract}.${e.invariant.id}`, name, file: e.test.file, time })}>`];
  out.push('      <properties>', ...props.map(([k, v]) => `        <property${attrs({ name: k, value: v })}/>`), '      </properties>');
  if (e.verdict !== 'pass') {
    out.push(`      <failure${attrs({ message: failureMessage(e), type: e.verdict })}>${xmlEscape(failureText(e))}</failure>`);
  }
  out.push('    </testcase>');
  return out.join('\n');
}

/** The JUnit XML of one project's invariant evaluations. */
export function renderJunit(report: ComplianceReport, project: string): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const c of report.contracts) {
    const cases: string[] = [];
    let cFail = 0;
    let cSkip = 0;
    let seconds = 0;
    for (const i of c.invariants) {
      const mine = i.evaluations.filter((e) => e.test.project === project);
      for (const e of mine) {
        cases.push(testcase(e, c.name));
        if (e.verdict !== 'pass') cFail++;
        seconds += (e.test.durationMs ?? 0) / 1000;
      }
      if (mine.length === 0) {
        cSkip++;
        cases.push(`    <testcase${attrs({ classname: `${c.name}.${i.id}`, name: `${i.id} ${i.name}`, time: '0' })}>\n      <skipped${attrs({ message: `not run: no spec evaluated ${i.id} in project "${project}"` })}/>\n    </testcase>`);
      }
    }
    tests += cases.length;
    failures += cFail;
    skipped += cSkip;
    suites.push(`  <testsuite${attrs({ name: `${c.name} (${c.title}${c.version ? ` v${c.version}` : ''})`, tests: cases.length, failures: cFail, errors: 0, skipped: cSkip, time: seconds.toFixed(3), timestamp: report.run.startedAt, file: c.file })}>\n${cases.join('\n')}\n  </testsuite>`);
  }
  if (report.contractProblems.length > 0) {
    const cases = report.contractProblems.map((p) => `    <testcase${attrs({ classname: 'contracts', name: `${p.code} ${p.file ?? ''}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}` })}>\n      <error${attrs({ message: p.message, type: p.code })}/>\n    </testcase>`);
    tests += cases.length;
    suites.push(`  <testsuite${attrs({ name: 'contract problems', tests: cases.length, failures: 0, errors: cases.length, skipped: 0 })}>\n${cases.join('\n')}\n  </testsuite>`);
  }
  const errors = report.contractProblems.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs({ name: `mbot-hil contract compliance (${project || 'default'})`, tests, failures, errors, skipped })}>\n${suites.join('\n')}\n</testsuites>\n`;
}
