/**
 * The frame probe: measures how a page renders in real headless Chromium.
 * It finds a browser (`chromium-find.ts`), starts a driver process that runs
 * playwright-core (`frame-probe-driver.ts`), and asks it to load any page,
 * record every requestAnimationFrame (and Long Animation Frames, and the
 * page's JS heap) over a warm-up plus a window, optionally clicking and
 * playing the page's drawing meanwhile. `frame-probe-metrics.ts` turns what
 * it returns into metrics.
 *
 * Without a browser the probe still opens, `available: false`, and every
 * measurement says why, so UI invariants read "not evaluated: no Chromium"
 * instead of crashing the run.
 *
 *   const probe = await openFrameProbe();
 *   const m = await probe.measure({ url, playback: true });
 *   await probe.close();
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { natives } from '../clock/natives.ts';
import { HilError, type HilErrorCode } from '../errors.ts';
import { launchSpec, type LaunchSpec } from '../launch/compiled-entry.ts';
import { findChromium } from './chromium-find.ts';
import type { DriverRequest, DriverRequestBody, DriverResponse, LaunchResult, MeasureResult, MeasureSpec, ProbeClick, ScreenshotSpec } from './frame-probe-protocol.ts';

export type { HeapReading, MeasureResult, ProbeClick } from './frame-probe-protocol.ts';
export type { PageFrameRecord } from './frame-probe-page-script.ts';

/** Options of {@link openFrameProbe}. */
export interface FrameProbeOptions {
  /** Environment to read `HIL_CHROMIUM` and `PATH` from; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Extra Chromium flags. */
  extraArgs?: string[];
  /** Longest a single request (launch, one measurement) may take, real ms; default 120000. */
  requestTimeoutMs?: number;
}

/** Options of {@link FrameProbe.measure}; see `MeasureSpec` for the meaning of each. */
export interface MeasureOptions {
  /** Page to measure (ours, or `HIL_DASHBOARD_URL`). */
  url: string;
  /** Default 500 ms. */
  warmupMs?: number;
  /** Default 3000 ms. */
  windowMs?: number;
  /** Play the page's drawing over warm-up + window (needs `window.mbotHil`); default false. */
  playback?: boolean;
  /** Clicks during the recording; each `atMs` must fall inside warm-up + window. */
  clicks?: ProbeClick[];
  /** Page heap sampling period, ms; default 1000. */
  heapEveryMs?: number;
  /** Take the machine-wide measurement lock around the recording; default true. */
  lock?: boolean;
  /** Names the measurement in the lock file; default the URL. */
  label?: string;
}

/** A measurement, or why there is none. */
export type FrameMeasurement =
  | ({ available: true; /** The browser that measured, e.g. `Chromium 147.0.7727.0 (npm package)`. */ browser?: string } & MeasureResult)
  | { available: false; reason: string };

/** A handle on the browser; `available` false when none was found. */
export interface FrameProbe {
  readonly available: boolean;
  /** Why the probe is unavailable ("no Chromium ..., install: ..."); null when available. */
  readonly reason: string | null;
  readonly executablePath: string | null;
  /** Browser version, e.g. `156.0.8078.108`; null when unavailable. */
  readonly browserVersion: string | null;
  /** Where the browser was found (`default path`, `PATH`, `HIL_CHROMIUM`, `playwright cache`, `npm package`); null when unavailable. */
  readonly browserSource: string | null;
  /** Loads the page fresh and measures it. Rejects with HIL_PAGE_LOAD_FAILED / HIL_PAGE_PROBE_FAILED / HIL_BROWSER_LAUNCH_FAILED. */
  measure(options: MeasureOptions): Promise<FrameMeasurement>;
  /** Saves a PNG of the page `atMs` into a playback of `playbackMs`. Throws HIL_BROWSER_NOT_FOUND when unavailable. */
  screenshot(spec: ScreenshotSpec): Promise<{ path: string; strokesDone: number | null }>;
  /** Closes the browser and the driver; idempotent. */
  close(): Promise<void>;
}

const DRIVER_PATH = fileURLToPath(new URL('./frame-probe-driver.ts', import.meta.url));

/** The driver needs a TypeScript loader: tsx, resolved from this package so it works from any cwd. */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

class UnavailableProbe implements FrameProbe {
  readonly available = false;
  readonly executablePath = null;
  readonly browserVersion = null;
  readonly browserSource = null;
  constructor(readonly reason: string) {}
  async measure(): Promise<FrameMeasurement> { return { available: false, reason: this.reason }; }
  async screenshot(): Promise<never> { throw new HilError('HIL_BROWSER_NOT_FOUND', this.reason); }
  async close(): Promise<void> {}
}

class DriverProbe implements FrameProbe {
  readonly available = true;
  readonly reason = null;
  browserVersion: string | null = null;
  browserSource: string | null = null;
  #child: ChildProcess;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #stderr = '';
  #exited: Error | null = null;
  #closing: Promise<void> | null = null;

