/**
 * A {@link CliIo} that keeps what a command writes, for tests of commands
 * run in-process (`main(args, io)`): `out()` and `err()` read it back.
 */
import type { CliIo } from '../command.ts';

export function sinks(): { io: CliIo & { out: { write(s: string): boolean }; err: { write(s: string): boolean } }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { out: { write: (s) => { out += s; return true; } }, err: { write: (s) => { err += s; return true; } } },
    out: () => out,
    err: () => err,
  };
}
