/**
 * Headless Chromium for looking at the HTML report (its test and the
 * screenshot script), through playwright-core and the system's Chromium.
 * The browser is found as the frame probe finds it (`HIL_CHROMIUM`, else
 * Debian's `/usr/bin/chromium` and the usual names) and started with the
 * probe's offline flags; only the launch differs (a plain browser, not a
 * persistent profile).
 */
import { chromium, type Browser } from 'playwright-core';
import { HilError } from '../errors.ts';
import { findChromium } from '../probes/chromium-find.ts';
import { CHROMIUM_FLAGS } from '../probes/chromium-launch.ts';

/** The Chromium executable, or `HIL_BROWSER_NOT_FOUND` saying how to install one. */
export function requireChromium(env: Record<string, string | undefined> = process.env): string {
  const where = findChromium(env);
  if (!where.found) throw new HilError('HIL_BROWSER_NOT_FOUND', where.reason);
  return where.executablePath;
}

/** Launches headless Chromium; throws `HIL_BROWSER_NOT_FOUND` or `HIL_BROWSER_LAUNCH_FAILED`. */
export async function launchChromium(env: Record<string, string | undefined> = process.env): Promise<Browser> {
  const executablePath = requireChromium(env);
  try {
    return await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
  } catch (err) {
    throw new HilError('HIL_BROWSER_LAUNCH_FAILED', `Chromium at ${executablePath} did not start: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}
