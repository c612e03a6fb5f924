/**
 * `mbot-hil` command dispatch. Each subcommand lives in its own file and is
 * registered in `COMMANDS`; every one answers `--help`. Exit codes: 0 done,
 * 1 a run-time failure, 2 a usage or configuration error (unknown command
 * or option, bad value); every failure is printed as `error HIL_...: ...`
 * with its stable code and no stack trace.
 */
import { reportError } from './cli-support.ts';
import { COMMAND_SUMMARIES, type CommandName } from './command-summaries.ts';
import type { CliIo, Command } from './command.ts';

export type { CliIo, Command } from './command.ts';

/**
 * Every subcommand by name: its summary, and how to load it. Only the
 * command that runs is loaded (its module pulls in the simulator, the
 * companion or the reporter), so `mbot-hil monitor` does not pay for
 * loading `sim`.
 */
export const COMMANDS: Readonly<Record<CommandName, { summary: string; load(): Promise<Command> }>> = Object.freeze({
  sim: { summary: COMMAND_SUMMARIES.sim, load: async () => (await import('./sim-command.ts')).simCommand },
  ports: { summary: COMMAND_SUMMARIES.ports, load: async () => (await import('./ports-command.ts')).portsCommand },
  doctor: { summary: COMMAND_SUMMARIES.doctor, load: async () => (await import('./doctor-command.ts')).doctorCommand },
  companion: { summary: COMMAND_SUMMARIES.companion, load: async () => (await import('./companion-command.ts')).companionCommand },
  baseline: { summary: COMMAND_SUMMARIES.baseline, load: async () => (await import('./baseline-command.ts')).baselineCommand },
  report: { summary: COMMAND_SUMMARIES.report, load: async () => (await import('./report-command.ts')).reportCommand },
  run: { summary: COMMAND_SUMMARIES.run, load: async () => (await import('./run-command.ts')).runCommand },
  monitor: { summary: COMMAND_SUMMARIES.monitor, load: async () => (await import('./monitor-command.ts')).monitorCommand },
  drift: { summary: COMMAND_SUMMARIES.drift, load: async () => (await import('./drift-command.ts')).driftCommand },
  'serve-port': { summary: COMMAND_SUMMARIES['serve-port'], load: async () => (await import('./serve-port-command.ts')).servePortCommand },
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
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
  if (!entry) {
    io.err.write(`error HIL_CLI_USAGE: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  let command: Command | undefined;
  try {
    command = await entry.load();
    return await command.run(rest, io);
  } catch (err) {
    return reportError(err, command?.help ?? usage(), io);
  }
}
