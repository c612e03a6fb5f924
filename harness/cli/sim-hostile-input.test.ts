/**
 * `mbot-hil sim` under hostile input (issue 11): one request with a
 * request target that is not a path used to end the whole process
 * (dashboard, companion and simulator); now each server answers 400 and
 * the process carries on. In a real headless Chromium the dashboard's own
 * page connects to the companion, while a page from any other loopback
 * origin is refused (without a browser those two checks are skipped with
 * the reason in their title).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findChromium } from '../probes/chromium-find.ts';
import { CHROMIUM_FLAGS } from '../probes/chromium-launch.ts';
import { rawRequest, upgradeRequest } from '../../reference/companion/testing/raw-http.ts';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
const where = findChromium();
const skipReason = where.found ? '' : ` [skipped: ${where.reason}]`;

let child: ChildProcess;
let info: { companion: string; dashboard: string };
let browser: Browser | undefined;
let stderr = '';

beforeAll(async () => {
  child = spawn(process.execPath, [BIN, 'sim', '--ws-port', '0', '--http-port', '0', '--reset-delay-ms', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (stdout.includes('\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sim exited ${String(code)}: ${stdout}${stderr}`)));
  });
  info = JSON.parse(stdout) as typeof info;
  if (where.found) browser = await chromium.launch({ executablePath: where.executablePath, headless: true, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
});

const alive = (): boolean => child.exitCode === null && child.signalCode === null;
const portOf = (url: string): number => Number(new URL(url).port);

describe('mbot-hil sim survives bad request targets', () => {
  test('GET //a:99999/ to the dashboard and an upgrade for it to the companion: 400 each, the process lives', async () => {
    const http = portOf(info.dashboard);
    const ws = portOf(info.companion);
    const toDashboard = await rawRequest(http, 'GET //a:99999/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const toCompanion = await rawRequest(ws, upgradeRequest('//a:99999/', `127.0.0.1:${ws}`));
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(), `sim died; stderr:\n${stderr}`).toBe(true);
    expect(toDashboard.status).toBe(400);
    expect(toCompanion.status).toBe(400);
    expect((await fetch(info.dashboard)).status).toBe(200);
  }, 20_000);
});

describe('only the dashboard page may open the companion from a browser', () => {
  test.skipIf(!where.found)(`the dashboard's own page connects and receives telemetry${skipReason}`, async () => {
    const page = await (browser as Browser).newPage();
    try {
      await page.goto(info.dashboard, { waitUntil: 'load' });
      await page.waitForFunction(() => (window.mbotHil?.telemetry().messages ?? 0) > 5, undefined, { timeout: 10_000 });
      expect(await page.evaluate(() => window.mbotHil?.telemetry().connected)).toBe(true);
    } finally {
      await page.close();
    }
  }, 30_000);

  test.skipIf(!where.found)(`a page from another loopback origin is refused${skipReason}`, async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<script>
        window.__outcome = new Promise((resolve) => {
          const ws = new WebSocket(new URLSearchParams(location.search).get('ws'));
          ws.onopen = () => resolve('opened');
          ws.onclose = (e) => resolve('closed ' + e.code);
        });
      </script>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const page = await (browser as Browser).newPage();
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?ws=${encodeURIComponent(info.companion)}`);
      expect(await page.evaluate(() => (window as unknown as { __outcome: Promise<string> }).__outcome)).toBe('closed 1006');
    } finally {
      await page.close();
      server.closeAllConnections();
      server.close();
    }
    expect(alive()).toBe(true);
  }, 30_000);
});
