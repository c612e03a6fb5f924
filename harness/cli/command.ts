/**
 * What a CLI subcommand is, and option parsing shared by all of them
 * (`node:util` parseArgs, strict: an unknown option is a usage error).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes. Tests pass string sinks. */
export interface CliIo {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
}

/** One subcommand: a one-line summary for `mbot-hil --help`, its own help text, and the run function resolving with the exit code. */
export interface Command {
  summary: string;
  help: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Bad arguments: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` against `options` plus `--help`/`-h`; unknown options and
 * stray positionals throw {@link UsageError}.
 */
export function parseCommandArgs<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The signals a long-running command shuts down on: Ctrl-C, `kill`, a closed terminal (SIGHUP), Ctrl-\\ (SIGQUIT). */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = Object.freeze(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/**
 * Waits for one of {@link SHUTDOWN_SIGNALS}: `promise` resolves with the first one's
 * name. Install it before starting anything, so a Ctrl-C during start-up
 * still ends in a clean shutdown, and `dispose()` it only once the shutdown
 * is over: while its handlers are installed, a signal cannot end the
 * process half-way (the hardware target's exit guard re-raises a signal
 * only when no other listener remains), and a second Ctrl-C is ignored.
 */
export function untilSignal(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let on: (signal: NodeJS.Signals) => void = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    on = resolve;
    for (const s of SHUTDOWN_SIGNALS) process.on(s, on);
  });
  return {
    promise,
    dispose() {
      for (const s of SHUTDOWN_SIGNALS) process.off(s, on);
    },
  };
}

/** Parses a non-negative safe integer option, or throws {@link UsageError} naming it. */
export function intOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer; got "${raw}"`);
  return n;
}
