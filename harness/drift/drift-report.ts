/**
 * The drift report: `reports/drift.json` (the data), `drift.md` (the table
 * for a pull request or a job summary), `drift.html` (the table plus
 * charts, drift-html.ts), and the plain-text table the command prints.
 * Every string that came from a recording (firmware name, spec file,
 * bench label) is escaped for its format: a recording is untrusted input.
 */
import { join } from 'node:path';
import { mdEscape } from '../reporter/md-escape.ts';
import { oneLine } from '../reporter/text-safety.ts';
import { writeFileAtomic } from '../reporter/write-atomic.ts';
import type { DriftRow } from './compare.ts';
import type { DriftResult } from './drift-run.ts';
import { fmt, parameterCells, withUnit } from './drift-format.ts';
import { renderDriftHtml } from './drift-html.ts';

/** `kind` of drift.json. */
export const DRIFT_REPORT_KIND = 'mbot-hil/drift-report';
/** Version of drift.json's shape. */
export const DRIFT_REPORT_VERSION = 1;

/** Counts of a table's verdicts. */
export interface DriftSummary {
  compared: number;
  same: number;
  drift: number;
  notApplicable: number;
}

/** drift.json. */
export interface DriftReport extends DriftResult {
  kind: typeof DRIFT_REPORT_KIND;
  version: typeof DRIFT_REPORT_VERSION;
  createdAt: string;
  summary: DriftSummary;
  summaryAfterFit?: DriftSummary;
}

/** Counts the verdicts of `rows`. */
export function summarize(rows: readonly DriftRow[]): DriftSummary {
  const same = rows.filter((r) => r.verdict === 'same').length;
  const drift = rows.filter((r) => r.verdict === 'drift').length;
  return { compared: same + drift, same, drift, notApplicable: rows.length - same - drift };
}

/** The report of a drift run. */
export function buildDriftReport(result: DriftResult, createdAt: Date = new Date()): DriftReport {
  return {
    kind: DRIFT_REPORT_KIND,
    version: DRIFT_REPORT_VERSION,
    createdAt: createdAt.toISOString(),
    ...result,
    summary: summarize(result.rows),
    ...(result.fit ? { summaryAfterFit: summarize(result.fit.rowsAfterFit) } : {}),
  };
}

function verdictWord(v: DriftRow['verdict']): string {
  return v === 'drift' ? 'DRIFT' : v === 'same' ? 'same' : 'n/a';
}

/** The plain-text table the command prints (one line a row, terminal-safe). */
export function renderDriftText(report: DriftReport): string {
  const fit = report.fit;
  const header = ['quantity', 'recorded', 'simulator', ...(fit ? ['fitted sim'] : []), 'tolerance', 'verdict'];
  const lines: string[][] = [header];
  report.rows.forEach((r, i) => {
    const after = fit?.rowsAfterFit[i];
    const rmsOnly = r.recorded === undefined && r.simulated === undefined && r.difference !== undefined;
    lines.push([
      `${r.section}: ${r.quantity}`,
      rmsOnly ? '' : withUnit(r.recorded, r.unit),
      rmsOnly ? withUnit(r.difference, r.unit) : withUnit(r.simulated, r.unit),
      ...(fit ? [after === undefined ? '—' : rmsOnly ? withUnit(after.difference, after.unit) : withUnit(after.simulated, after.unit)] : []),
      r.tolerance,
      `${verdictWord(r.verdict)}${fit && after ? ` → ${verdictWord(after.verdict)}` : ''}`,
    ].map(oneLine));
  });
  const cut = (cell: string, max: number): string => (cell.length > max ? `${cell.slice(0, max - 1)}…` : cell);
  const maxWidth = (c: number): number => (c === 0 ? 58 : 24);
  const widths = header.map((_, c) => Math.min(maxWidth(c), Math.max(...lines.map((l) => (l[c] ?? '').length))));
  const table = lines.map((l) => l.map((cell, c) => (c === l.length - 1 ? cell : cut(cell, maxWidth(c)).padEnd(widths[c] ?? 0))).join('  ').trimEnd());
  const s = report.summary;
  const out = [
    `mbot-hil drift: ${oneLine(report.recording.path)} (${report.recording.sessions.length} session(s)) against the simulator${report.profile ? ` with profile ${oneLine(report.profile.name ?? '(unnamed)')}` : ' (defaults)'}`,
    '',
    ...table,
    '',
    `${s.drift} of ${s.compared} quantities drift beyond their tolerance${report.summaryAfterFit ? `; with the fitted profile: ${report.summaryAfterFit.drift} of ${report.summaryAfterFit.compared}` : ''}.`,
  ];
  if (fit) {
    out.push('', 'fitted parameters:');
    const cells = [['parameter', 'simulator', 'fitted', 'known', 'error'], ...fit.parameters.map(parameterCells)].map((r) => r.map(oneLine));
    const w = cells[0]!.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
    out.push(...cells.map((r) => r.map((cell, c) => cell.padEnd(w[c] ?? 0)).join('  ').trimEnd()));
    if (fit.result.drive) out.push(`drive fit: sonar rms ${fmt(fit.result.drive.rmsCm)} cm over ${fit.result.drive.readings} readings (the simulator's defaults: ${fmt(fit.result.drive.defaultRmsCm)} cm)`);
    for (const w2 of fit.result.warnings) out.push(`warning: ${oneLine(w2)}`);
  }
  for (const n of report.notes) out.push(`note: ${oneLine(n)}`);
  for (const s2 of report.recording.sessions) for (const a of s2.assumptions) out.push(`assumed (session ${s2.index}): ${oneLine(a)}`);
  return `${out.join('\n')}\n`;
}

