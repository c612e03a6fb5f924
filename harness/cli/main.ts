/**
 * `mbot-hil` command dispatch. Each subcommand lives in its own file and is
 * registered in `COMMANDS`; every one answers `--help`. Exit codes: 0 done,
 * 1 a run-time failure, 2 a usage or configuration error (unknown command
 * or option, bad value); every failure is printed as `error HIL_...: ...`
 * with its stable code and no stack trace.
 */
import { baselineCommand } from './baseline-command.ts';
import { reportError } from './cli-support.ts';
import { companionCommand } from './companion-command.ts';
import { doctorCommand } from './doctor-command.ts';
import { driftCommand } from './drift-command.ts';
import { monitorCommand } from './monitor-command.ts';
import { portsCommand } from './ports-command.ts';
import { reportCommand } from './report-command.ts';
import { runCommand } from './run-command.ts';
import { servePortCommand } from './serve-port-command.ts';
import { simCommand } from './sim-command.ts';
import type { CliIo, Command } from './command.ts';

export type { CliIo, Command } from './command.ts';

/** Every subcommand by name. */
export const COMMANDS: Readonly<Record<string, Command>> = Object.freeze({
  sim: simCommand,
  ports: portsCommand,
  doctor: doctorCommand,
  companion: companionCommand,
  baseline: baselineCommand,
  report: reportCommand,
  run: runCommand,
  monitor: monitorCommand,
  drift: driftCommand,
  'serve-port': servePortCommand,
});

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: mbot-hil <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `mbot-hil <command> --help` for a command\'s options.',
  ].join('\n');
}

/**
 * Runs the CLI with `argv` (without node and the script) and resolves with
 * the exit code; never throws. Output goes to `io` (default: the process's
 * stdout/stderr).
 */
export async function main(argv: readonly string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err.write(`error HIL_CLI_USAGE: name a command\n\n${usage()}\n`);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out.write(`${usage()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err.write(`error HIL_CLI_USAGE: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    return reportError(err, command.help, io);
  }
}
