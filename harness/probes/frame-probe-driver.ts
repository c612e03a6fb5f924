/**
 * The frame probe's driver process: runs playwright-core and Chromium on
 * behalf of `frame-probe.ts`, one request at a time over IPC (see
 * `frame-probe-protocol.ts`).
 *
 * Why a separate process: a sim spec's worker runs under a virtual clock that
 * replaces the global timers, and Playwright's own timers would never fire
 * there (a launch hangs). Here every timer is real, the browser's CPU cost is
 * kept out of the worker, and a browser crash cannot take the worker down.
 * Exits when the parent goes away.
 */
import type { CDPSession, Page } from 'playwright-core';
import { HilError, isHilError, type HilErrorCode } from '../errors.ts';
import { launchChromium, type LaunchedChromium } from './chromium-launch.ts';
import { acquireMeasurementLock } from './frame-probe-lock.ts';
import { FRAME_RECORDER_SCRIPT, PAGE_RECORDER_GLOBAL, type PageFrameRecord } from './frame-probe-page-script.ts';
import { NETWORK_INIT_SCRIPT, type PageNetworkTimings } from './frame-probe-network.ts';
import { watchNetwork } from './frame-probe-network-watch.ts';
import type { DriverRequest, DriverResponse, HeapReading, LaunchResult, MeasureResult, MeasureSpec, ProbeClick, ScreenshotSpec } from './frame-probe-protocol.ts';

const LOAD_TIMEOUT_MS = 30_000;
let browser: LaunchedChromium | null = null;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, Math.max(0, ms)); });

/** Rejects with HIL_PAGE_PROBE_FAILED when `promise` takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HilError('HIL_PAGE_PROBE_FAILED', `${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function requireBrowser(): LaunchedChromium {
  if (!browser) throw new HilError('HIL_PAGE_PROBE_FAILED', 'the driver has no browser; send launch first');
  return browser;
}

/**
 * Opens `url` in a new page with the recorder installed, cold (cache
 * disabled), and reads its network timings after the load event; waits for
 * the page hook's `ready` when there is one.
 */
async function openPage(url: string): Promise<{ page: Page; cdp: CDPSession; hook: boolean; strokeCount: number | null; errors: string[]; network: PageNetworkTimings }> {
  const page = await requireBrowser().context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(FRAME_RECORDER_SCRIPT);
  await page.addInitScript(NETWORK_INIT_SCRIPT);
  const cdp = await page.context().newCDPSession(page);
  let network: PageNetworkTimings;
  try {
    const watch = await watchNetwork(cdp);
    const response = await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS });
    if (response && response.status() >= 400) throw new Error(`HTTP ${response.status()} ${response.statusText()}`);
    network = await watch.read((expression) => page.evaluate(expression));
  } catch (err) {
    await page.close().catch(() => undefined);
    throw new HilError('HIL_PAGE_LOAD_FAILED', `could not load ${url} (${(err as Error).message.split('\n')[0]}); is the server running and the URL right?`, { cause: err });
  }
  const hook = (await page.evaluate('typeof window.mbotHil === "object" && window.mbotHil !== null')) as boolean;
  let strokeCount: number | null = null;
  if (hook) {
    try {
      const ready = (await within(page.evaluate('Promise.resolve(window.mbotHil.ready)'), LOAD_TIMEOUT_MS, 'window.mbotHil.ready')) as { strokeCount?: unknown } | null;
      strokeCount = typeof ready?.strokeCount === 'number' ? ready.strokeCount : null;
    } catch (err) {
      await page.close().catch(() => undefined);
      throw new HilError('HIL_PAGE_LOAD_FAILED', `${url}: window.mbotHil.ready failed (${(err as Error).message.split('\n')[0]})`, { cause: err });
    }
  }
  return { page, cdp, hook, strokeCount, errors, network };
}

/**
 * Where each click lands, found before recording: Playwright's selector
 * engine is a large script compiled on first use, a cost of the probe, not of
 * the page. During the window a click is what a user's is: mouse events at a point.
 */
async function clickTargets(page: Page, url: string, clicks: readonly ProbeClick[]): Promise<(ProbeClick & { x: number; y: number })[]> {
  const targets: (ProbeClick & { x: number; y: number })[] = [];
  for (const c of [...clicks].sort((a, b) => a.atMs - b.atMs)) {
    const box = await page.locator(c.selector).first().boundingBox({ timeout: 5_000 }).catch(() => null);
    if (!box) throw new HilError('HIL_PAGE_PROBE_FAILED', `${url}: nothing visible to click at "${c.selector}"`);
    targets.push({ ...c, x: box.x + box.width / 2, y: box.y + box.height / 2 });
  }
  return targets;
}

async function readHeap(cdp: CDPSession, into: HeapReading[]): Promise<void> {
  const h = await cdp.send('Runtime.getHeapUsage');
  into.push({ atMs: Date.now(), usedBytes: h.usedSize, totalBytes: h.totalSize });
}

