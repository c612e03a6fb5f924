import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { findChromium } from '../../harness/probes/chromium-find.ts';
import { CHROMIUM_FLAGS } from '../../harness/probes/chromium-launch.ts';
import { startDashboardServer, type DashboardServer } from './dashboard-server.ts';

const where = findChromium();
const env = (type: string, payload: unknown): string => JSON.stringify({ version: 2, type, payload, timestamp: Date.now() });
const pose = (xCm: number, yCm: number, penDown: boolean): string => env('event', { event: 'pose', data: { xCm, yCm, headingDeg: 0, penDown } });

describe.skipIf(!where.found)('the ArtBot canvas with no drawing loaded (real Chromium)', () => {
  let server: DashboardServer;
  let companion: WebSocketServer;
  let browser: Browser;
  /** Lifts the stand-in's pen: it holds the pen down at x = 140 until the test has read the caption. */
  let liftPen: () => void = () => {};
  const penLifted = new Promise<void>((resolve) => { liftPen = resolve; });
  beforeAll(async () => {
    server = await startDashboardServer();
    // A companion stand-in: a state snapshot with one finished stroke, then the robot drives with the pen down.
    companion = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    companion.on('connection', (ws) => {
      ws.send(env('state', { pose: { xCm: 20, yCm: 20, headingDeg: 0 }, strokes: [{ id: 1, points: [[20, 120], [60, 120]] }] }));
      let x = 100;
      let lifted = false;
      void penLifted.then(() => { lifted = true; });
      // Pen down from x = 100 to 160, then up: the companion sends the finished stroke when the pen lifts.
      // It waits at x = 140 (pen down) until the test saw the caption: a fixed 0.3 s of pen down was a window
      // a busy machine's page could miss, seeing only 'pen up'.
      const timer = setInterval(() => {
        if (x > 140 && !lifted) return;
        ws.send(pose(x, 60, x <= 160));
        if (x === 162) ws.send(env('event', { event: 'stroke', data: { points: [[100, 60], [160, 60]] } }));
        x += 2;
        if (x > 180) clearInterval(timer);
      }, 10);
      ws.on('close', () => clearInterval(timer));
    });
    await new Promise((r) => companion.once('listening', r));
    browser = await chromium.launch({ executablePath: where.found ? where.executablePath : '', args: [...CHROMIUM_FLAGS] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    companion?.close();
    await server?.close();
  });

  test('is paper, not a black box, and shows the robot\'s pen strokes live', async () => {
    const port = (companion.address() as { port: number }).port;
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(server.pageUrl({ ws: `ws://127.0.0.1:${port}/` }));
    // While the pen is down the stroke being drawn counts: the one from the snapshot and this one.
    // The stand-in holds the pen down until the caption was read, then lifts it.
    const whilePenDown = await page.waitForFunction(() => {
      const text = document.getElementById('progress')?.textContent ?? '';
      return text.includes('pen down') ? text : false;
    }, undefined, { timeout: 15_000 });
    expect(await whilePenDown.jsonValue()).toBe("no drawing loaded · the robot's pen, live: 2 strokes · pen down");
    liftPen();
    await page.waitForFunction(() => document.getElementById('progress')?.textContent?.includes('pen up'), undefined, { timeout: 15_000 });
    // Canvas pixels at world points: (cm → px) as the page maps the 200 × 150 cm arena onto the 840 × 594 canvas.
    const pixels = await page.evaluate(() => {
      const c = document.getElementById('ink') as HTMLCanvasElement;
      const g = c.getContext('2d')!;
      const scale = Math.min(c.width / 200, c.height / 150);
      const x0 = (c.width - 200 * scale) / 2;
      // The darkest pixel of the 5 × 5 around the point: a 2 px line need not cover its exact pixel.
      const at = (xCm: number, yCm: number): number[] => {
        const d = g.getImageData(Math.round(x0 + xCm * scale) - 2, Math.round(c.height - yCm * scale) - 2, 5, 5).data;
        let best = [255, 255, 255];
        for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! < best[0]! + best[1]! + best[2]!) best = [d[i]!, d[i + 1]!, d[i + 2]!];
        return best;
      };
      return { blank: at(5, 140), stroke: at(40, 120), live: at(130, 60), afterLift: at(175, 60) };
    });
    const dark = (p: number[]): boolean => p[0]! < 120 && p[1]! < 120 && p[2]! < 140;
    expect(pixels.blank).toEqual([0xff, 0xfd, 0xf7]);
    expect(dark(pixels.stroke), `finished stroke from the state snapshot: ${pixels.stroke}`).toBe(true);
    expect(dark(pixels.live), `stroke in progress from the pose stream: ${pixels.live}`).toBe(true);
    expect(dark(pixels.afterLift), `nothing inked after the pen went up: ${pixels.afterLift}`).toBe(false);
    expect(await page.textContent('#progress')).toBe("no drawing loaded · the robot's pen, live: 2 strokes · pen up");
    await page.close();
  }, 30_000);
});
