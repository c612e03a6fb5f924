import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runAlertHook } from './alert-hook.ts';

const dir = mkdtempSync(join(tmpdir(), 'hil-hook-'));
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
    const marker = join(dir, 'late');
    const t0 = Date.now();
    // The subshell is a process of its own: killing only the shell would leave it to touch the marker,
    // at most 1 s after it started, so before the 1.5 s wait below ends.
    const r = await runAlertHook(`(sleep 1; touch '${marker}') & wait`, alert, 300);
    expect(r).toMatchObject({ ok: false, timedOut: true, failure: 'timed out after 300 ms (killed)' });
    expect(Date.now() - t0).toBeLessThan(3000);
    await new Promise((res) => setTimeout(res, 1500));
    // The subshell died with the group: the marker never appears.
    expect(existsSync(marker)).toBe(false);
  }, 15_000);
});
