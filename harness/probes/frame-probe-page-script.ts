/**
 * The code the frame probe puts into the page under test, as source text.
 * It is text, not a function, on purpose: it must run in any page (ours or a
 * user's dashboard) before the page's own scripts, and a function compiled by
 * a TypeScript loader can carry helpers (`__name`) that do not exist in the page.
 *
 * Installed by `addInitScript`, in the top frame only, it defines
 * `window.__mbotHilFrames`:
 * - `start()`: clears, then records every requestAnimationFrame timestamp
 *   (one rAF callback a frame, re-armed from itself), the page hook's
 *   `strokesDone` at each frame when the page has one, and Long Animation
 *   Frame entries when the browser supports them.
 * - `stop()`: stops and resolves {@link PageFrameRecord} (after 250 ms, so
 *   the Long Animation Frame entries of the last frames have arrived).
 * - `errors`: uncaught page errors since load (messages).
 */

/** What `window.__mbotHilFrames.stop()` returns (plain JSON). */
export interface PageFrameRecord {
  /** rAF timestamps, ms on the page's `performance.now()` timeline, in order. */
  timestampsMs: number[];
  /** `[timestampMs, strokesDone]` at each frame whose count changed (only with a page hook). */
  strokesDrawn: [number, number][];
  /** Long Animation Frame entries seen while recording (same timeline). */
  longAnimationFrames: { startTimeMs: number; durationMs: number; blockingDurationMs: number }[];
  /** False when the browser has no `long-animation-frame` entry type. */
  longAnimationFramesSupported: boolean;
}

/** Name of the recorder's global in the page. */
export const PAGE_RECORDER_GLOBAL = '__mbotHilFrames';

/** The init script (plain ES2020). */
export const FRAME_RECORDER_SCRIPT = String.raw`(() => {
  if (window !== window.top || window.${PAGE_RECORDER_GLOBAL}) return;
  const state = { on: false, ts: [], strokes: [], loafs: [], loafSupported: false, observer: null, lastStrokes: -1 };
  const errors = [];
  window.addEventListener('error', (e) => { errors.push(String(e.message || e.error)); });
  window.addEventListener('unhandledrejection', (e) => { errors.push('unhandled rejection: ' + String(e.reason && e.reason.message || e.reason)); });
  const loop = (t) => {
    if (!state.on) return;
    state.ts.push(t);
    const hook = window.mbotHil;
    const done = hook && typeof hook.strokesDone === 'number' ? hook.strokesDone : -1;
    if (done >= 0 && done !== state.lastStrokes) { state.strokes.push([t, done]); state.lastStrokes = done; }
    requestAnimationFrame(loop);
  };
  window.${PAGE_RECORDER_GLOBAL} = {
    errors,
    start() {
      state.ts = []; state.strokes = []; state.loafs = []; state.lastStrokes = -1;
      state.loafSupported = typeof PerformanceObserver !== 'undefined'
        && (PerformanceObserver.supportedEntryTypes || []).includes('long-animation-frame');
      if (state.loafSupported) {
        state.observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            state.loafs.push({ startTimeMs: e.startTime, durationMs: e.duration, blockingDurationMs: e.blockingDuration || 0 });
          }
        });
        state.observer.observe({ type: 'long-animation-frame', buffered: false });
      }
      if (!state.on) { state.on = true; requestAnimationFrame(loop); }
    },
    stop() {
      state.on = false;
      const done = () => {
        if (state.observer) {
          state.observer.takeRecords().forEach((e) => state.loafs.push({ startTimeMs: e.startTime, durationMs: e.duration, blockingDurationMs: e.blockingDuration || 0 }));
          state.observer.disconnect();
          state.observer = null;
        }
        return { timestampsMs: state.ts, strokesDrawn: state.strokes, longAnimationFrames: state.loafs, longAnimationFramesSupported: state.loafSupported };
      };
      // LoAF entries of the last frames arrive a task or two after the frame; give them time.
      return new Promise((resolve) => setTimeout(() => resolve(done()), state.loafSupported ? 250 : 0));
    },
  };
})();`;
