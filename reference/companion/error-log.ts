/**
 * Logging a server's unexpected errors once. A handler that fails on
 * hostile input fails the same way every time the input is repeated, and a
 * flood of identical stack traces on stderr is a second attack (disk, the
 * terminal, the operator's attention). So each distinct error (where it
 * happened and its message) is written once, with its first stack frame,
 * and after that only counted; past `maxDistinct` distinct errors one line
 * says that further ones are counted only.
 */

/** Where unexpected errors of a server go. */
export interface ErrorLog {
  /** Records `err` raised in `where` (e.g. `message handler`); writes it when it is the first of its kind. */
  report(where: string, err: unknown): void;
  /** Errors reported so far, identical ones included. */
  readonly total: number;
}

/** Options of {@link createErrorLog}. */
export interface ErrorLogOptions {
  /** Prefix of every line, e.g. `mbot-hil companion`. */
  name: string;
  /** Where lines go. Default: stderr. */
  write?: (line: string) => void;
  /** Distinct errors written before the log only counts. Default 50. */
  maxDistinct?: number;
}

const firstFrame = (err: unknown): string => {
  const stack = err instanceof Error ? err.stack : undefined;
  const frame = stack?.split('\n').find((l) => l.trimStart().startsWith('at '));
  return frame ? ` (${frame.trim()})` : '';
};

/** Makes an {@link ErrorLog}; see the module comment. */
export function createErrorLog(options: ErrorLogOptions): ErrorLog {
  const write = options.write ?? ((line: string) => { process.stderr.write(line); });
  const maxDistinct = options.maxDistinct ?? 50;
  const seen = new Set<string>();
  let total = 0;
  let saturated = false;
  return {
    get total() { return total; },
    report(where, err) {
      total++;
      const message = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0]?.slice(0, 300) ?? '';
      const key = `${where}\u0000${message}`;
      if (seen.has(key)) return;
      if (seen.size >= maxDistinct) {
        if (!saturated) write(`[${options.name}] ${maxDistinct} distinct errors logged; further ones are counted, not logged\n`);
        saturated = true;
        return;
      }
      seen.add(key);
      try {
        write(`[${options.name}] error in ${where}: ${message}${firstFrame(err)}; answered, and the server goes on (repeats are not logged)\n`);
      } catch {
        // a broken stderr must not turn an answered error into a crash
      }
    },
  };
}
