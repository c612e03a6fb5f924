/**
 * No web page drives the robot (issue 11, item 3): cross-site WebSocket
 * hijacking, tried from a REAL headless Chromium. A page served from a
 * second loopback origin opens the companion's socket and sends a drive
 * command; the upgrade must be refused (403) and the robot must not see the
 * command. A page from an origin the user allowed (`allowOrigins`,
 * `--allow-origin`) connects and drives. Without a browser the Chromium
 * tests are skipped with the reason in their title; the header-level checks
 * (a forged Origin with the right token) always run.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { findChromium } from '../../harness/probes/chromium-find.ts';
import { CHROMIUM_FLAGS } from '../../harness/probes/chromium-launch.ts';
import { startCompanion, type Companion } from './companion-server.ts';
import { createScriptedRobot, type ScriptedRobot } from './robot-link.ts';
import { connectTestClient } from './test-client.ts';
import { connectBystander } from './testing/bystander.ts';
import { rawRequest, upgradeRequest } from './testing/raw-http.ts';

/** The hijacking page: opens `ws` from the query, drives both wheels at 180, reports what happened in `window.__outcome`. */
const ATTACK_PAGE = `<!doctype html><meta charset="utf-8"><title>not the dashboard</title><script>
const ws = new WebSocket(new URLSearchParams(location.search).get('ws'));
window.__outcome = new Promise((resolve) => {
  let opened = false;
  ws.onopen = () => {
    opened = true;
    ws.send(JSON.stringify({ version: 2, type: 'command', timestamp: Date.now(), payload: { id: 'hijack', command: 'drive', args: { left: 180, right: 180 } } }));
  };
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    const all = m.type === 'batch' ? m.payload.messages : [m];
    for (const x of all) if (x.type === 'event' && x.payload.event === 'ack') resolve({ opened, ack: x.payload.data });
  };
  ws.onclose = (e) => resolve({ opened, closeCode: e.code });
});
</script>`;

/** A page server on its own loopback origin. */
async function servePage(host = '127.0.0.1'): Promise<{ origin: string; url(ws: string): string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end(ATTACK_PAGE); });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (ws) => `${origin}/?ws=${encodeURIComponent(ws)}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const where = findChromium();
const skipReason = where.found ? '' : ` [skipped: ${where.reason}]`;
let browser: Browser | undefined;
let robot: ScriptedRobot;
const running: Companion[] = [];
const pages: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  if (where.found) browser = await chromium.launch({ executablePath: where.executablePath, headless: true, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
}, 90_000);
afterAll(async () => { await browser?.close(); });
afterEach(async () => {
  for (const c of running.splice(0)) await c.close();
  for (const p of pages.splice(0)) await p.close();
});

async function start(options: Partial<Parameters<typeof startCompanion>[0]> = {}): Promise<Companion> {
  robot = createScriptedRobot();
  const c = await startCompanion({ robot, ...options });
  running.push(c);
  return c;
}

async function visit(pageUrl: string): Promise<{ opened: boolean; ack?: { ok: boolean }; closeCode?: number }> {
  const page = await (browser as Browser).newPage();
  try {
    await page.goto(pageUrl, { waitUntil: 'load' });
    return await page.evaluate(() => (window as unknown as { __outcome: Promise<{ opened: boolean }> }).__outcome);
  } finally {
    await page.close();
  }
}

describe('Origin check in a real browser', () => {
  test.skipIf(!where.found)(`a page from another loopback origin cannot open the socket nor drive the robot${skipReason}`, async () => {
    const c = await start();
    const bystander = await connectBystander(c.url);
    const page = await servePage();
    pages.push(page);
    const outcome = await visit(page.url(c.url));
    expect(outcome.opened, JSON.stringify(outcome)).toBe(false);
    expect(robot.commands).toEqual([]);
    const w = bystander.window();
    bystander.close();
    expect(w.gaps).toBe(0);
  }, 60_000);

  test.skipIf(!where.found)(`a page from an origin the user allowed connects and drives${skipReason}`, async () => {
    const page = await servePage();
    pages.push(page);
    const c = await start({ allowOrigins: [page.origin] });
    const outcome = await visit(page.url(c.url));
    expect(outcome).toMatchObject({ opened: true, ack: { ok: true } });
    expect(robot.commands).toEqual([{ command: 'drive', left: 180, right: 180 }]);
  }, 60_000);
});

describe('Origin check on the upgrade request', () => {
  const headers = (origin?: string, token?: string): Record<string, string> => ({
    ...(origin !== undefined ? { Origin: origin } : {}),
    ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}),
  });

  test.each([
    ['a foreign origin with the right token', 'https://evil.example', 'tok'],
    ['a foreign origin, no token set', 'http://127.0.0.1:1', undefined],
    ['the opaque origin of a file or sandboxed page', 'null', undefined],
    ['an origin that is not a URL', '::::', undefined],
  ])('%s: 403 before the upgrade', async (_what, origin, token) => {
    const c = await start(token ? { token } : {});
    const reply = await rawRequest(c.port, upgradeRequest('/', `127.0.0.1:${c.port}`, headers(origin, token)));
    expect(reply.status).toBe(403);
    expect(reply.text).toMatch(/HIL_PROTOCOL_ORIGIN_REFUSED/);
    expect(c.stats().connectionsTotal).toBe(0);
  });

  test('no Origin (a non-browser client) and an allowed origin are accepted', async () => {
    const c = await start({ token: 'tok', allowOrigins: ['http://localhost:5173'] });
    const plain = await connectTestClient(c.url);
    const allowed = await connectTestClient(c.url, { headers: { origin: 'http://localhost:5173' } });
    await plain.next((m) => m.type === 'state');
    await allowed.next((m) => m.type === 'state');
    plain.close();
    allowed.close();
  });
});
