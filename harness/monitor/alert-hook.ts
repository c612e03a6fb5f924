/**
 * `--on-alert <command>`: runs the command through the platform shell with
 * the alert as one line of JSON on its standard input, for at most
 * `timeoutMs` (then its whole process group is killed). Its standard output
 * is discarded; the last 2 KB of its standard error are kept for the report
 * of a failure. A hook that cannot start, exits non-zero, is killed by a
 * signal or times out is a failed hook: reported, never thrown, so the
 * monitor goes on watching.
 */
import { spawn } from 'node:child_process';
import { natives } from '../clock/natives.ts';

/** How one hook run ended. */
export interface HookResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Last 2 KB of its standard error. */
  stderr: string;
  /** Why it failed, e.g. `exit code 3`, `timed out after 10000 ms`; null when ok. */
  failure: string | null;
}

const STDERR_KEEP = 2048;

/** Runs `command` with `input` (JSON-encoded, newline-terminated) on stdin. Never rejects. */
export function runAlertHook(command: string, input: unknown, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<HookResult> {
  const started = natives.performanceNow();
  return new Promise<HookResult>((resolve) => {
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const finish = (r: Omit<HookResult, 'durationMs' | 'stderr' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      natives.clearTimeout(timer);
      resolve({ ...r, timedOut, durationMs: natives.performanceNow() - started, stderr });
    };
    let child: ReturnType<typeof spawn>;
    try {
      // A process group of its own (POSIX), so a timeout kills what the shell started too.
      child = spawn(command, { shell: true, stdio: ['pipe', 'ignore', 'pipe'], detached: process.platform !== 'win32', env });
    } catch (err) {
      resolve({ ok: false, exitCode: null, signal: null, timedOut: false, durationMs: 0, stderr: '', failure: `could not start: ${(err as Error).message}` });
      return;
    }
    const timer = natives.setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
      // Something that left the group (setsid) may still hold stderr open: do not wait for it.
      natives.setTimeout(() => {
        child.stderr?.destroy();
        finish({ ok: false, exitCode: null, signal: 'SIGKILL', failure: `timed out after ${timeoutMs} ms (killed)` });
      }, 1000).unref?.();
    }, timeoutMs);
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-STDERR_KEEP); });
    child.on('error', (err) => finish({ ok: false, exitCode: null, signal: null, failure: `could not start: ${err.message}` }));
    child.on('close', (code, signal) => {
      if (timedOut) finish({ ok: false, exitCode: code, signal, failure: `timed out after ${timeoutMs} ms (killed)` });
      else if (code === 0) finish({ ok: true, exitCode: 0, signal: null, failure: null });
      else finish({ ok: false, exitCode: code, signal, failure: signal ? `killed by ${signal}` : `exit code ${String(code)}` });
    });
    // A hook that never reads its input must not break the monitor (EPIPE).
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(`${JSON.stringify(input)}\n`);
  });
}
