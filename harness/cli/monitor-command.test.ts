/**
 * `mbot-hil monitor` through real processes: a companion started with the
 * CLI (`mbot-hil companion --profile ...`) and the monitor's own CLI
 * process, both on loopback, each bounded in time. Real-time: under heavy
 * machine load the reference companion's p99 can approach 50 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

const BIN = resolve(import.meta.dirname, 'bin.mjs');
/** Monitors started by a test (stopped after it) and the two companions (stopped after the file). */
const children: ChildProcess[] = [];
const companions: ChildProcess[] = [];

async function stopAll(list: ChildProcess[]): Promise<void> {
  await Promise.all(list.splice(0).map(async (c) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    // SIGTERM, then SIGKILL if it has not exited within 300 ms.
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 300))]);
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }));
}
afterEach(() => stopAll(children));
afterAll(() => stopAll(companions));

let referenceUrl = '';
beforeAll(async () => {
  referenceUrl = await companion('reference');
}, 60_000);

/** Starts `mbot-hil companion --profile <profile>` on a free port and resolves with its URL. */
async function companion(profile: 'degraded' | 'reference'): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'companion', '--profile', profile, '--ws-port', '0', '--reset-delay-ms', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  companions.push(child);
  const line = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error('the companion did not print its URL within 30 s')), 30_000);
    createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }).once('line', (l) => { clearTimeout(timer); res(l); });
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`the companion exited (${String(code)})`)); });
  });
  return (JSON.parse(line) as { url: string }).url;
}

/** Runs the monitor CLI; `onLine` may send it a signal. Resolves with its output and exit code. */
function monitor(args: string[], onLine?: (line: string, child: ChildProcess) => void): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }).on('line', (l) => { out += `${l}\n`; onLine?.(l, child); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); rej(new Error(`the monitor did not end within 60 s:\n${out}\n${err}`)); }, 60_000);
    child.once('close', (code) => { clearTimeout(timer); res({ code, out, err }); });
  });
}

describe('mbot-hil monitor against a live companion (real processes)', () => {
  test('the degraded companion raises an I-PERF-001 alert within two windows and the monitor exits 3; every history line parses', async () => {
    // Its own companion, stopped after the test: nothing else of this file loads the machine meanwhile.
    const url = await companion('degraded');
    const degraded = companions[companions.length - 1] as ChildProcess;
    const dir = mkdtempSync(join(tmpdir(), 'hil-monitor-cli-'));
    const history = join(dir, 'monitor.ndjson');
    const r = await monitor(['--companion', url, '--window', '1000', '--duration', '3000', '--history', history, '--reports-dir', dir]);
    const lines = r.out.split('\n');
    const alertAt = lines.findIndex((l) => l.startsWith('ALERT I-PERF-001 '));
    const windowsBefore = lines.slice(0, alertAt).filter((l) => /^window \d+ /.test(l)).length;
    expect(alertAt, r.out + r.err).toBeGreaterThan(0);
    expect(windowsBefore).toBeLessThanOrEqual(2);
    expect(lines[alertAt]).toMatch(/websocket\.latency_p99_ms = [\d.]+ ms, threshold <= 50 .*Remediation: Enable message batching/);
    expect(lines.filter((l) => l.startsWith('ALERT '))).toHaveLength(1);
    expect(r.code).toBe(3);
    const records = readFileSync(history, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { schema: string; window: number });
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records.map((x) => x.window)).toEqual(records.map((_, i) => i + 1));
    expect(records.every((x) => x.schema === 'mbot-hil/monitor-window@1')).toBe(true);
    const html = readdirSync(dir).find((f) => f.endsWith('.html')) as string;
    expect(readFileSync(join(dir, html), 'utf8')).toContain('UNHEALTHY');
    await stopAll([degraded]);
  }, 90_000);

  test('the reference companion raises none and the monitor exits 0', async () => {
    const url = referenceUrl;
    const dir = mkdtempSync(join(tmpdir(), 'hil-monitor-cli-'));
    const history = join(dir, 'monitor.ndjson');
    const r = await monitor(['--companion', url, '--window', '1000', '--duration', '3000', '--history', history, '--reports-dir', dir]);
    expect(r.out, r.err).toContain('HEALTHY: ');
    expect(r.out).not.toMatch(/^ALERT /m);
    expect(r.code).toBe(0);
    for (const l of readFileSync(history, 'utf8').trim().split('\n')) expect(JSON.parse(l)).toMatchObject({ invariants: { 'I-PERF-001': { verdict: 'pass' } } });
  }, 90_000);

  test('Ctrl-C ends it at once with the health report written; bad options start nothing (exit 2)', async () => {
    const url = referenceUrl;
    const dir = mkdtempSync(join(tmpdir(), 'hil-monitor-cli-'));
    let sent = false;
    const r = await monitor(['--companion', url, '--window', '1000', '--reports-dir', dir], (line, child) => {
      if (!sent && line.startsWith('window 1 ')) { sent = true; child.kill('SIGINT'); }
    });
    expect(sent).toBe(true);
    expect(r.out).toMatch(/HEALTHY: 1 window\(s\), no alert/);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json')) as string), 'utf8')) as { stoppedBy: string; windows: number };
    expect(report).toMatchObject({ stoppedBy: 'SIGINT', windows: 1 });

    // Two monitors that measure nothing, run side by side.
    const [bad, unreachable] = await Promise.all([
      monitor(['--companion', 'http://127.0.0.1:1/', '--reports-dir', join(dir, 'none')]),
      monitor(['--companion', 'ws://127.0.0.1:9/', '--reports-dir', join(dir, 'none-either')]),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('HIL_CONFIG_INVALID');
    expect(existsSync(join(dir, 'none'))).toBe(false);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toContain('HIL_PROBE_CONNECT_FAILED');
  }, 90_000);
});
