/**
 * `mbot-hil monitor`: watches a live companion, page and process against
 * the contracts (see `harness/monitor/monitor.ts`). Options are checked
 * before anything starts (exit 2 with every problem listed); then the probes
 * open (exit 1 when the system cannot be reached); then windows run until
 * `--duration` or Ctrl-C, and the exit code says how it went.
 */
import { HilError, isHilError } from '../errors.ts';
import { MONITOR_EXIT } from '../monitor/health-model.ts';
import { Monitor } from '../monitor/monitor.ts';
import { loadMonitorContracts, MONITOR_LIMITS, parseMonitorOptions } from '../monitor/monitor-options.ts';
import { openWindowProbes } from '../monitor/window-probes.ts';
import { parseCommandArgs, untilSignal, UsageError, type CliIo, type Command } from './command.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const HELP = `Usage: mbot-hil monitor --companion <ws-url> [--dashboard <url>] [--pid <pid>] [options]

Enforces the contracts at run time against a live system: each window it
measures what it is pointed at, evaluates every invariant it can, and prints
one line. A violation prints "ALERT <invariant id>" with the value, the
threshold and the remediation, once; recovery prints "RESOLVED <id>".
Ctrl-C or the end of --duration prints and writes a health report
(reports/monitor-<time>.md, .html, .json).

What to watch (at least one):
  --companion URL       ws:// or wss:// URL of a companion: telemetry latency
  --token TOKEN         its token (default HIL_COMPANION_TOKEN)
  --clients N           latency clients (default ${MONITOR_LIMITS.clients.default})
  --dashboard URL       http(s) or file URL of a page: frame rate, page heap,
                        page load and bundle size (needs Chromium)
  --pid PID             a Node process: heap through its inspector (SIGUSR1
                        opens it on 127.0.0.1:9229)

Options:
  --window MS           window length (default ${MONITOR_LIMITS.windowMs.default}, ${MONITOR_LIMITS.windowMs.min}..${MONITOR_LIMITS.windowMs.max})
  --duration MS         stop after MS (default: until Ctrl-C)
  --contract FILE       enforce this contract file (default: every contract
                        in HIL_CONTRACTS_DIR or ./contracts)
  --history FILE        append one JSON object per window to FILE (NDJSON)
  --on-alert COMMAND    run COMMAND (through the shell) with each alert as
                        JSON on its standard input
  --on-alert-timeout MS kill the command after MS (default ${MONITOR_LIMITS.onAlertTimeoutMs.default})
  --reports-dir DIR     where the health report goes (default HIL_REPORTS_DIR
                        or ./reports)
  -h, --help            show this help

Exit codes:
  0  healthy: every window measured, no alert
  1  could not start (companion unreachable, no Chromium, no inspector)
  2  bad options (nothing was started)
  3  at least one alert fired
  4  no alert, but some windows could not be measured`;

/** Runs the monitor with `argv` (options only) and resolves with the exit code. */
export async function runMonitorCommand(argv: readonly string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  // Installed first: a Ctrl-C while the probes open still ends in a report, never half-way.
  const signal = untilSignal(io.stop);
  try {
    let options;
    let contracts;
    try {
      const { values } = parseCommandArgs(argv, {
        companion: { type: 'string' }, token: { type: 'string' }, clients: { type: 'string' }, dashboard: { type: 'string' }, pid: { type: 'string' },
        window: { type: 'string' }, duration: { type: 'string' }, contract: { type: 'string' }, history: { type: 'string' },
        'on-alert': { type: 'string' }, 'on-alert-timeout': { type: 'string' }, 'reports-dir': { type: 'string' },
      });
      if (values.help) {
        io.out.write(`${HELP}\n`);
        return 0;
      }
      options = parseMonitorOptions(values);
      contracts = loadMonitorContracts(options);
    } catch (err) {
      const message = err instanceof UsageError ? `HIL_CONFIG_INVALID: ${err.message}` : (err as Error).message;
      io.err.write(`error ${message}\n\nRun \`mbot-hil monitor --help\` for the options.\n`);
      return isHilError(err) || err instanceof UsageError ? MONITOR_EXIT.usage : MONITOR_EXIT.error;
    }
    let probes;
    try {
      probes = await openWindowProbes(options);
    } catch (err) {
      io.err.write(`error ${isHilError(err) ? (err as Error).message : new HilError('HIL_PROBE_CONNECT_FAILED', String((err as Error)?.message ?? err)).message}\n`);
      return MONITOR_EXIT.error;
    }
    try {
      const report = await new Monitor(options, contracts, probes, io).run(signal.promise);
      return report.exitCode;
    } finally {
      await probes.close();
    }
  } finally {
    signal.dispose();
  }
}

/** The `monitor` subcommand for `harness/cli/main.ts`'s COMMANDS. */
export const monitorCommand: Command = {
  summary: COMMAND_SUMMARIES.monitor,
  help: HELP,
  run: (argv, io) => runMonitorCommand(argv, io),
};
