// The report screenshot script in a real headless Chromium: by default it
// renders the last run's compliance.json from the reports directory, saves
// a PNG and says which charts drew data; a chart that drew nothing fails it.
// Without Chromium this file fails with HIL_BROWSER_NOT_FOUND, as the HTML
// report's own Chromium test does. The two shots share one browser (a
// launch costs about 3 CPU-s here).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../reporter/chromium.ts';
import { runScreenshot } from './screenshot-report.ts';
import { sampleReport } from '../reporter/testing/sample-report.ts';
import { sinks } from './testing/io-sinks.ts';

let browser: Browser | undefined;
beforeAll(async () => { browser = await launchChromium(); }, 60_000);
afterAll(() => browser?.close());

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('npm run report:screenshot', () => {
  test('without a source it shoots the compliance.json of the reports directory and lists the charts, all with data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-shot-'));
    writeFileSync(join(dir, 'compliance.json'), JSON.stringify(sampleReport()));
    const s = sinks();
    expect(await runScreenshot(['--width', '900'], s.io, { HIL_REPORTS_DIR: dir }, browser)).toBe(0);
    expect(s.err()).toBe('');
    expect(s.out()).toMatch(new RegExp(`^saved ${join(dir, 'compliance-report.png')} \\(900 × \\d+ px\\) from ${join(dir, 'compliance.json')} \\(run started \\S+, \\w+\\)\\n`));
    expect(s.out()).toContain('charts: 10, every one with data: latency-histogram ×2, latency-percentiles ×2, frame-intervals ×1, memory-over-time ×1');
    expect(readFileSync(join(dir, 'compliance-report.png')).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  }, 60_000);

  test('a chart that drew nothing fails the check (exit 1) after the PNG is saved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-shot-empty-'));
    const page = join(dir, 'page.html');
    writeFileSync(page, '<!doctype html><figure class="chart" data-chart="memory-over-time"><svg viewBox="0 0 10 10"><line x1="0" x2="10" y1="5" y2="5"/></svg></figure>');
    const out = join(dir, 'page.png');
    const s = sinks();
    expect(await runScreenshot(['--html', page, '--out', out, '--viewport'], s.io, process.env, browser)).toBe(1);
    expect(s.err()).toBe('error: 1 of 1 chart(s) drew no data: memory-over-time ×1\n');
    expect(readFileSync(out).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  }, 60_000);

  test('no report to read, or two sources, is a configuration error (exit 2) before any browser starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-shot-none-'));
    const a = sinks();
    expect(await runScreenshot([], a.io, { HIL_REPORTS_DIR: dir })).toBe(2);
    expect(a.err()).toMatch(/^error HIL_CONFIG_INVALID: cannot read the report .*compliance\.json \(ENOENT\); run the suite first/);
    const b = sinks();
    expect(await runScreenshot(['--sample', '--from', 'x.json'], b.io)).toBe(2);
    expect(b.err()).toContain('HIL_CONFIG_INVALID: --from, --html and --sample pick the page to shoot: give one at most');
  });
});
