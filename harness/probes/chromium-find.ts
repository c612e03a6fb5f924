/**
 * Finds a Chromium the frame probe can drive: `HIL_CHROMIUM` when set (and
 * then only it, so a typo is reported rather than silently replaced), else
 * Debian's `/usr/bin/chromium` and the other usual names, on fixed paths
 * first and then on PATH. Never downloads a browser.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** How to get a browser, for every "no Chromium" message. */
export const INSTALL_CHROMIUM_HINT = 'install: apt-get install chromium, or set HIL_CHROMIUM to a Chromium or Chrome executable';

/** Executable names tried on PATH, in order. */
export const CHROMIUM_NAMES: readonly string[] = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome', 'chrome'];

/** Fixed locations tried before PATH, in order. */
export const CHROMIUM_PATHS: readonly string[] = [
  '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome', '/opt/google/chrome/chrome',
];

/** Where the browser was found, or why none was. */
export type ChromiumLocation =
  | { found: true; executablePath: string; via: 'HIL_CHROMIUM' | 'default path' | 'PATH' }
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
  return { found: false, tried, reason: `no Chromium found (looked for ${CHROMIUM_NAMES.join(', ')} in ${CHROMIUM_PATHS.length} usual places and on PATH; ${INSTALL_CHROMIUM_HINT})` };
}