function mdRow(cells: readonly string[]): string {
  return `| ${cells.map(mdEscape).join(' | ')} |`;
}

/** drift.md. */
export function renderDriftMarkdown(report: DriftReport): string {
  const fit = report.fit;
  const out: string[] = [
    '# Drift between the simulator and the recording',
    '',
    `Recording: ${mdEscape(report.recording.path)} (${report.recording.sessions.length} session(s)${report.recording.truncated ? ', cut short' : ''}). Simulator: ${report.profile ? `profile ${mdEscape(report.profile.name ?? '(unnamed)')}` : 'its defaults'}. Made ${mdEscape(report.createdAt)}.`,
    '',
    `**${report.summary.drift} of ${report.summary.compared}** quantities drift beyond their tolerance${report.summaryAfterFit ? `; with the fitted profile **${report.summaryAfterFit.drift} of ${report.summaryAfterFit.compared}**` : ''}.`,
    '',
    '## Sessions',
    '',
    mdRow(['#', 'spec files', 'target', 'clock', 'seed', 'wiring', 'duration']),
    mdRow(['---', '---', '---', '---', '---', '---', '---']),
    ...report.recording.sessions.map((s) => mdRow([String(s.index), s.files.join(', ') || '—', s.target, s.clock, s.seed === null ? '—' : String(s.seed), s.wiring, `${fmt(s.durationMs / 1000)} s`])),
    '',
    '## Comparison',
    '',
    mdRow(['section', 'quantity', 'recorded', 'simulator', ...(fit ? ['fitted simulator'] : []), 'tolerance', 'verdict', ...(fit ? ['after fit'] : [])]),
    mdRow(['---', '---', '---:', '---:', ...(fit ? ['---:'] : []), '---', '---', ...(fit ? ['---'] : [])]),
  ];
  report.rows.forEach((r, i) => {
    const after = fit?.rowsAfterFit[i];
    const rmsOnly = r.recorded === undefined && r.simulated === undefined && r.difference !== undefined;
    out.push(
      mdRow([
        r.section,
        r.quantity,
        rmsOnly ? '' : withUnit(r.recorded, r.unit),
        rmsOnly ? `rms ${withUnit(r.difference, r.unit)}` : withUnit(r.simulated, r.unit),
        ...(fit ? [after === undefined ? '—' : rmsOnly ? `rms ${withUnit(after.difference, after.unit)}` : withUnit(after.simulated, after.unit)] : []),
        r.tolerance,
        verdictWord(r.verdict),
        ...(fit ? [after ? verdictWord(after.verdict) : '—'] : []),
      ]),
    );
  });
  if (fit) {
    out.push('', '## Fitted parameters', '', mdRow(['parameter', 'simulator', 'fitted', 'known (the recording\'s profile)', 'error']), mdRow(['---', '---:', '---:', '---:', '---:']));
    out.push(...fit.parameters.map((p) => mdRow(parameterCells(p))));
    if (fit.result.drive) out.push('', `Drive fit: sonar rms ${fmt(fit.result.drive.rmsCm)} cm over ${fit.result.drive.readings} readings (the simulator's defaults: ${fmt(fit.result.drive.defaultRmsCm)} cm).`);
    if (fit.result.warnings.length > 0) out.push('', ...fit.result.warnings.map((w) => `- warning: ${mdEscape(w)}`));
  }
  const notes = [...report.notes, ...report.recording.sessions.flatMap((s) => s.assumptions.map((a) => `session ${s.index}: assumed ${a}`))];
  if (notes.length > 0) out.push('', '## Notes', '', ...notes.map((n) => `- ${mdEscape(n)}`));
  return `${out.join('\n')}\n`;
}

/** Writes drift.json, drift.md and drift.html into `dir`; returns their paths. Throws HIL_REPORT_WRITE_FAILED. */
export function writeDriftReports(report: DriftReport, dir: string): string[] {
  const files = [join(dir, 'drift.json'), join(dir, 'drift.md'), join(dir, 'drift.html')];
  writeFileAtomic(files[0] as string, `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(files[1] as string, renderDriftMarkdown(report));
  writeFileAtomic(files[2] as string, renderDriftHtml(report));
  return files;
}
