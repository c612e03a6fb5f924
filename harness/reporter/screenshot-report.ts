/**
 * Saves a PNG of the HTML report as headless Chromium renders it:
 * `npm run report:screenshot` (or `npx tsx harness/reporter/screenshot-report.ts`).
 *
 *   --html <file>   the page to shoot (default reports/compliance.html)
 *   --from <json>   render this compliance.json first instead
 *   --sample        render the built-in sample report (synthetic data)
 *   --out <png>     where to save (default reports/compliance-report.png)
 *   --width <px>    viewport width (default 1280)
 *   --viewport      only the first screen, not the full page
 *
 * The page is loaded with every network request refused, as a reader's
 * browser would see the attachment offline.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isHilError } from '../errors.ts';
import { launchChromium } from './chromium.ts';
import { renderHtml } from './html-report.ts';
import { readComplianceReport } from './report-files.ts';

const HELP = `Usage: npm run report:screenshot -- [options]

Saves a PNG of the HTML report as headless Chromium renders it (network refused).

Options:
  --html <file>   the page to shoot (default reports/compliance.html)
  --from <json>   render this compliance.json first instead
  --sample        render the built-in sample report with a baseline comparison
                  (synthetic data, not a measurement)
  --out <png>     where to save (default reports/compliance-report.png)
  --width <px>    viewport width (default 1280)
  --viewport      only the first screen, not the full page
  -h, --help      show this help`;

/** Options of {@link screenshotReport}. */
export interface ScreenshotOptions {
  /** The page's HTML. */
  html: string;
  /** PNG path to write. */
  out: string;
  width?: number;
  fullPage?: boolean;
}

/** Renders `html` in headless Chromium (network refused) and saves a PNG; resolves with the page height in px. */
export async function screenshotReport(options: ScreenshotOptions): Promise<{ out: string; heightPx: number; blockedRequests: string[] }> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: 900 } });
    const blockedRequests: string[] = [];
    await page.route('**/*', (route) => {
      blockedRequests.push(route.request().url());
      return route.abort();
    });
    await page.setContent(options.html, { waitUntil: 'load' });
    const heightPx = await page.evaluate(() => document.documentElement.scrollHeight);
    const png = await page.screenshot({ fullPage: options.fullPage ?? true, type: 'png' });
    mkdirSync(dirname(options.out), { recursive: true });
    const tmp = `${options.out}.${process.pid}.tmp`;
    writeFileSync(tmp, png);
    renameSync(tmp, options.out);
    return { out: options.out, heightPx, blockedRequests };
  } finally {
    await browser.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      html: { type: 'string' }, from: { type: 'string' }, sample: { type: 'boolean' }, out: { type: 'string' },
      width: { type: 'string' }, viewport: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let page: string;
  if (values.sample) {
    const { sampleReportWithBaseline } = await import('./testing/sample-report.ts');
    page = renderHtml(sampleReportWithBaseline());
  } else if (values.from) {
    page = renderHtml(readComplianceReport(resolve(values.from)));
  } else {
    const file = resolve(values.html ?? 'reports/compliance.html');
    if (!existsSync(file)) {
      process.stderr.write(`error HIL_CONFIG_INVALID: ${file} does not exist; run the suite first (npm test), or pass --from <compliance.json> or --sample\n`);
      return 2;
    }
    page = readFileSync(file, 'utf8');
  }
  const width = values.width === undefined ? 1280 : Number(values.width);
  if (!Number.isInteger(width) || width < 320) {
    process.stderr.write(`error HIL_CONFIG_INVALID: --width must be a whole number of px >= 320, got ${values.width}\n`);
    return 2;
  }
  const shot = await screenshotReport({ html: page, out: resolve(values.out ?? 'reports/compliance-report.png'), width, fullPage: !values.viewport });
  process.stdout.write(`saved ${shot.out} (${width} × ${values.viewport ? 900 : shot.heightPx} px)${shot.blockedRequests.length ? `; the page tried ${shot.blockedRequests.length} network request(s), all refused` : ''}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(isHilError(err) ? `error ${(err as Error).message}\n` : `error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
