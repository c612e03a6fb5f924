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

/** Parses a non-negative safe integer option, or throws {@link UsageError} naming it. */
export function intOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer; got "${raw}"`);
  return n;
}
