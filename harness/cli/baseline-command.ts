/**
 * `mbot-hil baseline save|compare`: store the metrics of a run as the
 * baseline, and compare a later run with it (the regression gate CI runs).
 */
import { parseArgs } from 'node:util';
import { relative, resolve } from 'node:path';
import { compareToBaseline, tolerancesFromContracts } from '../reporter/baseline-compare.ts';
import { DEFAULT_MIN_SAMPLES, DEFAULT_REGRESSION_TOLERANCE_PERCENT } from '../reporter/baseline-model.ts';
import { DEFAULT_BASELINE_PATH, loadBaseline, saveBaseline } from '../reporter/baseline-store.ts';
import { renderBaselineMarkdown } from '../reporter/markdown-sections.ts';
import { readComplianceReport } from '../reporter/report-files.ts';
import { GATE_EXIT_CODE } from '../reporter/gate.ts';
import { recheckGate } from '../reporter/gate-check.ts';
import { UsageError, type CliIo, type Command } from './command.ts';
import { numberOption, PROCESS_IO, reportError } from './cli-support.ts';
import { contractsForTolerances } from './tolerance-contracts.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const HELP = `Usage: mbot-hil baseline save [--report FILE] [--out FILE] [--force]
       mbot-hil baseline compare [--report FILE] [--baseline FILE] [--tolerance PCT]
                                 [--min-samples N] [--contracts DIR] [--allow-inconclusive] [--json]

save     stores every invariant evaluation of a run (its metrics, per target
         and scenario) as the baseline. Refuses (exit 2) a run whose gate
         failed or that was interrupted, unless --force.
compare  compares a run with the baseline, metric by metric: baseline, current,
         change %, improvement % (direction from each check's operator: <= means
         lower is better). A metric worse by more than the tolerance is a
         regression; fewer samples than the minimum on either side is
         "inconclusive", never a pass. Exit 0 when both gates pass, 1 when a
         regression (or an inconclusive entry) is found, ${GATE_EXIT_CODE} when there is
         none but the run's own compliance gate failed.

Tolerance: regression_tolerance_percent / regression_min_samples on the
invariant, else in the contract header, else --tolerance / --min-samples,
else ${DEFAULT_REGRESSION_TOLERANCE_PERCENT} % and ${DEFAULT_MIN_SAMPLES} samples.

Options:
  --report FILE          the run's compliance.json (default reports/compliance.json)
  --out FILE             save: where to write (default ${DEFAULT_BASELINE_PATH})
  --baseline FILE        compare: the baseline (default $HIL_BASELINE or ${DEFAULT_BASELINE_PATH})
  --force                save: also from an interrupted run (its metrics are partial)
                         or one whose compliance gate failed
  --tolerance PCT        compare: default tolerance in percent
  --min-samples N        compare: default minimum sample count
  --contracts DIR        compare: contracts for tolerances (default: the report's contractsDir)
  --allow-inconclusive   compare: pass the gate with inconclusive entries (regressions still fail)
  --json                 compare: print the comparison as JSON
  -h, --help             show this help`;

/** Runs `mbot-hil baseline ...` with `argv` (after `baseline`); resolves with the exit code, never throws. */
export async function runBaselineCommand(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    const [sub, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`);
    const reportPath = resolve(values.report ?? 'reports/compliance.json');
    if (sub === 'save') return save(reportPath, values, io);
    if (sub === 'compare') return compare(reportPath, values, io);
    throw new UsageError(sub === undefined ? 'say what to do: `baseline save` or `baseline compare`' : `unknown subcommand "${sub}"; use save or compare`);
  } catch (err) {
    return reportError(err, HELP, io);
  }
}

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        report: { type: 'string' }, out: { type: 'string' }, baseline: { type: 'string' }, force: { type: 'boolean' },
        tolerance: { type: 'string' }, 'min-samples': { type: 'string' }, contracts: { type: 'string' },
        'allow-inconclusive': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

type Values = ReturnType<typeof parseCommandLine>['values'];

