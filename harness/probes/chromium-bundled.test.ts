import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bundledChromium } from './chromium-bundled.ts';
import { findChromium, playwrightCacheBrowsers } from './chromium-find.ts';
import { openFrameProbe } from './frame-probe.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mbot-hil-chromium-test-'));

describe('the Chromium that ships inside an npm package', () => {
  test('unpacks once into its cache folder, whole and executable, and is found as `npm package`', () => {
    const cache = tmp();
    const first = bundledChromium({ HIL_CHROMIUM_CACHE: cache });
    expect(first).toMatchObject({ found: true, executablePath: join(cache, 'chromium') });
    if (!first.found) return;
    expect(statSync(first.executablePath).mode & 0o111).not.toBe(0);
    expect(statSync(first.executablePath).size).toBeGreaterThan(50 * 1024 * 1024);
    // The second call reuses the unpacked binary.
    expect(bundledChromium({ HIL_CHROMIUM_CACHE: cache })).toMatchObject({ found: true, unpackedMs: 0 });
    expect(findChromium({ HIL_CHROMIUM: 'bundled', HIL_CHROMIUM_CACHE: cache })).toEqual({ found: true, executablePath: first.executablePath, via: 'npm package' });
  }, 60_000);

  test('a cache folder that cannot be written is a reason, not a throw', () => {
    const file = join(tmp(), 'not-a-folder');
    writeFileSync(file, '');
    const where = findChromium({ HIL_CHROMIUM: 'bundled', HIL_CHROMIUM_CACHE: file });
    expect(where.found).toBe(false);
    if (!where.found) expect(where.reason).toMatch(/^no Chromium: HIL_CHROMIUM=bundled but @sparticuz\/chromium 147\.0\.0 could not be unpacked/);
  });

  test('it launches through playwright-core and the probe names it', async () => {
    const probe = await openFrameProbe({ env: { ...process.env, HIL_CHROMIUM: 'bundled' } });
    try {
      expect(probe.available).toBe(true);
      expect(probe.browserSource).toBe('npm package');
      expect(probe.browserVersion).toMatch(/^147\./);
      const m = await probe.measure({ url: 'data:text/html,<body>ok</body>', warmupMs: 100, windowMs: 500 });
      if (!m.available) throw new Error('probe unavailable');
      // It draws frames, at display rate: how many fit in the 500 ms window depends on the
      // machine's load (more than 10 was expected before), but the quickest interval is a
      // vsync or two (16.7 or 33.3 ms at 60 Hz) as long as two frames ever follow each other
      // undisturbed; a throttled page (1 Hz, as a background tab) or a paused one fails.
      const ts = m.record.timestampsMs;
      const intervals = ts.slice(1).map((t, i) => t - ts[i]!);
      const shape = intervals.map((ms) => Math.round(ms)).join(' ');
      expect(ts.length, shape).toBeGreaterThanOrEqual(3);
      expect(intervals.every((ms) => ms > 0), shape).toBe(true);
      expect(Math.min(...intervals), shape).toBeLessThanOrEqual(34);
    } finally {
      await probe.close();
    }
  }, 60_000);
});

describe("Playwright's browser cache", () => {
  test('lists the newest revision first, headless shell and full browser alike', () => {
    const root = tmp();
    for (const d of ['chromium-1100/chrome-linux', 'chromium_headless_shell-1200/chrome-linux', 'firefox-900']) mkdirSync(join(root, d), { recursive: true });
    const shell = join(root, 'chromium_headless_shell-1200/chrome-linux/headless_shell');
    writeFileSync(shell, '#!/bin/sh\n');
    chmodSync(shell, 0o755);
    const list = playwrightCacheBrowsers({ PLAYWRIGHT_BROWSERS_PATH: root });
    expect(list[0]).toBe(shell);
    expect(list).toContain(join(root, 'chromium-1100/chrome-linux/chrome'));
    expect(list.some((p) => p.includes('firefox'))).toBe(false);
    expect(playwrightCacheBrowsers({ PLAYWRIGHT_BROWSERS_PATH: join(root, 'missing') })).toEqual([]);
  });
});
