/**
 * No web page drives the robot by framing the dashboard (clickjacking). The
 * companion trusts the dashboard's origin, and the dashboard drives the
 * robot on a click; a page from any other origin that could load the
 * dashboard in an invisible iframe over a lure ("click to continue") would
 * turn the user's click on the lure into a drive command that passes the
 * companion's Origin check. The dashboard server must forbid framing
 * (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`). Before it did,
 * in a real headless Chromium one click on the hostile page reached the
 * robot as `drive 200/200`. The browser case is skipped without Chromium,
 * with the reason in its title; the header check always runs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { findChromium } from '../../harness/probes/chromium-find.ts';
import { CHROMIUM_FLAGS } from '../../harness/probes/chromium-launch.ts';
import { startCompanion, type Companion } from '../companion/companion-server.ts';
import { createScriptedRobot, type ScriptedRobot } from '../companion/robot-link.ts';
import { startDashboardServer, type DashboardServer } from './dashboard-server.ts';

const where = findChromium();
const skipReason = where.found ? '' : ` [skipped: ${where.reason}]`;
const VIEW = { width: 1000, height: 700 };

let browser: Browser | undefined;
let dashboard: DashboardServer;
let companion: Companion;
let robot: ScriptedRobot;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  dashboard = await startDashboardServer();
  robot = createScriptedRobot();
  companion = await startCompanion({ robot, allowOrigins: [dashboard.origin] });
  if (where.found) browser = await chromium.launch({ executablePath: where.executablePath, headless: true, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await companion.close();
  await dashboard.close();
});
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

test('every page response forbids framing by another origin', async () => {
  for (const path of ['/', '/index.html', '/main.ts', '/drawings/artbot-1200.json', '/nope.html']) {
    const res = await fetch(new URL(path, dashboard.url));
    await res.arrayBuffer();
    expect(res.headers.get('x-frame-options'), path).toBe('DENY');
    expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'.*script-src 'self'/);
  }
});

test.skipIf(!where.found)(`a page from another loopback origin framing the dashboard cannot turn a click into a drive${skipReason}`, async () => {
  const pageUrl = dashboard.pageUrl({ ws: companion.url });
  // Where the forward button sits in a viewport the size of the frame: the same layout as inside the frame.
  const direct = await (browser as Browser).newPage({ viewport: VIEW });
  cleanups.push(() => direct.close());
  await direct.goto(pageUrl, { waitUntil: 'load' });
  const box = await direct.locator('#drive-forward').boundingBox();
  expect(box).not.toBeNull();
  await direct.close();
  const before = companion.stats().connectionsTotal;

  const hostile: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><style>body{margin:0}iframe{position:absolute;left:0;top:0;border:0;opacity:0.01}</style>
      <button style="position:absolute;left:${box!.x}px;top:${box!.y}px">claim your prize</button>
      <iframe src="${pageUrl.replace(/"/g, '&quot;')}" width="${VIEW.width}" height="${VIEW.height}"></iframe>`);
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => { hostile.closeAllConnections(); hostile.close(() => resolve()); }));
  const page = await (browser as Browser).newPage({ viewport: VIEW });
  cleanups.push(() => page.close());
  await page.goto(`http://127.0.0.1:${(hostile.address() as AddressInfo).port}/`, { waitUntil: 'load' });
  // Until the frame has settled one way or the other: refused (Chromium puts its error page in it), or the
  // dashboard in it connected to the companion (before the fix, within a second).
  const child = () => page.frames().find((f) => f !== page.mainFrame());
  const start = Date.now();
  while (Date.now() - start < 10_000 && companion.stats().connectionsTotal === before && !child()?.url().startsWith('chrome-error:')) {
    await new Promise((r) => setTimeout(r, 25));
  }
  const framed = companion.stats().connectionsTotal > before;
  if (framed) await new Promise((r) => setTimeout(r, 300)); // its first telemetry, as a user would wait
  // The user clicks the lure; an invisible dashboard would take the click on its forward button.
  await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
  await new Promise((r) => setTimeout(r, 500));
  expect(robot.commands, `commands that reached the robot; framed dashboard connected: ${framed}`).toEqual([]);
  expect(child()?.url(), 'the frame shows Chromium\'s refusal, not the dashboard').toMatch(/^chrome-error:/);
}, 90_000);
