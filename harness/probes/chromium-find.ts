/**
 * Finds a Chromium the frame probe can drive: `HIL_CHROMIUM` when set (and
 * then only it, so a typo is reported rather than silently replaced; the
 * value `bundled` names the npm-packaged browser), else a system Chromium or
 * Chrome (Debian's `/usr/bin/chromium` and the other usual names, on fixed
 * paths first and then on PATH), else a browser in Playwright's cache, else
 * the headless shell that ships inside the `@sparticuz/chromium` npm package
 * (installed by `npm ci`). Never downloads a browser.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { BUNDLED_CHROMIUM_PACKAGE, bundledChromium } from './chromium-bundled.ts';

/** How to get a browser, for every "no Chromium" message. */
export const INSTALL_CHROMIUM_HINT = `install: npm ci (its optional dependency ${BUNDLED_CHROMIUM_PACKAGE} carries a headless Chromium), apt-get install chromium, or set HIL_CHROMIUM to a Chromium or Chrome executable`;

/** The `HIL_CHROMIUM` value that asks for the npm-packaged browser. */
export const BUNDLED_CHROMIUM_NAME = 'bundled';

/** Executable names tried on PATH, in order. */
export const CHROMIUM_NAMES: readonly string[] = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome', 'chrome'];

/** Fixed locations tried before PATH, in order. */
export const CHROMIUM_PATHS: readonly string[] = [
  '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome', '/opt/google/chrome/chrome',
];

/** Where the browser was found, or why none was. */
export type ChromiumLocation =
  | { found: true; executablePath: string; via: 'HIL_CHROMIUM' | 'default path' | 'PATH' | 'playwright cache' | 'npm package' }
  | { found: false; reason: string; tried: string[] };

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Looks for Chromium. The `reason` of a miss starts with "no Chromium" and
 * ends with {@link INSTALL_CHROMIUM_HINT}, ready for a "not evaluated" report.
 */
export function findChromium(env: Record<string, string | undefined> = process.env): ChromiumLocation {
  const override = env.HIL_CHROMIUM;
  if (override === BUNDLED_CHROMIUM_NAME) {
    const bundled = bundledChromium(env);
    if (bundled.found) return { found: true, executablePath: bundled.executablePath, via: 'npm package' };
    return { found: false, tried: [BUNDLED_CHROMIUM_PACKAGE], reason: `no Chromium: HIL_CHROMIUM=bundled but ${bundled.reason}` };
  }
  if (override !== undefined && override !== '') {
    if (isExecutableFile(override)) return { found: true, executablePath: override, via: 'HIL_CHROMIUM' };
    return { found: false, tried: [override], reason: `no Chromium: HIL_CHROMIUM=${override} is not an executable file (${INSTALL_CHROMIUM_HINT})` };
  }
  const tried: string[] = [];
  for (const path of CHROMIUM_PATHS) {
    tried.push(path);
    if (isExecutableFile(path)) return { found: true, executablePath: path, via: 'default path' };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const path = join(dir, name);
      if (tried.includes(path)) continue;
      tried.push(path);
      if (isExecutableFile(path)) return { found: true, executablePath: path, via: 'PATH' };
    }
  }
  for (const path of playwrightCacheBrowsers(env)) {
    tried.push(path);
    if (isExecutableFile(path)) return { found: true, executablePath: path, via: 'playwright cache' };
  }
  const bundled = bundledChromium(env);
  tried.push(BUNDLED_CHROMIUM_PACKAGE);
  if (bundled.found) return { found: true, executablePath: bundled.executablePath, via: 'npm package' };
  return { found: false, tried, reason: `no Chromium found (looked for ${CHROMIUM_NAMES.join(', ')} in ${CHROMIUM_PATHS.length} usual places, on PATH and in Playwright's cache; ${bundled.reason}; ${INSTALL_CHROMIUM_HINT})` };
}

/**
 * Browsers Playwright installed (`npx playwright install chromium` on a
 * machine that can download), newest revision first: its cache is
 * `PLAYWRIGHT_BROWSERS_PATH`, else `~/.cache/ms-playwright`.
 */
export function playwrightCacheBrowsers(env: Record<string, string | undefined> = process.env): string[] {
  const root = env.PLAYWRIGHT_BROWSERS_PATH && env.PLAYWRIGHT_BROWSERS_PATH !== '0'
    ? env.PLAYWRIGHT_BROWSERS_PATH
    : join(env.HOME || homedir(), '.cache', 'ms-playwright');
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  const revision = (name: string): number => Number(name.slice(name.lastIndexOf('-') + 1)) || 0;
  const out: string[] = [];
  for (const name of entries.filter((e) => /^chromium(_headless_shell)?-\d+$/.test(e)).sort((a, b) => revision(b) - revision(a))) {
    const base = join(root, name);
    if (name.startsWith('chromium_headless_shell')) {
      out.push(join(base, 'chrome-linux', 'headless_shell'), join(base, 'chrome-headless-shell-linux64', 'chrome-headless-shell'));
    } else {
      out.push(join(base, 'chrome-linux', 'chrome'), join(base, 'chrome-linux64', 'chrome'));
    }
  }
  return out;
}
