import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runAlertHook } from './alert-hook.ts';
import { processAlive } from '../clock/process-alive.ts';
import { realWaitUntil } from '../clock/real-time.ts';

const dir = mkdtempSync(join(tmpdir(), 'hil-hook-'));
/** How long the hung hook's subshell would live if nothing killed it. */
const SUBSHELL_S = 30;

/** The process exists and is not a zombie (a killed orphan may wait a while for a parent to reap it). */
function running(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/su.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    // No stat file: gone, where /proc exists; without /proc, processAlive's answer stands.
    return !existsSync('/proc/self');
  }
}

const alert = { schema: 'mbot-hil/monitor-alert@1', invariant: 'I-PERF-001', value: 101.5, remediation: 'it\'s "quoted" | piped' };

describe.skipIf(process.platform === 'win32')('an --on-alert command (real child processes)', () => {
  test('gets the alert as one JSON line on its standard input', async () => {
    const out = join(dir, 'got.json');
    const r = await runAlertHook(`cat > '${out}'`, alert, 5000);
    expect(r).toMatchObject({ ok: true, exitCode: 0, timedOut: false, failure: null });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(alert);
  });

  test('a non-zero exit is a failure with its standard error kept', async () => {
    const r = await runAlertHook('echo "pager down" >&2; exit 3', alert, 5000);
    expect(r).toMatchObject({ ok: false, exitCode: 3, failure: 'exit code 3' });
    expect(r.stderr).toContain('pager down');
  });

  test('a command that does not exist, or never reads its input, does not throw', async () => {
    expect(await runAlertHook('/nonexistent/hook-binary', alert, 5000)).toMatchObject({ ok: false, exitCode: 127 });
    expect(await runAlertHook('exit 0', alert, 5000)).toMatchObject({ ok: true });
  });

  test('a hook that hangs is killed at its timeout, with what it started', async () => {
    const pidFile = join(dir, 'subshell.pid');
    const t0 = Date.now();
    // The subshell is a process of its own that would live 30 s: killing only the shell would leave it
    // running, holding the hook's standard error open.
    const r = await runAlertHook(`(sleep ${SUBSHELL_S}) & echo $! > '${pidFile}'; wait`, alert, 300);
    const subshell = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(r).toMatchObject({ ok: false, timedOut: true, failure: 'timed out after 300 ms (killed)' });
      // Back at the timeout (plus at most the 1 s it gives a stray holder of standard error), not when the
      // subshell would end: the two lie 30 s apart, so a busy machine cannot blur them (a 1 s subshell
      // against "< 3 s" could).
      expect(Date.now() - t0).toBeLessThan((SUBSHELL_S * 1000) / 2);
      // The subshell died with the group: polled for, not inferred from a marker file absent after a fixed wait.
      expect(await realWaitUntil(() => !running(subshell), 5000, 25), `subshell ${subshell} still running`).toBe(true);
    } finally {
      if (running(subshell)) process.kill(subshell, 'SIGKILL');
    }
  }, 60_000);
});
