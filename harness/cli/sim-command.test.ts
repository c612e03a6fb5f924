/**
 * `mbot-hil sim`. One case runs the real `bin.mjs sim` (live) because the
 * process is its subject: it must outlive a hostile request and end by
 * itself on SIGINT with exit 0, which needs every port, server and timer
 * closed (bin.mjs only sets the exit code). The rest run in-process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { connectTestClient } from '../../reference/companion/test-client.ts';
import { rawRequest, upgradeRequest } from '../../reference/companion/testing/raw-http.ts';
import { ptyPairAvailable } from '../../simulators/pty/pty-pair.ts';
import { main } from './main.ts';
import { startInProcess } from './testing/in-process.ts';
import { sinks } from './testing/io-sinks.ts';
import { preloadCommands } from './testing/preload-commands.ts';

// The commands this file runs in-process, loaded before any test's timeout starts (main.ts loads them on use).
beforeAll(() => preloadCommands('sim'), 60_000);

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

/** A running `sim`: what it printed once ready, how to end it, and its exit code. */
interface RunningSim {
  stdout: string;
  stderr: () => string;
  stop(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

/** `bin.mjs sim <args>` as a child; resolves once it is ready ("Ctrl-C to stop.", or the line of `--json`). */
async function startSimProcess(args: readonly string[]): Promise<RunningSim> {
  const ready = args.includes('--json') ? '\n' : 'Ctrl-C to stop.\n';
  const child = spawn(process.execPath, [BIN, 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  // 'close', not 'exit': the last of stderr may still be in the pipe when the process exits.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (stdout.includes(ready)) resolve();
    });
    void exited.then((code) => reject(new Error(`sim exited ${code} before it was ready:\n${stdout}${stderr}`)));
  });
  return { stdout, stderr: () => stderr, stop: (signal) => child.kill(signal), exited };
}

/** `mbot-hil sim <args>` in this process (`main(argv, io)`); `stop` stands in for the signal. */
async function startSimInProcess(args: readonly string[]): Promise<RunningSim> {
  const { s, out, done } = await startInProcess(['sim', ...args], args.includes('--json') ? '\n' : 'Ctrl-C to stop.\n');
  return { stdout: out, stderr: s.err, stop: (signal) => s.stop(signal), exited: done };
}

/**
 * The live mode end to end, as a person uses it: the printed companion URL
 * answers a WebSocket client with a state snapshot, the printed dashboard
 * URL serves the page pointed at that companion, and a signal ends it
 * (exit 0). `during` runs while it is up.
 */
async function checkLive(sim: RunningSim, json: boolean, signal: NodeJS.Signals, during: (urls: { companion: string; dashboard: string }) => Promise<void> = async () => {}): Promise<string> {
  try {
    const parsed = json ? JSON.parse(sim.stdout) as { companion: string; dashboard: string } : null;
    const companionUrl = parsed ? parsed.companion : /^ {2}companion {2}(ws:\/\/127\.0\.0\.1:\d+\/)$/m.exec(sim.stdout)?.[1];
    const dashboardUrl = parsed ? parsed.dashboard : /^ {2}dashboard {2}(http:\/\/127\.0\.0\.1:\d+\/\?ws=\S+)$/m.exec(sim.stdout)?.[1];
    expect(companionUrl, sim.stdout).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(dashboardUrl, sim.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?ws=/);
    expect(new URL(dashboardUrl as string).searchParams.get('ws')).toBe(companionUrl);

    const client = await connectTestClient(companionUrl as string);
    const state = await client.next((m) => m.type === 'state', 5000);
    client.close();
    expect(state).toMatchObject({ version: 2, type: 'state' });
    expect(state.payload).toEqual(expect.objectContaining({ pose: expect.any(Object) }));

    const page = await fetch(dashboardUrl as string);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<canvas id="ink"');
    await during({ companion: companionUrl as string, dashboard: dashboardUrl as string });
  } finally {
    sim.stop(signal);
  }
  expect(await sim.exited).toBe(0);
  expect(sim.stderr()).toContain(`stopped (${signal}): dashboard and companion closed, motors stopped, port closed`);
  return sim.stdout;
}

