/**
 * Messages between the frame probe (in the test worker) and its driver
 * process (which runs playwright-core and Chromium). Plain JSON over the
 * child-process IPC channel; one request at a time, answered by `id`.
 */
import type { HilErrorCode } from '../errors.ts';
import type { PageFrameRecord } from './frame-probe-page-script.ts';
import type { PageNetworkTimings } from './frame-probe-network.ts';

/** A click the driver performs during the window, `atMs` after recording starts. */
export interface ProbeClick {
  atMs: number;
  /** Playwright selector of the element to click, e.g. `#drive-forward`. */
  selector: string;
}

/** What to measure on one page. */
export interface MeasureSpec {
  url: string;
  /** Recorded but discarded by the metrics (JIT, first paint, first GC); ms. */
  warmupMs: number;
  /** Measured after the warm-up; ms. */
  windowMs: number;
  /**
   * Play the page's drawing through `window.mbotHil.play` over
   * `warmupMs + windowMs`, starting with the recording; the window then ends
   * when the playback does. Fails (HIL_PAGE_PROBE_FAILED) on a page without the hook.
   */
  playback: boolean;
  /** User clicks during the recording. */
  clicks: ProbeClick[];
  /** Page heap sampling period during the recording, ms (plus one sample before and one after). */
  heapEveryMs: number;
  /** Take the machine-wide measurement lock around the recording. */
  lock: boolean;
  /** Label for the lock file (who holds it). */
  label: string;
}

/** Where to save a screenshot of a page mid-playback. */
export interface ScreenshotSpec {
  url: string;
  /** Whole playback length, ms. */
  playbackMs: number;
  /** When to take the picture, ms after the playback started. */
  atMs: number;
  /** PNG file to write. */
  path: string;
  /** Clicks, `atMs` after the playback started (before `atMs` of the picture). */
  clicks?: ProbeClick[];
}

/** One page heap reading (CDP `Runtime.getHeapUsage`). */
export interface HeapReading {
  /** Epoch ms in the driver. */
  atMs: number;
  usedBytes: number;
  totalBytes: number;
}

/** Everything the driver saw during one measurement. */
export interface MeasureResult {
  record: PageFrameRecord;
  warmupMs: number;
  heap: HeapReading[];
  /** True when the page offers `window.mbotHil`. */
  hook: boolean;
  /** Strokes of the page's drawing (from the hook), null without one. */
  strokeCount: number | null;
  /** The hook's playback outcome when `playback` was asked for. */
  playback: { strokeCount: number; frames: number; durationMs: number } | null;
  /** Clicks performed. */
  clicks: number;
  /** The hook's telemetry counters at the end, when it has them. */
  telemetry: { connected: boolean; messages: number; commandsSent: number } | null;
  /** Uncaught page errors during the measurement. */
  pageErrors: string[];
  /** Whether the measurement lock was held, and how long the driver waited for it. */
  lock: { held: boolean; waitedMs: number; waitedFor: string | null } | null;
  /** The cold load's navigation and resource timings (see `frame-probe-network.ts`); absent from older drivers. */
  network?: PageNetworkTimings;
}

/** A request to the driver. */
export type DriverRequest =
  | { id: number; op: 'launch'; executablePath: string; extraArgs: string[] }
  | { id: number; op: 'measure'; spec: MeasureSpec }
  | { id: number; op: 'screenshot'; spec: ScreenshotSpec }
  | { id: number; op: 'close' };

/** A request before it is numbered (`id` is added by the sender). */
export type DriverRequestBody = DriverRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The driver's answer. */
export type DriverResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: HilErrorCode | null; message: string } };

/** What `launch` answers. */
export interface LaunchResult {
  version: string;
  userAgent: string;
}
