/**
 * Starts headless Chromium through playwright-core with the flags that work
 * on a closed network, in a new empty profile that is deleted on close.
 * Runs inside the frame-probe driver process (see `frame-probe-driver.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { HilError } from '../errors.ts';

/**
 * Command-line flags of every probe launch. Without the background-networking
 * trio Chromium keeps dialling Google's hosts, which a closed network refuses
 * many at a time; `--no-sandbox` because CI runs as root.
 */
export const CHROMIUM_FLAGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // A probe page must keep painting at full rate even when nothing has focus.
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
]);

/** Viewport of probe pages, CSS px; the dashboard is laid out for it. */
export const PROBE_VIEWPORT = Object.freeze({ width: 1280, height: 720 });

/** A running browser with its own profile. */
export interface LaunchedChromium {
  readonly context: BrowserContext;
  /** What the browser reports, e.g. `156.0.8078.108`. */
  readonly version: string;
  readonly executablePath: string;
  /** Closes the browser and deletes the profile; idempotent. */
  close(): Promise<void>;
}

/** Options of {@link launchChromium}. */
export interface LaunchChromiumOptions {
  executablePath: string;
  /** Extra flags after {@link CHROMIUM_FLAGS}. */
  extraArgs?: readonly string[];
  /** Launch timeout, ms; default 30000. */
  timeoutMs?: number;
}

/** Launches Chromium; rejects with HIL_BROWSER_LAUNCH_FAILED (the browser's own message included). */
export async function launchChromium(options: LaunchChromiumOptions): Promise<LaunchedChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'mbot-hil-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: options.executablePath,
      headless: true,
      args: [...CHROMIUM_FLAGS, ...(options.extraArgs ?? [])],
      viewport: { ...PROBE_VIEWPORT },
      deviceScaleFactor: 1,
      timeout: options.timeoutMs ?? 30_000,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw new HilError('HIL_BROWSER_LAUNCH_FAILED', `${options.executablePath} did not start (${(err as Error).message.split('\n')[0]}); check that it runs: \`${options.executablePath} --headless --no-sandbox --dump-dom about:blank\``, { cause: err });
  }
  const version = context.browser()?.version() ?? 'unknown';
  let closing: Promise<void> | null = null;
  return {
    context,
    version,
    executablePath: options.executablePath,
    close() {
      closing ??= context.close().catch(() => undefined).finally(() => rmSync(profile, { recursive: true, force: true }));
      return closing;
    },
  };
}