describe('mbot-hil sim (live)', () => {
  test('bin.mjs sim: prints the companion and dashboard URLs; both answer; a request target that is not a path gets 400 and the process lives; SIGINT ends it with exit 0', async () => {
    const sim = await startSimProcess(['--ws-port', '0', '--http-port', '0', '--reset-delay-ms', '0']);
    const stdout = await checkLive(sim, false, 'SIGINT', async (urls) => {
      // Issue 11: one such request used to end the whole process (dashboard, companion and simulator).
      const http = Number(new URL(urls.dashboard).port);
      const ws = Number(new URL(urls.companion).port);
      const toDashboard = await rawRequest(http, 'GET //a:99999/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      const toCompanion = await rawRequest(ws, upgradeRequest('//a:99999/', `127.0.0.1:${ws}`));
      expect(toDashboard.status).toBe(400);
      expect(toCompanion.status).toBe(400);
      expect((await fetch(urls.dashboard)).status).toBe(200);
      const client = await connectTestClient(urls.companion);
      await client.next((m) => m.type === 'state', 5000);
      client.close();
    });
    expect(stdout).toMatch(/^simulated mBot \(seed 1, wiring johnny-five-examples\) live in real time, in this process:$/m);
    expect(stdout).toMatch(/^measure the companion: {2}HIL_COMPANION_URL=ws:\/\/127\.0\.0\.1:\d+\/ npx vitest run --project sim specs\/performance\/websocket-latency\.spec\.ts$/m);
  }, 60_000);

  test.skipIf(!ptyPairAvailable())('--pty --live --json (in-process): the companion reads the PTY through the real binding; a stop (SIGTERM) removes the PTY', async () => {
    const sim = await startSimInProcess(['--pty', '--live', '--seed', '7', '--wiring', 'assembly-guide', '--json', '--ws-port', '0', '--http-port', '0']);
    const stdout = await checkLive(sim, true, 'SIGTERM');
    const info = JSON.parse(stdout) as { pty: string; seed: number; wiring: string; pid: number };
    expect(info).toMatchObject({ seed: 7, wiring: 'assembly-guide', pid: process.pid });
    expect(info.pty).toMatch(/\/host$/);
    expect(existsSync(info.pty)).toBe(false);
  }, 30_000);

  test('--help describes the live mode and the PTY mode', async () => {
    const s = sinks();
    expect(await main(['sim', '--help'], s.io)).toBe(0);
    expect(s.out()).toMatch(/^Usage: mbot-hil sim \[--pty\] \[--live\]/);
    expect(s.out()).toContain('Live (the default)');
    expect(s.out()).toContain('--pty --live');
    expect(s.out()).toContain('--http-port N');
  });

  test('options that do not fit the mode are usage errors (exit 2)', async () => {
    const a = sinks();
    expect(await main(['sim', '--pty', '--ws-port', '9000'], a.io)).toBe(2);
    expect(a.err()).toContain('--ws-port needs the companion and dashboard: drop --pty, or add --live');
    const b = sinks();
    expect(await main(['sim', '--pty', '--live', '--reset-delay-ms', '0'], b.io)).toBe(2);
    expect(b.err()).toContain('--reset-delay-ms does not apply to --pty --live');
    const c = sinks();
    expect(await main(['sim', '--http-port', 'x'], c.io)).toBe(2);
    expect(c.err()).toContain('error HIL_CLI_USAGE: --http-port must be an integer in 0..65535; got "x"');
  });

  test('a companion port in use fails with HIL_COMPANION_START_FAILED (exit 1) and leaves nothing running', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const s = sinks();
      const sigintListeners = process.listenerCount('SIGINT');
      expect(await main(['sim', '--reset-delay-ms', '0', '--ws-port', String(port), '--http-port', '0'], s.io)).toBe(1);
      expect(s.err()).toMatch(/^error HIL_COMPANION_START_FAILED: cannot listen on 127\.0\.0\.1:\d+/);
      expect(s.out()).toBe('');
      expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
    } finally {
      busy.close();
    }
  }, 20_000);
});
