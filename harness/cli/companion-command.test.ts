/**
 * `mbot-hil companion` options of issue 11: `--allow-origin`,
 * `--max-connections`, values checked before anything starts (exit 2 with
 * HIL_CONFIG_INVALID), and the token never printed, not even inside a URL.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { connectTestClient } from '../../reference/companion/test-client.ts';
import { rawRequest, upgradeRequest } from '../../reference/companion/testing/raw-http.ts';
import { runCompanionCommand } from './companion-command.ts';
import { sinks } from './testing/io-sinks.ts';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

describe('mbot-hil companion: bad values are refused before anything starts', () => {
  test.each([
    [['--allow-origin', '*'], /wildcard/],
    [['--allow-origin', 'http://localhost:5173/app'], /not an origin/],
    [['--allow-origin', 'localhost:5173'], /not an origin/],
    [['--max-connections', '0'], /--max-connections must be at least 1/],
    [['--max-connections', 'many'], /--max-connections must be a non-negative integer/],
    [['--ws-port', '70000'], /--ws-port must leave room/],
    [['--port', ''], /--port needs a value/],
    [['--token', ''], /--token needs a value/],
  ])('%j: exit 2, HIL_CLI_USAGE', async (argv, message) => {
    const s = sinks();
    const started = performance.now();
    expect(await runCompanionCommand(argv, s.io)).toBe(2);
    expect(s.err()).toMatch(/^error HIL_CLI_USAGE: /);
    expect(s.err()).toMatch(message);
    // Refused before the simulator booted (its boot alone takes 2 s by default).
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

/** Runs `bin.mjs companion <args>` until it is ready, then SIGINT; resolves with everything it printed. */
async function runUntilReady(args: readonly string[], whileRunning: (stdout: string) => Promise<void>): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [BIN, 'companion', '--ws-port', '0', '--reset-delay-ms', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = args.includes('--json') ? '\n' : 'Ctrl-C to stop.\n';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (stdout.includes(ready)) resolve();
    });
    void exited.then((code) => reject(new Error(`companion exited ${String(code)} before it was ready:\n${stdout}${stderr}`)));
  });
  try {
    await whileRunning(stdout);
  } finally {
    child.kill('SIGINT');
  }
  return { stdout, stderr, code: await exited };
}

describe('mbot-hil companion: the token is never printed', () => {
  const TOKEN = 'do-not-print-me-7f3a';

  test('text output: the URL without the token, a line saying one is required; the token works', async () => {
    const out = await runUntilReady(['--token', TOKEN, '--allow-origin', 'http://localhost:5173'], async (stdout) => {
      const url = /^(ws:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout)?.[1];
      expect(url, stdout).toBeDefined();
      const client = await connectTestClient(url as string, { headers: { authorization: `Bearer ${TOKEN}` } });
      await client.next((m) => m.type === 'state', 5000);
      client.close();
      const port = Number(new URL(url as string).port);
      const evil = await rawRequest(port, upgradeRequest('/', `127.0.0.1:${port}`, { Origin: 'https://evil.example', Authorization: `Bearer ${TOKEN}` }));
      expect(evil.status).toBe(403);
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/clients must present the token .*; it is not printed/);
    expect(out.stdout).toMatch(/web pages allowed from: http:\/\/localhost:5173/);
    expect(out.stdout + out.stderr).not.toContain(TOKEN);
  }, 30_000);

  test('--json: url without the token, tokenRequired true', async () => {
    const out = await runUntilReady(['--json'], async () => {}).catch((e: unknown) => { throw e; });
    expect(JSON.parse(out.stdout)).toMatchObject({ tokenRequired: false });
    const withToken = await runUntilReady(['--json', '--token', TOKEN], async () => {});
    const info = JSON.parse(withToken.stdout) as { url: string; tokenRequired: boolean };
    expect(info.tokenRequired).toBe(true);
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(withToken.stdout + withToken.stderr).not.toContain(TOKEN);
  }, 30_000);
});
