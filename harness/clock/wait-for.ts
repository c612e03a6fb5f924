/**
 * `Clock.waitFor`, written once over `monotonicMs` and `sleep` so the wall and
 * virtual clocks poll with the same rules.
 */
import type { Clock, WaitForOptions } from './clock.ts';
import { checkFn, checkMs } from './checks.ts';
import { HilError } from '../errors.ts';

/**
 * Polls `pred` on `clock`: immediately, then after every `stepMs` (default
 * `defaultStepMs`) of the clock's time; `true` on the first truthy check,
 * `false` once `timeoutMs` has elapsed with the last check still false.
 */
export async function pollUntil(
  clock: Pick<Clock, 'monotonicMs' | 'sleep'>,
  pred: () => boolean,
  opts: WaitForOptions,
  defaultStepMs: number,
): Promise<boolean> {
  checkFn('waitFor', pred);
  if (typeof opts !== 'object' || opts === null) {
    throw new HilError('HIL_CLOCK_MISUSE', 'waitFor: pass options { timeoutMs, stepMs? }.');
  }
  const timeoutMs = checkMs('waitFor timeoutMs', opts.timeoutMs);
  const stepMs = checkMs('waitFor stepMs', opts.stepMs ?? defaultStepMs, { positive: true });
  const endMs = clock.monotonicMs() + timeoutMs;
  if (pred()) return true;
  for (;;) {
    const leftMs = endMs - clock.monotonicMs();
    if (leftMs <= 0) return false;
    await clock.sleep(Math.min(stepMs, leftMs));
    if (pred()) return true;
  }
}
