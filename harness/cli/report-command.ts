/**
 * `mbot-hil report`: re-renders the human and CI formats (Markdown, HTML,
 * JUnit) from a `compliance.json`, e.g. after downloading one from CI, or
 * after `--merge-reports` on another machine; optionally compares it with a
 * baseline first.
 */
import { parseArgs } from 'node:util';
import { dirname, join, relative, resolve } from 'node:path';
import { HilError } from '../errors.ts';
import { describeLock, LOCK_FILE, lockIsLive, readLock } from '../reporter/report-lock.ts';
import { baselineSection } from '../reporter/baseline-store.ts';
import { GATE_EXIT_CODE, type GateRequirements } from '../reporter/gate.ts';
import { describeGate, recheckGate } from '../reporter/gate-check.ts';
import { buildCoverage } from '../reporter/coverage.ts';
import { renderMarkdownSummary } from '../reporter/markdown-sections.ts';
import { appendStepSummary, readComplianceReport, REPORT_FORMATS, writeReportFiles, type ReportFormat } from '../reporter/report-files.ts';
import { UsageError, type CliIo, type Command } from './command.ts';
import { numberOption, PROCESS_IO, reportError } from './cli-support.ts';
import { contractsForTolerances } from './tolerance-contracts.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const HELP = `Usage: mbot-hil report [--from FILE] [--out DIR] [--format LIST] [--baseline FILE]
                       [--tolerance PCT] [--min-samples N] [--summary] [--step-summary]
       mbot-hil report --check FILE [--require-invariants LIST] [--require-targets LIST]

Re-renders the reports from a compliance.json: compliance.md,
compliance.html (self-contained, with charts) and junit-<project>.xml.

--check gates a compliance.json (a merged lab report, one downloaded from
CI) without writing anything: the gate is recomputed from the evaluations
the file holds. Exit 0 when it passes, ${GATE_EXIT_CODE} when it fails (a failed,
unevaluated or required-but-missing invariant, no invariant at all, a
contract problem, an interrupted run), 2 when the file cannot be read.

Options:
  --from FILE       the compliance.json (default reports/compliance.json)
  --out DIR         where to write (default: the directory of --from)
  --format LIST     comma-separated: ${REPORT_FORMATS.join(',')} (default md,html,junit;
                    json is added when --baseline changes the report)
  --baseline FILE   compare with this baseline and add the comparison to every format
  --tolerance PCT   with --baseline: default regression tolerance in percent
  --min-samples N   with --baseline: default minimum sample count
  --summary         print the compact Markdown summary (as for a CI job page)
  --step-summary    append that summary to $GITHUB_STEP_SUMMARY
  --check FILE      gate FILE (see above); nothing is written
  --require-invariants LIST
                    with --check: 'all' or comma-separated ids that must pass
  --require-targets LIST
                    with --check: comma-separated target kinds (sim,hardware)
                    every required invariant must pass on
  -h, --help        show this help`;

function requirementsOption(invariants: string | undefined, targets: string | undefined): GateRequirements | null {
  if (invariants === undefined && targets === undefined) return null;
  const split = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  if (targets !== undefined && split(targets).length === 0) throw new UsageError('--require-targets takes a comma-separated list such as sim,hardware');
  if (invariants !== undefined && invariants.trim() !== 'all' && split(invariants).length === 0) throw new UsageError("--require-invariants takes 'all' or a comma-separated list of invariant ids");
  return { invariants: invariants === undefined || invariants.trim() === 'all' ? 'all' : split(invariants), targets: split(targets) };
}

function check(file: string, requirements: GateRequirements | null, io: CliIo): number {
  const report = readComplianceReport(file);
  const gate = recheckGate(report, requirements);
  io.out.write(`${relative(process.cwd(), file) || file}: ${describeGate(report, gate)}`);
  return gate.passed ? 0 : GATE_EXIT_CODE;
}

/** Runs `mbot-hil report` with `argv`; resolves with the exit code, never throws. */
export async function runReportCommand(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: {
          from: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, baseline: { type: 'string' },
          tolerance: { type: 'string' }, 'min-samples': { type: 'string' }, summary: { type: 'boolean' },
          'step-summary': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
          check: { type: 'string' }, 'require-invariants': { type: 'string' }, 'require-targets': { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values } = parsed;
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    const requirements = requirementsOption(values['require-invariants'], values['require-targets']);
    if (values.check !== undefined) {
      const other = ['from', 'out', 'format', 'baseline', 'tolerance', 'min-samples', 'summary', 'step-summary'].filter((k) => values[k as keyof typeof values] !== undefined);
      if (other.length > 0) throw new UsageError(`--check writes nothing; drop ${other.map((o) => `--${o}`).join(', ')}`);
      return check(resolve(values.check), requirements, io);
    }
    if (requirements) throw new UsageError('--require-invariants and --require-targets go with --check');
    const from = resolve(values.from ?? 'reports/compliance.json');
    const formats = values.format === undefined ? undefined : values.format.split(',').map((f) => f.trim()).filter(Boolean);
    const bad = (formats ?? []).filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
    if (bad.length > 0 || formats?.length === 0) throw new UsageError(`--format takes a comma-separated list of ${REPORT_FORMATS.join(', ')}; got "${values.format}"`);
    const tolerancePercent = numberOption('tolerance', values.tolerance);
    const minSamples = numberOption('min-samples', values['min-samples']);

    const report = readComplianceReport(from);
    report.coverage ??= buildCoverage(report.contracts);
    if (values.baseline) {
      const contracts = contractsForTolerances(undefined, resolve(report.contractsDir), io);
      report.baseline = baselineSection(report, resolve(values.baseline), {
        root: process.cwd(), contracts,
        defaults: { ...(tolerancePercent !== undefined ? { tolerancePercent } : {}), ...(minSamples !== undefined ? { minSamples } : {}) },
      });
    }
    const chosen = (formats ?? ['md', 'html', 'junit', ...(values.baseline ? ['json'] : [])]) as ReportFormat[];
    const outDir = resolve(values.out ?? dirname(from));
    const lock = readLock(join(outDir, LOCK_FILE));
    if (lock && lockIsLive(lock)) {
      throw new HilError('HIL_REPORTS_DIR_BUSY', `${outDir} is being written by ${describeLock(lock)}; its files would be replaced under it. Wait for it to finish, or pass --out DIR`);
    }
    const written = writeReportFiles(report, outDir, chosen);
    for (const f of written) io.out.write(`wrote ${relative(process.cwd(), f) || f}\n`);
    if (values.summary) io.out.write(`\n${renderMarkdownSummary(report)}`);
    if (values['step-summary']) {
      const file = appendStepSummary(report);
      io.out.write(file ? `appended the summary to ${file}\n` : 'GITHUB_STEP_SUMMARY is not set; no job summary written\n');
    }
    return 0;
  } catch (err) {
    return reportError(err, HELP, io);
  }
}

/** The `report` subcommand for the dispatcher's COMMANDS table. */
export const reportCommand: Command = {
  summary: COMMAND_SUMMARIES.report,
  help: HELP,
  run: (argv, io) => runReportCommand(argv, io),
};
