/**
 * Argument checks shared by both clocks, so both reject misuse with the same
 * code and wording.
 */
import { HilError } from '../errors.ts';

/**
 * Returns `ms` when it is a finite number >= 0 (> 0 with `positive`), else
 * throws HIL_CLOCK_MISUSE naming the call.
 */
export function checkMs(call: string, ms: unknown, opts?: { positive?: boolean }): number {
  // `opts` has no default object: this runs for every timer a simulator sets.
  const positive = opts?.positive === true;
  const ok = typeof ms === 'number' && Number.isFinite(ms) && (positive ? ms > 0 : ms >= 0);
  if (!ok) {
    const want = positive ? 'a finite number > 0' : 'a finite number >= 0';
    throw new HilError('HIL_CLOCK_MISUSE', `${call}: ms must be ${want}; got ${String(ms)}.`);
  }
  return ms;
}

/** Throws HIL_CLOCK_MISUSE unless `fn` is a function. */
export function checkFn(call: string, fn: unknown): asserts fn is () => void {
  if (typeof fn !== 'function') {
    throw new HilError('HIL_CLOCK_MISUSE', `${call}: the callback must be a function; got ${typeof fn}.`);
  }
}

/** The error every call on a disposed clock throws. */
export function disposedError(kind: string, call: string): HilError {
  return new HilError(
    'HIL_CLOCK_MISUSE',
    `${call}: this ${kind} clock was disposed; create a new clock (createClock) instead of reusing it.`,
  );
}

/** The error a foreign timer handle causes. */
export function foreignTimerError(kind: string, call: string): HilError {
  return new HilError(
    'HIL_CLOCK_MISUSE',
    `${call}: the timer was not made by this ${kind} clock; clear it on the clock that made it.`,
  );
}
