/**
 * Reconnecting after a cable glitch: the device node of a USB-serial
 * adapter disappears when the cable is pulled and comes back a moment
 * after it is plugged in again (the PTY stand-in: a few hundred ms; a real
 * adapter re-enumerating: one or two seconds). A connect made in between
 * fails with HIL_PORT_NOT_FOUND, or HIL_PORT_OPEN_FAILED while udev is
 * still setting the node up, so the next test waits for the device, within
 * a bound, instead of failing at once.
 */
import { HilError, isHilError } from '../errors.ts';
import type { Connected, Target } from './target.ts';

/** Default of `HIL_RECONNECT_WAIT_MS`: how long the next test waits for a vanished device, ms. */
export const DEFAULT_RECONNECT_WAIT_MS = 5000;

/** Ms between two attempts. */
const RETRY_EVERY_MS = 100;

/**
 * Connects `target`, retrying while the device is missing (HIL_PORT_NOT_FOUND,
 * HIL_PORT_OPEN_FAILED) for up to `waitMs` of the target's clock. Any other
 * error is thrown at once; when the wait runs out, the last error is thrown
 * with its code and how long was waited. `waitMs` 0: one attempt.
 */
export async function connectWhenBack(target: Target, waitMs: number): Promise<Connected> {
  const clock = target.clock;
  const startMs = clock.monotonicMs();
  for (;;) {
    try {
      return await target.connect();
    } catch (err) {
      if (!isHilError(err, 'HIL_PORT_NOT_FOUND') && !isHilError(err, 'HIL_PORT_OPEN_FAILED')) throw err;
      const waitedMs = clock.monotonicMs() - startMs;
      if (waitedMs + RETRY_EVERY_MS > waitMs) {
        const bare = err.message.startsWith(`${err.code}: `) ? err.message.slice(err.code.length + 2) : err.message;
        throw new HilError(err.code, `${bare}\n(Waited ${Math.round(waitedMs)} ms for the device to come back; HIL_RECONNECT_WAIT_MS sets how long.)`, { cause: err });
      }
      await clock.sleep(RETRY_EVERY_MS);
    }
  }
}
