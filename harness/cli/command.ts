/**
 * What a CLI subcommand is, and option parsing shared by all of them
 * (`node:util` parseArgs, strict: an unknown option is a usage error, with
 * the stable code HIL_CLI_USAGE).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes. Tests pass string sinks. */
export interface CliIo {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  /**
   * For a command run in-process (tests, an embedding program): when this
   * settles with a signal's name, a long-running command shuts down as if
   * the process had received that signal. The process's own signals still
   * work beside it.
   */
  stop?: Promise<NodeJS.Signals>;
}

/** One subcommand: a one-line summary for `mbot-hil --help`, its own help text, and the run function resolving with the exit code. */
export interface Command {
  summary: string;
  help: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/**
 * Bad arguments: printed with the command's help, exit code 2. `message` is
 * the bare explanation; `code` (HIL_CLI_USAGE) is printed before it.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code = 'HIL_CLI_USAGE' as const;
}

type Options = NonNullable<ParseArgsConfig['options']>;

// A value that starts with a dash but is a number (`--seed -5`), which parseArgs would call ambiguous.
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * Parses `argv` against `options` plus `--help`/`-h`; unknown options and
 * stray positionals throw {@link UsageError}. A string option's value may be
 * a negative number written as the next argument (`--seed -5`), and may
 * not be empty (`--port ''` is a usage error, never "the default").
 */
export function parseCommandArgs<O extends Options>(argv: readonly string[], options: O) {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else {
      args.push(a);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.trim() === '')) {
      throw new UsageError(`--${name} needs a value; got an empty string (leave the option out to get its default)`);
    }
  }
  return parsed;
}

/** The signals a long-running command shuts down on: Ctrl-C, `kill`, a closed terminal (SIGHUP), Ctrl-\\ (SIGQUIT). */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = Object.freeze(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/**
 * Waits for one of {@link SHUTDOWN_SIGNALS}, or for `stop` (a {@link CliIo}'s
 * in-process stand-in for a signal): `promise` resolves with the first one's
 * name. Install it before starting anything, so a Ctrl-C during start-up
 * still ends in a clean shutdown, and `dispose()` it only once the shutdown
 * is over: while its handlers are installed, a signal cannot end the
 * process half-way (the hardware target's exit guard re-raises a signal
 * only when no other listener remains), and a second Ctrl-C is ignored.
 */
export function untilSignal(stop?: Promise<NodeJS.Signals>): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let on: (signal: NodeJS.Signals) => void = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    on = resolve;
    for (const s of SHUTDOWN_SIGNALS) process.on(s, on);
    void stop?.then(resolve);
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
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer; got "${raw}"`);
  return n;
}

/** Parses an integer option in `min..max` (both inclusive), or throws {@link UsageError} naming it and the range. */
export function rangeOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer in ${min}..${max}; got "${raw}"`);
  }
  return n;
}

/** Parses a TCP port option: 0 (pick a free one) to 65535, or throws {@link UsageError}. */
export function portOption(name: string, raw: string | undefined, fallback: number): number {
  return rangeOption(name, raw, fallback, 0, 65535);
}