function save(reportPath: string, values: Values, io: CliIo): number {
  const report = readComplianceReport(reportPath);
  if (report.run.status === 'interrupted' && !values.force) {
    io.err.write(`error HIL_CONFIG_INVALID: ${relative(process.cwd(), reportPath)} is from an interrupted run (${report.run.statusReason ?? 'it did not finish'}); its metrics are partial. Run the suite to the end, or pass --force\n`);
    return 2;
  }
  const gate = recheckGate(report);
  if (!gate.passed && !values.force) {
    io.err.write(`error HIL_GATE_FAILED: ${relative(process.cwd(), reportPath)} is from a run whose compliance gate failed (${gate.reasons.map((r) => r.message).join('; ')}); a baseline must be a run that passed. Fix the run, or pass --force to store it anyway\n`);
    return 2;
  }
  const out = resolve(values.out ?? DEFAULT_BASELINE_PATH);
  const baseline = saveBaseline(report, out);
  if (!gate.passed) io.err.write(`warning: --force: saved a run whose compliance gate failed (${gate.reasons.map((r) => r.message).join('; ')})\n`);
  const targets = [...new Set(baseline.entries.map((e) => e.target.bench ? `${e.target.kind}@${e.target.bench}` : e.target.kind))];
  io.out.write(`saved ${baseline.entries.length} baseline entr${baseline.entries.length === 1 ? 'y' : 'ies'} (${targets.join(', ') || 'no evaluations'}) from the run of ${report.run.startedAt}${report.run.commit ? ` (commit ${report.run.commit.slice(0, 12)})` : ''} to ${relative(process.cwd(), out) || out}\n`);
  if (baseline.entries.length === 0) io.err.write('warning: the run evaluated no invariant; the baseline is empty\n');
  return 0;
}

function compare(reportPath: string, values: Values, io: CliIo): number {
  // Options first: a typo is a usage error even when the files are missing too.
  const tolerancePercent = numberOption('tolerance', values.tolerance);
  const minSamples = numberOption('min-samples', values['min-samples']);
  if (minSamples !== undefined && !Number.isInteger(minSamples)) throw new UsageError(`--min-samples must be a whole number; got "${values['min-samples']}"`);
  const report = readComplianceReport(reportPath);
  const basePath = resolve(values.baseline ?? (process.env.HIL_BASELINE?.trim() || DEFAULT_BASELINE_PATH));
  const baseline = loadBaseline(basePath);
  const contracts = contractsForTolerances(values.contracts, resolve(report.contractsDir), io);
  const { lookup, problems } = tolerancesFromContracts(contracts, {
    ...(tolerancePercent !== undefined ? { tolerancePercent } : {}),
    ...(minSamples !== undefined ? { minSamples } : {}),
  });
  const comparison = compareToBaseline(report, baseline, { file: relative(process.cwd(), basePath) || basePath, lookup, problems });
  if (values.json) io.out.write(`${JSON.stringify(comparison, null, 2)}\n`);
  else io.out.write(`${renderBaselineMarkdown(comparison).join('\n')}\n`);
  const passed = comparison.regressions.length === 0 && (values['allow-inconclusive'] || comparison.inconclusive.length === 0);
  if (!values.json) {
    io.out.write(`regression gate ${passed ? 'PASSED' : 'FAILED'}: ${comparison.regressions.length} regression(s), ${comparison.inconclusive.length} inconclusive${values['allow-inconclusive'] && comparison.inconclusive.length ? ' (allowed)' : ''}\n`);
  }
  // A run that fails its own gate is no evidence of "no regression": say so, and fail.
  const gate = recheckGate(report);
  const gateLine = `compliance gate ${gate.passed ? 'PASSED' : 'FAILED'}${gate.passed ? '' : `: ${gate.reasons.map((r) => r.message).join('; ')}`}\n`;
  if (values.json) io.err.write(gateLine);
  else io.out.write(gateLine);
  if (!passed) return 1;
  return gate.passed ? 0 : GATE_EXIT_CODE;
}

/** The `baseline` subcommand for the dispatcher's COMMANDS table. */
export const baselineCommand: Command = {
  summary: COMMAND_SUMMARIES.baseline,
  help: HELP,
  run: (argv, io) => runBaselineCommand(argv, io),
};
