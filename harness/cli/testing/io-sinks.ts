/**
 * A {@link CliIo} that keeps what a command writes, for tests of commands
 * run in-process (`main(args, io)`): `out()` and `err()` read it back,
 * `outUntil(text, ms)` resolves with the output once it contains `text`
 * (rejects after `ms` real ms), and `stop(signal)` shuts a long-running
 * command down as that signal would (`io.stop`).
 */
import type { CliIo } from '../command.ts';

/** The sinks and their readers; see the file comment. */
export interface Sinks {
  io: CliIo & { out: { write(s: string): boolean }; err: { write(s: string): boolean }; stop: Promise<NodeJS.Signals> };
  out: () => string;
  err: () => string;
  outUntil(text: string, ms: number): Promise<string>;
  stop(signal?: NodeJS.Signals): void;
}

export function sinks(): Sinks {
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  let stop: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => { stop = resolve; });
  return {
    io: {
      out: { write: (s) => { out += s; for (const w of waiters) w(); return true; } },
      err: { write: (s) => { err += s; return true; } },
      stop: stopped,
    },
    out: () => out,
    err: () => err,
    outUntil: (text, ms) => new Promise<string>((resolve, reject) => {
      const check = (): void => {
        if (!out.includes(text)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(out);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${JSON.stringify(text)} in the output within ${ms} ms; stdout:\n${out}\nstderr:\n${err}`));
      }, ms);
      waiters.add(check);
      check();
    }),
    stop: (signal = 'SIGINT') => stop(signal),
  };
}
