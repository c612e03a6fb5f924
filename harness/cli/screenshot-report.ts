/**
 * Saves a PNG of the HTML report as headless Chromium renders it, and
 * checks that every chart on the page drew data:
 * `npm run report:screenshot` (or `npx tsx harness/reporter/screenshot-report.ts`).
 *
 * By default the page is rendered from the last run's
 * `reports/compliance.json` (`HIL_REPORTS_DIR` when set), so the picture
 * shows real measurements with the current renderer; `--from`, `--html`
 * and `--sample` pick another source. The page is loaded with every
 * network request refused, as a reader's browser would see the attachment
 * offline. Exit code: 0 saved and every chart has data, 1 a chart drew
 * nothing (the PNG is still saved) or the browser failed, 2 bad options or
 * no report to read.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { HilError } from '../errors.ts';
import { parseCommandArgs, type CliIo } from './command.ts';
import { PROCESS_IO, reportError } from './cli-support.ts';
import { launchChromium } from '../reporter/chromium.ts';
import { renderHtml } from '../reporter/html-report.ts';
import { readComplianceReport } from '../reporter/report-files.ts';

const HELP = `Usage: npm run report:screenshot -- [options]

Saves a PNG of the HTML report as headless Chromium renders it (network
refused) and checks that every chart drew data. By default the page is
rendered from the last run's compliance.json (reports/, or HIL_REPORTS_DIR).

Source (one at most):
  --from <json>   render this compliance.json (default <reports>/compliance.json)
  --html <file>   shoot this page as it is (e.g. a compliance.html kept from CI)
  --sample        render the built-in sample report with a baseline comparison
                  (synthetic data, not a measurement)

Output:
  --out <png>     where to save (default <reports>/compliance-report.png)
  --width <px>    viewport width (default 1280)
  --viewport      only the first screen, not the full page
  -h, --help      show this help

Exit code: 0 saved and every chart has data; 1 a chart drew nothing (the
PNG is still saved) or Chromium failed; 2 bad options or no report.`;

/** Options of {@link screenshotReport}. */
export interface ScreenshotOptions {
  /** The page's HTML. */
  html: string;
  /** PNG path to write. */
  out: string;
  width?: number;
  fullPage?: boolean;
  /** An open browser to render in, left open (several shots pay for one launch); default: launch one and close it. */
  browser?: Browser;
}

/** What one chart of the page drew, as Chromium laid it out. */
export interface ChartInventory {
  /** The chart's `data-chart`, e.g. `latency-histogram`. */
  kind: string;
  /** Bars and point marks drawn. */
  marks: number;
  /** Points of its line series. */
  points: number;
}

/** What {@link screenshotReport} saved and saw. */
export interface ScreenshotResult {
  out: string;
  heightPx: number;
  /** Network requests the page tried (all refused). */
  blockedRequests: string[];
  /** Every chart of the page, in page order. */
  charts: ChartInventory[];
}

/** Every `figure.chart` of the page with the marks and line points its SVG holds. */
async function chartInventory(page: Page): Promise<ChartInventory[]> {
  return page.$$eval('figure.chart', (figures) => figures.map((f) => ({
    kind: f.getAttribute('data-chart') ?? '(unnamed)',
    marks: f.querySelectorAll('svg .mark').length,
    points: Array.from(f.querySelectorAll('svg polyline.series')).reduce((n, p) => n + (p as SVGPolylineElement).points.numberOfItems, 0),
  })));
}

/** Renders `html` in headless Chromium (network refused), saves a PNG, and lists the charts it drew. */
export async function screenshotReport(options: ScreenshotOptions): Promise<ScreenshotResult> {
  const browser = options.browser ?? await launchChromium();
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: 900 } });
  try {
    const blockedRequests: string[] = [];
    await page.route('**/*', (route) => {
      blockedRequests.push(route.request().url());
      return route.abort();
    });
    await page.setContent(options.html, { waitUntil: 'load' });
    const heightPx = await page.evaluate(() => document.documentElement.scrollHeight);
    const charts = await chartInventory(page);
    const png = await page.screenshot({ fullPage: options.fullPage ?? true, type: 'png' });
    mkdirSync(dirname(options.out), { recursive: true });
    const tmp = `${options.out}.${process.pid}.tmp`;
    writeFileSync(tmp, png);
    renameSync(tmp, options.out);
    return { out: options.out, heightPx, blockedRequests, charts };
  } finally {
    await page.close();
    if (!options.browser) await browser.close();
  }
}

