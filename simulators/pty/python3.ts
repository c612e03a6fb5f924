/**
 * Where python3 (for the PTY relay) is, found once per run. Asking `python3`
 * itself costs a process start, and through a version manager's shim
 * (pyenv) about 0.5 s; each Vitest worker, each hardware spec file (a fresh
 * process) and each `mbot-hil sim --pty` asked again. `vitest.config.ts`
 * asks once and passes the answer down in `HIL_PYTHON3`, which
 * `pty-pair.ts` takes when it names an executable file.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** The variable holding the interpreter an earlier probe found (an absolute path). */
export const PYTHON3_ENV = 'HIL_PYTHON3';

/**
 * Runs `python3` once: the interpreter it really is (`sys.executable`) when it
 * has the relay's modules (pty, select, termios, tty), else null. `'python3'`
 * when it works but does not say where it lives.
 */
export function probePython3(): string | null {
  const r = spawnSync('python3', ['-c', 'import os, pty, select, sys, termios, tty; sys.stdout.write(sys.executable)'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return null;
  const path = r.stdout.trim();
  return path !== '' && isExecutableFile(path) ? path : 'python3';
}

/** The interpreter `env` names in {@link PYTHON3_ENV}, when that is an executable file; else undefined (probe instead). */
export function knownPython3(env: Record<string, string | undefined> = process.env): string | undefined {
  const path = env[PYTHON3_ENV]?.trim();
  return path && path.startsWith('/') && isExecutableFile(path) ? path : undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
