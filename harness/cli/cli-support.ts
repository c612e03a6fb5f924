/**
 * Shared plumbing of the commands: stdout/stderr sinks, and turning a
 * thrown error into the exit code and message every mbot-hil command uses
 * (2 usage or configuration, 1 run-time failure), always with a stable
 * HIL_* code and never a stack trace (HIL_DEBUG=1 adds it for a bug report).
 */
import { isHilError } from '../errors.ts';
import { UsageError, type CliIo } from './command.ts';

/** The process's own output. */
export const PROCESS_IO: CliIo = { out: process.stdout, err: process.stderr };

/**
 * One line (or more, for a multi-line message) saying what failed, starting
 * with its HIL_* code: a harness error as it is, a usage error as
 * HIL_CLI_USAGE, anything else as HIL_UNEXPECTED with its message (its stack
 * too when `HIL_DEBUG=1`).
 */
export function describeFailure(err: unknown, env: Record<string, string | undefined> = process.env): string {
  if (err instanceof UsageError) return `HIL_CLI_USAGE: ${err.message}`;
  if (isHilError(err)) return (err as Error).message;
  const text = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? ` (${code})` : '';
  const stack = env.HIL_DEBUG === '1' && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return `HIL_UNEXPECTED: ${text}${detail}; this is a bug in mbot-hil: please report it with this message (HIL_DEBUG=1 adds the stack)${stack}`;
}

/**
 * Prints `err` and returns the exit code: a usage error with the help
 * (2), a harness error with its code (2 for `HIL_CONFIG_INVALID`, else 1),
 * anything else as HIL_UNEXPECTED (1). Every message starts `error HIL_...:`.
 */
export function reportError(err: unknown, help: string, io: CliIo): number {
  if (err instanceof UsageError) {
    io.err.write(`error ${describeFailure(err)}\n\n${help}\n`);
    return 2;
  }
  io.err.write(`error ${describeFailure(err)}\n`);
  return isHilError(err, 'HIL_CONFIG_INVALID') ? 2 : 1;
}

/**
 * `url` with the value of every `token` query parameter replaced by
 * `<hidden>`, also inside a URL-encoded parameter (the dashboard's `?ws=`),
 * for printing: a token on stdout ends up in logs and scrollback.
 */
export function redactToken(url: string): string {
  return url
    .replace(/([?&]token=)[^&#]*/g, '$1<hidden>')
    .replace(/((?:%3F|%26)token%3D)(?:(?!%26|&|#).)*/gi, '$1%3Chidden%3E');
}

/** Parses a number option >= 0, or throws {@link UsageError} naming it. */
export function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0; got "${raw}"`);
  return n;
}
