/**
 * Epoch microseconds on the clock in force, for `timestampMicros`.
 *
 * Wall clock: `performance.timeOrigin + clock.monotonicMs()` (the wall
 * clock's monotonic time IS the real `performance.now()`), so two processes
 * on one host agree to a few µs; `Date.now()` alone would be 1 ms coarse and
 * an anchor taken from it up to 1 ms off. Virtual clock: the epoch the clock
 * shows (`now()`) plus the monotonic ms since, both whole virtual ms.
 */
import type { Clock } from '../../harness/clock/index.ts';
import { natives } from '../../harness/clock/natives.ts';

/** Converts a clock's monotonic ms to epoch µs. */
export interface EpochMicros {
  /** Epoch µs now (integer). */
  now(): number;
  /** Epoch µs (integer) of a reading of `clock.monotonicMs()`. */
  fromMonotonic(monotonicMs: number): number;
}

/** An {@link EpochMicros} for `clock`. */
export function epochMicros(clock: Clock): EpochMicros {
  const originMs = clock.kind === 'wall'
    ? natives.performance.timeOrigin
    : clock.now() - clock.monotonicMs();
  const fromMonotonic = (mono: number): number => Math.round((originMs + mono) * 1000);
  return { now: () => fromMonotonic(clock.monotonicMs()), fromMonotonic };
}

