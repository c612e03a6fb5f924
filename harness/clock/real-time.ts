/**
 * Real (wall) time for the bench-safety path. While a virtual clock is
 * installed, `setTimeout` & co. only fire when virtual time is advanced; a
 * safe stop must never wait on them, or a stop during a wedged test would
 * hang. These helpers use the process's real timers captured by
 * `harness/clock/natives.ts`.
 */
import { natives } from './natives.ts';

/** Real-time `setTimeout`, even under a virtual clock. The handle is unref'd so a guard never keeps a process alive. */
export function realSetTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const handle = natives.setTimeout(fn, ms);
  handle.unref?.();
  return handle;
}

/** Cancels a {@link realSetTimeout}; no-op for `undefined`. */
export function realClearTimeout(handle: ReturnType<typeof setTimeout> | undefined): void {
  if (handle !== undefined) natives.clearTimeout(handle);
}

/**
 * Resolves with `promise`'s value, or with `fallback` once `ms` of real time
 * passed; resolves `fallback` when `promise` rejects. For best-effort steps of
 * a stop, where waiting forever is the one wrong answer.
 */
export function withinRealMs<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new natives.Promise<T>((resolve) => {
    const t = realSetTimeout(() => resolve(fallback), ms);
    promise.then(
      (v) => { realClearTimeout(t); resolve(v); },
      () => { realClearTimeout(t); resolve(fallback); },
    );
  });
}

/** Resolves after `ms` of real time, whatever clock is installed (keeps the process alive meanwhile). */
export function realSleep(ms: number): Promise<void> {
  return new natives.Promise((resolve) => { natives.setTimeout(resolve, ms); });
}

/** Real monotonic ms (performance.now of the process), whatever clock is installed. */
export function realNowMs(): number {
  return natives.performanceNow();
}

/**
 * Polls `pred` every `stepMs` of real time until it holds (true) or `ms`
 * have passed (false, after one last look), whatever clock is installed.
 */
export async function realWaitUntil(pred: () => boolean, ms: number, stepMs = 20): Promise<boolean> {
  const end = realNowMs() + ms;
  while (!pred()) {
    if (realNowMs() >= end) return pred();
    await realSleep(stepMs);
  }
  return true;
}
