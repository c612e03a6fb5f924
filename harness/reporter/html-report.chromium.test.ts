// The HTML report in a real headless Chromium: it renders, the charts have
// data, markup in a test name shows as text, nothing is fetched. Without
// Chromium this file fails (HIL_BROWSER_NOT_FOUND says how to install it):
// CI installs it, and a skipped check here would hide a broken report.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from './chromium.ts';
import { renderHtml } from './html-report.ts';
import { renderJunit } from './junit.ts';
import { sampleReport } from './testing/sample-report.ts';

const HOSTILE = `<img src=x onerror="document.title='pwned'"> & <b>bold</b>`;
const report = sampleReport({ firstTestName: HOSTILE });

let browser: Browser;
let page: Page;
const requests: string[] = [];
let url: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-html-'));
  const file = join(dir, 'compliance.html');
  writeFileSync(file, renderHtml(report));
  url = pathToFileURL(file).href;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => { requests.push(r.url()); });
  await page.goto(url, { waitUntil: 'load' });
}, 90_000);

afterAll(async () => {
  await browser?.close();
});

describe('compliance.html in headless Chromium', () => {
  test('renders the gate, the summary of every invariant and every evaluation', async () => {
    expect(await page.title()).toBe('Contract compliance: FAILED');
    expect(await page.locator('#gate').innerText()).toMatch(/^Gate FAILED · 1 pass · 3 fail · 0 not evaluated · 0 not run \(of 4\)$/);
    expect(await page.locator('table.summary tbody tr').count()).toBe(4);
    expect(await page.locator('table.coverage tbody tr').count()).toBe(4);
    expect(await page.locator('article.evaluation').count()).toBe(7);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height).toBeGreaterThan(3000);
  });

  test('every chart is laid out and has data marks', async () => {
    const charts = await page.$$eval('figure.chart', (figs) => figs.map((f) => {
      const svg = f.querySelector('svg') as SVGSVGElement;
      const box = svg.getBoundingClientRect();
      const points = Array.from(f.querySelectorAll('polyline.series')).reduce((n, p) => n + (p as SVGPolylineElement).points.numberOfItems, 0);
      return { kind: f.getAttribute('data-chart'), width: box.width, height: box.height, marks: f.querySelectorAll('.mark').length, points, refs: f.querySelectorAll('line.ref').length };
    }));
    expect(charts.length).toBe(10);
    for (const c of charts) {
      expect(c.width, c.kind ?? '').toBeGreaterThan(300);
      expect(c.height, c.kind ?? '').toBeGreaterThan(150);
      expect(c.marks + c.points, `${c.kind} has nothing drawn`).toBeGreaterThan(0);
    }
    const ev = (i: number) => report.contracts[0]!.invariants[i]!.evaluations[0]!.evidence!;
    const of = (kind: string) => charts.filter((c) => c.kind === kind);
    expect(of('latency-histogram').map((c) => c.marks)).toEqual([40, 40]);
    expect(of('latency-histogram').every((c) => c.refs === 2)).toBe(true);
    expect(of('latency-percentiles')[0]!.points).toBe(ev(0).latency!.curve.length);
    const frames = of('frame-intervals')[0]!;
    expect(frames.marks).toBe(ev(1).frames!.late.length);
    expect(frames.marks).toBeGreaterThan(5);
    expect(frames.points).toBe(ev(1).frames!.trace.length);
    expect(frames.refs).toBe(2);
    const memory = of('memory-over-time')[0]!;
    expect(memory.marks).toBe(ev(2).memory!.afterGc.length);
    expect(memory.points).toBe(ev(2).memory!.series.length + 2);
    expect(of('playback-fps')[0]!.points).toBe(ev(3).playback!.series.length);
    expect(await page.locator('figure[data-chart="frame-intervals"] text.reflabel.budget').textContent()).toBe('budget 16.667 ms (60 Hz)');
  });

  test('a test name with markup shows as text and runs nothing', async () => {
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('article.evaluation b').count()).toBe(0);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    const names = await page.locator('.testname').allInnerTexts();
    expect(names).toContain(`performance > ${HOSTILE}`);
    await expect(page.getByText(HOSTILE, { exact: false }).first().isVisible()).resolves.toBe(true);
    expect(await page.title()).not.toBe('pwned');
  });

  test('loads nothing but itself', () => {
    expect(requests).toEqual([url]);
  });

  test('the JUnit XML is well-formed XML with a testsuite per contract', async () => {
    const counts = await page.evaluate((xml) => {
      const doc = new DOMParser().parseFromString(xml, 'application/xml');
      return { errors: doc.getElementsByTagName('parsererror').length, suites: doc.getElementsByTagName('testsuite').length, cases: doc.getElementsByTagName('testcase').length, failures: doc.getElementsByTagName('failure').length, first: doc.querySelector('testcase')?.getAttribute('name') };
    }, renderJunit(report, 'sim'));
    expect(counts).toEqual({ errors: 0, suites: 1, cases: 4, failures: 2, first: `I-PERF-001 WebSocket Latency Target · performance > ${HOSTILE} [100 clients]` });
  });
});
