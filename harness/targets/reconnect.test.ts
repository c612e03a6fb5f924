import { afterEach, describe, expect, test } from 'vitest';
import { createVirtualClock, type VirtualClock } from '../clock/index.ts';
import { HilError, isHilError } from '../errors.ts';
import { connectWhenBack } from './reconnect.ts';
import type { Connected, Target } from './target.ts';

const clocks: VirtualClock[] = [];
afterEach(() => { for (const c of clocks.splice(0)) c.dispose(); });

/** A target whose device is missing until `backAtMs` of its clock; `fail` overrides the error. */
function flakyTarget(backAtMs: number, fail?: () => Error): { target: Target; attempts: () => number } {
  const clock = createVirtualClock();
  clocks.push(clock);
  let attempts = 0;
  const connected = { firmware: { name: 'x', version: '2.5' } } as unknown as Connected;
  const target = {
    clock,
    connect: async () => {
      attempts++;
      if (fail) throw fail();
      if (clock.monotonicMs() < backAtMs) throw new HilError('HIL_PORT_NOT_FOUND', 'HIL_PORT=/dev/x does not exist');
      return connected;
    },
  } as unknown as Target;
  return { target, attempts: () => attempts };
}

describe('connectWhenBack', () => {
  test('a device back 300 ms after the test began: connected on the first attempt after it returned', async () => {
    const { target, attempts } = flakyTarget(300);
    const c = await connectWhenBack(target, 5000);
    expect(c.firmware.name).toBe('x');
    expect(target.clock.monotonicMs()).toBe(300);
    expect(attempts()).toBe(4);
  });

  test('a device that stays away: the original code, and the message says how long it was waited for and which variable sets it', async () => {
    const { target } = flakyTarget(Infinity);
    const err = await connectWhenBack(target, 1000).catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_PORT_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toMatch(/does not exist[\s\S]*Waited 1000 ms for the device[\s\S]*HIL_RECONNECT_WAIT_MS/);
    expect(target.clock.monotonicMs()).toBeLessThanOrEqual(1000);
  });

  test('any other failure is not waited for; 0 means one attempt', async () => {
    const timeout = flakyTarget(0, () => new HilError('HIL_FIRMWARE_TIMEOUT', 'no handshake'));
    await expect(connectWhenBack(timeout.target, 5000)).rejects.toThrow('HIL_FIRMWARE_TIMEOUT');
    expect(timeout.attempts()).toBe(1);
    const gone = flakyTarget(Infinity);
    await expect(connectWhenBack(gone.target, 0)).rejects.toThrow('HIL_PORT_NOT_FOUND');
    expect(gone.attempts()).toBe(1);
  });
});
