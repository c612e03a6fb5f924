/**
 * `mbot-hil <argv>` run in this process (`main(argv, io)`: the exit code
 * bin.mjs hands to the shell) until its output contains `ready`, for tests
 * of long-running commands (`sim`, `sim --pty`): end it with `s.stop(signal)`.
 */
import { main } from '../main.ts';
import { sinks, type Sinks } from './io-sinks.ts';

/** A command started in this process: its sinks, its output once ready, and its exit code to come. */
export interface InProcessCommand {
  s: Sinks;
  /** Everything it printed up to and including `ready`. */
  out: string;
  done: Promise<number>;
}

/** Starts `argv`; rejects when the command ends, or `ms` real ms pass, before its output contains `ready`. */
export async function startInProcess(argv: readonly string[], ready: string, ms = 30_000, s: Sinks = sinks()): Promise<InProcessCommand> {
  const done = main([...argv], s.io);
  const out = await Promise.race([
    s.outUntil(ready, ms),
    done.then((code) => { throw new Error(`mbot-hil ${argv.join(' ')} ended (exit ${code}) before it was ready:\n${s.out()}${s.err()}`); }),
  ]);
  return { s, out, done };
}