  constructor(readonly executablePath: string, private readonly timeoutMs: number, launch: LaunchSpec) {
    this.#child = fork(launch.file, [], {
      execArgv: launch.compiled ? [...launch.execArgv] : ['--import', tsxLoaderUrl()],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.#child.stderr?.on('data', (d: Buffer) => { this.#stderr = (this.#stderr + d.toString()).slice(-2000); });
    this.#child.on('message', (res: DriverResponse) => {
      const p = this.#pending.get(res.id);
      if (!p) return;
      this.#pending.delete(res.id);
      if (res.ok) p.resolve(res.result);
      else p.reject(new HilError((res.error.code ?? 'HIL_PAGE_PROBE_FAILED') as HilErrorCode, stripCode(res.error.message)));
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = new HilError('HIL_BROWSER_LAUNCH_FAILED', `the frame-probe driver exited (code ${String(code)}, signal ${String(signal)})${this.#stderr ? `; it said: ${this.#stderr.trim()}` : ''}`);
      for (const p of this.#pending.values()) p.reject(this.#exited);
      this.#pending.clear();
    });
  }

  request<T>(req: DriverRequestBody, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#next++;
    return new natives.Promise<T>((resolve, reject) => {
      // A real-time guard: under a virtual clock the global setTimeout would never fire.
      const timer = natives.setTimeout(() => {
        this.#pending.delete(id);
        reject(new HilError('HIL_PAGE_PROBE_FAILED', `the frame-probe driver did not answer "${req.op}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => { natives.clearTimeout(timer); resolve(v as T); },
        reject: (e) => { natives.clearTimeout(timer); reject(e); },
      });
      this.#child.send({ ...req, id } as DriverRequest);
    });
  }

  async measure(options: MeasureOptions): Promise<FrameMeasurement> {
    const spec = measureSpec(options);
    const result = await this.request<MeasureResult>({ op: 'measure', spec });
    const browser = `Chromium ${this.browserVersion ?? '?'}${this.browserSource ? ` (${this.browserSource})` : ''}`;
    return { available: true, browser, ...result };
  }

  screenshot(spec: ScreenshotSpec): Promise<{ path: string; strokesDone: number | null }> {
    return this.request({ op: 'screenshot', spec });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#exited) await this.request({ op: 'close' }, 10_000).catch(() => undefined);
      if (!this.#exited) this.#child.kill('SIGKILL');
    })();
    return this.#closing;
  }
}

function stripCode(message: string): string {
  return message.replace(/^HIL_[A-Z_]+: /, '');
}

/** Fills defaults and checks a measurement request (HIL_CONFIG_INVALID on nonsense). */
export function measureSpec(o: MeasureOptions): MeasureSpec {
  const spec: MeasureSpec = {
    url: o.url,
    warmupMs: o.warmupMs ?? 500,
    windowMs: o.windowMs ?? 3000,
    playback: o.playback ?? false,
    clicks: o.clicks ?? [],
    heapEveryMs: o.heapEveryMs ?? 1000,
    lock: o.lock ?? true,
    label: o.label ?? o.url,
  };
  const bad = (what: string): never => { throw new HilError('HIL_CONFIG_INVALID', `frame probe: ${what}`); };
  if (typeof spec.url !== 'string' || !/^(https?|file|data):/.test(spec.url)) bad(`url must be an http(s), file or data URL, got ${String(spec.url)}`);
  if (!(spec.warmupMs >= 0) || !(spec.windowMs > 0)) bad('warmupMs must be >= 0 and windowMs > 0');
  if (!(spec.heapEveryMs >= 50)) bad('heapEveryMs must be >= 50');
  for (const c of spec.clicks) {
    if (!(c.atMs >= 0 && c.atMs < spec.warmupMs + spec.windowMs)) bad(`click on ${c.selector} at ${c.atMs} ms falls outside the ${spec.warmupMs + spec.windowMs} ms recording`);
  }
  return spec;
}

/**
 * Opens a frame probe. No browser found: resolves an unavailable probe
 * (never throws for that). A browser that is found but does not start:
 * rejects with HIL_BROWSER_LAUNCH_FAILED.
 */
export async function openFrameProbe(options: FrameProbeOptions = {}): Promise<FrameProbe> {
  const where = findChromium(options.env ?? process.env);
  if (!where.found) return new UnavailableProbe(where.reason);
  const probe = new DriverProbe(where.executablePath, options.requestTimeoutMs ?? 120_000, await launchSpec(DRIVER_PATH));
  try {
    const launched = await probe.request<LaunchResult>({ op: 'launch', executablePath: where.executablePath, extraArgs: options.extraArgs ?? [] });
    probe.browserVersion = launched.version;
    probe.browserSource = where.via;
  } catch (err) {
    await probe.close();
    throw err;
  }
  return probe;
}
