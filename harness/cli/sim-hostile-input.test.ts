/**
 * `mbot-hil sim` and the browser (issue 11): in a real headless Chromium the
 * dashboard's own page connects to the companion, while a page from any
 * other loopback origin is refused (without a browser both checks are
 * skipped with the reason in their title). The sim runs in this process
 * (`main(argv, io)`); the hostile request targets that used to end the
 * whole process are sent to a real `bin.mjs sim` in sim-command.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findChromium } from '../probes/chromium-find.ts';
import { CHROMIUM_FLAGS } from '../probes/chromium-launch.ts';
import { startInProcess } from './testing/in-process.ts';
import { sinks } from './testing/io-sinks.ts';
import { preloadCommands } from './testing/preload-commands.ts';

const where = findChromium();
const skipReason = where.found ? '' : ` [skipped: ${where.reason}]`;

const sim = sinks();
let exited: Promise<number> | undefined;
let info: { companion: string; dashboard: string };
let browser: Browser | undefined;

beforeAll(async () => {
  if (!where.found) return;
  await preloadCommands('sim');
  const started = await startInProcess(['sim', '--ws-port', '0', '--http-port', '0', '--reset-delay-ms', '0', '--json'], '\n', 30_000, sim);
  exited = started.done;
  info = JSON.parse(started.out) as typeof info;
  browser = await chromium.launch({ executablePath: where.executablePath, headless: true, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  sim.stop('SIGINT');
  if (exited) expect(await exited).toBe(0);
});

/** The sim is still up: its command has not returned. */
const alive = async (): Promise<boolean> => (await Promise.race([exited, new Promise((r) => setTimeout(r, 0, 'running'))])) === 'running';

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
    expect(await alive(), sim.err()).toBe(true);
  }, 30_000);
});