/** `latency-histogram ×8, memory-over-time ×2`: chart kinds with their counts, in first-seen order. */
export function summarizeCharts(charts: readonly ChartInventory[]): string {
  const counts = new Map<string, number>();
  for (const c of charts) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
}

/** `path` relative to the working directory when it lies inside it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** The reports directory: `HIL_REPORTS_DIR` (an empty value counts as unset, as for the reporter), else `reports/`. */
function reportsDir(env: Record<string, string | undefined>): string {
  return resolve(env.HIL_REPORTS_DIR?.trim() || 'reports');
}

/**
 * Runs the script with `argv`; resolves with the exit code (see the file
 * comment). Output goes to `io`; `browser`, when given, is used and left
 * open instead of launching one.
 */
export async function runScreenshot(argv: readonly string[], io: CliIo = PROCESS_IO, env: Record<string, string | undefined> = process.env, browser?: Browser): Promise<number> {
  try {
    const { values } = parseCommandArgs(argv, {
      html: { type: 'string' }, from: { type: 'string' }, sample: { type: 'boolean' }, out: { type: 'string' },
      width: { type: 'string' }, viewport: { type: 'boolean' },
    });
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    const sources = [values.html !== undefined, values.from !== undefined, values.sample === true].filter(Boolean).length;
    if (sources > 1) throw new HilError('HIL_CONFIG_INVALID', '--from, --html and --sample pick the page to shoot: give one at most');
    const width = values.width === undefined ? 1280 : Number(values.width);
    if (!Number.isInteger(width) || width < 320) throw new HilError('HIL_CONFIG_INVALID', `--width must be a whole number of px >= 320, got ${values.width}`);

    const dir = reportsDir(env);
    let page: string;
    let source: string;
    if (values.sample) {
      const { sampleReportWithBaseline } = await import('../reporter/testing/sample-report.ts');
      page = renderHtml(sampleReportWithBaseline());
      source = 'the built-in sample report (synthetic data)';
    } else if (values.html !== undefined) {
      const file = resolve(values.html);
      try {
        page = readFileSync(file, 'utf8');
      } catch (err) {
        throw new HilError('HIL_CONFIG_INVALID', `cannot read the page ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
      }
      source = shown(file);
    } else {
      const file = values.from === undefined ? join(dir, 'compliance.json') : resolve(values.from);
      const report = readComplianceReport(file);
      page = renderHtml(report);
      source = `${shown(file)} (run started ${report.run.startedAt}, ${report.run.status})`;
    }

    const shot = await screenshotReport({ html: page, out: resolve(values.out ?? join(dir, 'compliance-report.png')), width, fullPage: !values.viewport, ...(browser ? { browser } : {}) });
    io.out.write(`saved ${shown(shot.out)} (${width} × ${values.viewport ? 900 : shot.heightPx} px) from ${source}\n`);
    if (shot.blockedRequests.length) io.out.write(`the page tried ${shot.blockedRequests.length} network request(s), all refused\n`);
    const empty = shot.charts.filter((c) => c.marks + c.points === 0);
    if (shot.charts.length === 0) {
      io.out.write('charts: none on the page\n');
      return 0;
    }
    if (empty.length > 0) {
      io.err.write(`error: ${empty.length} of ${shot.charts.length} chart(s) drew no data: ${summarizeCharts(empty)}\n`);
      return 1;
    }
    io.out.write(`charts: ${shot.charts.length}, every one with data: ${summarizeCharts(shot.charts)}\n`);
    return 0;
  } catch (err) {
    return reportError(err, HELP, io);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void runScreenshot(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
