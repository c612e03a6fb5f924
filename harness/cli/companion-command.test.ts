/**
 * `mbot-hil companion` options of issue 11: `--allow-origin`,
 * `--max-connections`, values checked before anything starts (exit 2 with
 * HIL_CONFIG_INVALID), and the token never printed, not even inside a URL.
 * One case runs the real `bin.mjs companion` and stops it with a real
 * SIGTERM (the process is its subject: what a shell sees, and the exit
 * code after the signal); the rest run the command in-process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { connectTestClient } from '../../reference/companion/test-client.ts';
import { rawRequest, upgradeRequest } from '../../reference/companion/testing/raw-http.ts';
import { runCompanionCommand } from './companion-command.ts';
import { sinks } from './testing/io-sinks.ts';
import { preloadCommands } from './testing/preload-commands.ts';

// The command this file runs in-process, loaded before any test's timeout starts.
beforeAll(() => preloadCommands('companion'), 60_000);

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
/** The simulator boot the refusal tests ask for (--reset-delay-ms). */
const BOOT_MS = 60_000;

describe('mbot-hil companion: bad values are refused before anything starts', () => {
  test.each([
    [['--allow-origin', '*'], /wildcard/],
    [['--allow-origin', 'http://localhost:5173/app'], /not an origin/],
    [['--allow-origin', 'localhost:5173'], /not an origin/],
    [['--max-connections', '0'], /--max-connections must be at least 1/],
    [['--max-connections', 'many'], /--max-connections must be a non-negative integer/],
    [['--message-timeout-ms', '0'], /--message-timeout-ms must be an integer in 1\.\.3600000/],
    [['--message-timeout-ms', '2.5'], /--message-timeout-ms must be an integer/],
    [['--ws-port', '70000'], /--ws-port must leave room/],
    [['--port', ''], /--port needs a value/],
    [['--token', ''], /--token needs a value/],
  ])('%j: exit 2, HIL_CLI_USAGE', async (argv, message) => {
    const s = sinks();
    const started = performance.now();
    // A 60 s boot: a refusal that came after the simulator booted takes a minute, one before it a moment,
    // however busy the machine (against the default 2 s boot, "< 1 s" read the machine's speed).
    expect(await runCompanionCommand(['--reset-delay-ms', '60000', ...argv], s.io)).toBe(2);
    expect(s.err()).toMatch(/^error HIL_CLI_USAGE: /);
    expect(s.err()).toMatch(message);
    expect(performance.now() - started).toBeLessThan(BOOT_MS);
  }, 2 * BOOT_MS);
});

/** Runs `bin.mjs companion <args>` until it is ready, then sends `signal`; resolves with everything it printed. */
async function runUntilReady(args: readonly string[], signal: NodeJS.Signals, whileRunning: (stdout: string) => Promise<void>): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [BIN, 'companion', '--ws-port', '0', '--reset-delay-ms', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  // 'close', not 'exit': the last of stderr may still be in the pipe when the process exits.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
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
    child.kill(signal);
  }
  // The exit first: what the process writes while it shuts down belongs to the result.
  const code = await exited;
  return { stdout, stderr, code };
}

/** `mbot-hil companion --json <args>` in-process: resolves with its one JSON line, what it printed, and its exit code after a stop. */
async function jsonInProcess(args: readonly string[]): Promise<{ line: string; printed: string; code: number }> {
  const s = sinks();
  const done = runCompanionCommand(['--ws-port', '0', '--reset-delay-ms', '0', '--json', ...args], s.io);
  const out = await Promise.race([s.outUntil('\n', 20_000), done.then((code) => { throw new Error(`the companion ended (${code}) before its line:\n${s.err()}`); })]);
  s.stop('SIGINT');
  const code = await done;
  return { line: out.slice(0, out.indexOf('\n')), printed: s.out() + s.err(), code };
}

describe('mbot-hil companion: the token is never printed', () => {
  const TOKEN = 'do-not-print-me-7f3a';

  test('text output (bin.mjs, ended by SIGTERM): the URL without the token, a line saying one is required; the token works', async () => {
    const out = await runUntilReady(['--token', TOKEN, '--allow-origin', 'http://localhost:5173'], 'SIGTERM', async (stdout) => {
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
    expect(out.stderr).toContain('companion stopped (SIGTERM)');
    expect(out.stdout).toMatch(/clients must present the token .*; it is not printed/);
    expect(out.stdout).toMatch(/web pages allowed from: http:\/\/localhost:5173/);
    expect(out.stdout + out.stderr).not.toContain(TOKEN);
  }, 30_000);

  test('--json (in-process): url without the token, tokenRequired true', async () => {
    const [open, withToken] = await Promise.all([jsonInProcess([]), jsonInProcess(['--token', TOKEN])]);
    expect(JSON.parse(open.line)).toMatchObject({ tokenRequired: false });
    const info = JSON.parse(withToken.line) as { url: string; tokenRequired: boolean };
    expect(info.tokenRequired).toBe(true);
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(withToken.printed).not.toContain(TOKEN);
    expect([open.code, withToken.code]).toEqual([0, 0]);
    // A command line is readable by every user of the machine (ps): the token belongs in HIL_COMPANION_TOKEN.
    expect(withToken.printed).toMatch(/warning: --token is on the command line.*HIL_COMPANION_TOKEN/);
    expect(open.printed).not.toMatch(/warning: --token/);
  }, 30_000);
});