async function measure(spec: MeasureSpec): Promise<MeasureResult> {
  const { page, cdp, hook, strokeCount, errors, network } = await openPage(spec.url);
  try {
    if (spec.playback && !hook) {
      throw new HilError('HIL_PAGE_PROBE_FAILED', `${spec.url} has no window.mbotHil hook, so the probe cannot start a playback; a dashboard offers { ready, play({ durationMs }) } (see reference/dashboard/page/main.ts)`);
    }
    const heap: HeapReading[] = [];
    await readHeap(cdp, heap);
    const totalMs = spec.warmupMs + spec.windowMs;
    const targets = await clickTargets(page, spec.url, spec.clicks);
    const lock = spec.lock ? await acquireMeasurementLock({ label: spec.label }) : null;
    let record: PageFrameRecord;
    let playback: MeasureResult['playback'] = null;
    let clicks = 0;
    try {
      const start = `window.${PAGE_RECORDER_GLOBAL}.start();`;
      await page.evaluate(spec.playback ? `${start} window.__mbotHilPlayback = Promise.resolve(window.mbotHil.play({ durationMs: ${totalMs} })); true` : `${start} true`);
      const t0 = Date.now();
      const heapTimer = setInterval(() => { readHeap(cdp, heap).catch(() => undefined); }, spec.heapEveryMs);
      const clicking = (async () => {
        for (const c of targets) {
          await sleep(t0 + c.atMs - Date.now());
          await page.mouse.click(c.x, c.y);
          clicks++;
        }
      })();
      try {
        if (spec.playback) {
          playback = (await within(page.evaluate('window.__mbotHilPlayback'), totalMs + 15_000, 'the page\'s playback')) as MeasureResult['playback'];
        } else {
          await sleep(totalMs);
        }
        await within(clicking, 10_000, 'the clicks');
      } finally {
        clearInterval(heapTimer);
      }
      record = (await page.evaluate(`window.${PAGE_RECORDER_GLOBAL}.stop()`)) as PageFrameRecord;
    } finally {
      lock?.release();
    }
    await readHeap(cdp, heap);
    const telemetry = hook
      ? ((await page.evaluate('typeof window.mbotHil.telemetry === "function" ? window.mbotHil.telemetry() : null')) as MeasureResult['telemetry'])
      : null;
    await cdp.detach().catch(() => undefined);
    return {
      record, warmupMs: spec.warmupMs, heap, hook, strokeCount, playback, clicks, telemetry, pageErrors: errors, network,
      lock: lock ? { held: lock.held, waitedMs: lock.waitedMs, waitedFor: lock.waitedFor } : null,
    };
  } finally {
    await page.close().catch(() => undefined);
  }
}

async function screenshot(spec: ScreenshotSpec): Promise<{ path: string; strokesDone: number | null }> {
  const { page, hook } = await openPage(spec.url);
  try {
    if (!hook) throw new HilError('HIL_PAGE_PROBE_FAILED', `${spec.url} has no window.mbotHil hook to start a playback`);
    const targets = await clickTargets(page, spec.url, spec.clicks ?? []);
    await page.evaluate(`window.mbotHil.play({ durationMs: ${spec.playbackMs} }); true`);
    const t0 = Date.now();
    for (const c of targets) {
      await sleep(t0 + c.atMs - Date.now());
      await page.mouse.click(c.x, c.y);
    }
    await sleep(t0 + spec.atMs - Date.now());
    await page.screenshot({ path: spec.path });
    const strokesDone = (await page.evaluate('typeof window.mbotHil.strokesDone === "number" ? window.mbotHil.strokesDone : null')) as number | null;
    return { path: spec.path, strokesDone };
  } finally {
    await page.close().catch(() => undefined);
  }
}

async function handle(req: DriverRequest): Promise<unknown> {
  switch (req.op) {
    case 'launch': {
      browser = await launchChromium({ executablePath: req.executablePath, extraArgs: req.extraArgs });
      const page = await browser.context.newPage();
      const userAgent = (await page.evaluate('navigator.userAgent')) as string;
      await page.close();
      return { version: browser.version, userAgent } satisfies LaunchResult;
    }
    case 'measure': return measure(req.spec);
    case 'screenshot': return screenshot(req.spec);
    case 'close':
      await browser?.close();
      browser = null;
      return null;
  }
}

function reply(res: DriverResponse): void {
  process.send?.(res);
}

// Requests are served one at a time: overlapping measurements would disturb each other.
let queue: Promise<void> = Promise.resolve();
process.on('message', (msg: DriverRequest) => {
  queue = queue.then(async () => {
    try {
      reply({ id: msg.id, ok: true, result: await handle(msg) });
    } catch (err) {
      const code: HilErrorCode | null = isHilError(err) ? err.code : null;
      reply({ id: msg.id, ok: false, error: { code, message: (err as Error).message } });
    }
    if (msg.op === 'close') process.disconnect?.();
  });
});

process.on('disconnect', () => {
  void (browser?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
