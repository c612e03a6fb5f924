import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { isHilError } from '../errors.ts';
import type { VirtualClock } from './clock.ts';
import { createVirtualClockWithDriver, type VirtualDriver } from './testing/tick-async-clock.ts';
import { createVirtualClock, DEFAULT_VIRTUAL_START_EPOCH_MS } from './virtual-clock.ts';

const VIRTUAL_DRIVER: VirtualDriver = 'stepped';

const made: VirtualClock[] = [];
function vclock(driver: VirtualDriver = VIRTUAL_DRIVER): VirtualClock {
  const c = createVirtualClockWithDriver(driver);
  made.push(c);
  return c;
}
afterEach(() => {
  for (const c of made.splice(0)) c.dispose();
});
const vclockOn = (driver: VirtualDriver): VirtualClock => vclock(driver);

function expectMisuse(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isHilError(caught, 'HIL_CLOCK_MISUSE'), String(caught)).toBe(true);
}

// The timeline contract holds for both drivers (the stepped default and the
// tickAsync fallback used if fake-timers' internals change).
describe.each(['stepped', 'tickAsync'] as const)('virtual clock (%s driver): timeline', (driver) => {
  const vclock = (): VirtualClock => vclockOn(driver);

  it('starts at the configured epoch with monotonic time 0', () => {
    const c = vclock();
    expect(c.kind).toBe('virtual');
    expect(c.now()).toBe(DEFAULT_VIRTUAL_START_EPOCH_MS);
    expect(c.monotonicMs()).toBe(0);
    expect(createVirtualClock({ startEpochMs: 1_000 }).now()).toBe(1_000);
  });

  it('fires timers in due order, ties in creation order, each at its own time', async () => {
    const c = vclock();
    const log: string[] = [];
    const at = (name: string) => () => log.push(`${name}@${c.monotonicMs()}`);
    c.setTimeout(at('c30'), 30);
    c.setTimeout(at('a10'), 10);
    c.setTimeout(at('b10'), 10);
    c.setTimeout(at('z0'), 0);
    await c.advance(30);
    expect(log).toEqual(['z0@0', 'a10@10', 'b10@10', 'c30@30']);
    expect(c.monotonicMs()).toBe(30);
    expect(c.now()).toBe(DEFAULT_VIRTUAL_START_EPOCH_MS + 30);
  });

  it('does not fire a timer before its time and fires it at exactly now+ms', async () => {
    const c = vclock();
    let fired = 0;
    c.setTimeout(() => fired++, 25);
    await c.advance(24);
    expect(fired).toBe(0);
    await c.advance(1);
    expect(fired).toBe(1);
  });

  it('runs intervals until cleared, and clearTimeout cancels', async () => {
    const c = vclock();
    const ticks: number[] = [];
    const iv = c.setInterval(() => ticks.push(c.monotonicMs()), 20);
    const t = c.setTimeout(() => ticks.push(-1), 50);
    c.clearTimeout(t);
    await c.advance(70);
    c.clearInterval(iv);
    await c.advance(100);
    expect(ticks).toEqual([20, 40, 60]);
    c.clearInterval(iv); // already cleared: no-op
    c.clearTimeout(undefined);
  });

  it('lets process.nextTick and promise work run between timers during one advance', async () => {
    const c = vclock();
    const log: string[] = [];
    c.setTimeout(() => {
      log.push(`t10@${c.monotonicMs()}`);
      process.nextTick(() => log.push(`tick@${c.monotonicMs()}`));
      void Promise.resolve().then(() => log.push(`promise@${c.monotonicMs()}`));
    }, 10);
    c.setTimeout(() => log.push(`t11@${c.monotonicMs()}`), 11);
    await c.advance(50);
    expect(log).toEqual(['t10@10', 'tick@10', 'promise@10', 't11@11']);
  });

  it('delivers a nextTick-driven stream between timers (serialport-style)', async () => {
    const c = vclock();
    const toDevice = new PassThrough();
    const fromDevice = new PassThrough();
    // A "device" that answers each request on a later tick, as binding-mock does.
    toDevice.on('data', (chunk: Buffer) => {
      process.nextTick(() => fromDevice.write(`ack:${chunk.toString()}`));
    });
    const log: string[] = [];
    fromDevice.on('data', (chunk: Buffer) => log.push(`${chunk.toString()}@${c.monotonicMs()}`));
    c.setTimeout(() => toDevice.write('ping1'), 5);
    c.setTimeout(() => log.push(`timer@${c.monotonicMs()}`), 6);
    c.setTimeout(() => toDevice.write('ping2'), 6);
    await c.advance(10);
    expect(log).toEqual(['ack:ping1@5', 'timer@6', 'ack:ping2@6']);
  });

  it('resumes a sleeper inside a longer advance at its own deadline', async () => {
    const c = vclock();
    const log: string[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await c.sleep(10);
        log.push(`loop@${c.monotonicMs()}`);
      }
    })();
    c.setTimeout(() => log.push(`timer@${c.monotonicMs()}`), 15);
    await c.advance(100);
    await loop;
    expect(log).toEqual(['loop@10', 'timer@15', 'loop@20', 'loop@30']);
    expect(c.monotonicMs()).toBe(100);
  });

  it('shares one timeline between concurrent sleeps, like wall time', async () => {
    const c = vclock();
    const order: string[] = [];
    await Promise.all([
      c.sleep(30).then(() => order.push(`30@${c.monotonicMs()}`)),
      c.sleep(10).then(() => order.push(`10@${c.monotonicMs()}`)),
    ]);
    expect(order).toEqual(['10@10', '30@30']);
    expect(c.monotonicMs()).toBe(30);
  });

  it('lets a sleep started inside a timer callback move time on to its own deadline', async () => {
    const c = vclock();
    const log: number[] = [];
    c.setTimeout(() => {
      void c.sleep(5).then(() => log.push(c.monotonicMs()));
    }, 10);
    await c.advance(12);
    expect(log).toEqual([]); // the outer advance resolves at its own deadline
    await c.advance(3);
    expect(log).toEqual([15]);
    expect(c.monotonicMs()).toBe(15);
  });

  it('carries fractions of a millisecond', async () => {
    const c = vclock();
    for (let i = 0; i < 10; i++) await c.advance(0.1);
    expect(c.monotonicMs()).toBe(1);
    await c.advance(0.5);
    expect(c.monotonicMs()).toBe(1);
    await c.advance(0.5);
    expect(c.monotonicMs()).toBe(2);
  });

  it('rounds fractional timer delays up, never firing early', async () => {
    const c = vclock();
    const at: number[] = [];
    c.setTimeout(() => at.push(c.monotonicMs()), 2.2);
    await c.advance(5);
    expect(at).toEqual([3]);
  });

  it('is deterministic: same calls give the same firing order and timestamps', async () => {
    async function script(): Promise<string[]> {
      const c = vclock();
      const trace: string[] = [];
      c.setInterval(() => trace.push(`iv@${c.now()}`), 7);
      for (const ms of [13, 3, 13, 0, 21]) c.setTimeout(() => trace.push(`t${ms}@${c.now()}`), ms);
      const sleeper = (async () => {
        await c.sleep(4);
        trace.push(`s@${c.now()}`);
        c.setTimeout(() => trace.push(`late@${c.now()}`), 9);
      })();
      await c.advance(30);
      await sleeper;
      return trace;
    }
    const a = await script();
    const b = await script();
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(8);
  });

  it('rejects the advance with an error thrown by a timer, and still finishes the range', async () => {
    const c = vclock();
    let after = 0;
    c.setTimeout(() => {
      throw new Error('boom');
    }, 5);
    c.setTimeout(() => after++, 8);
    await expect(c.advance(10)).rejects.toThrow('boom');
    expect(after).toBe(1);
    expect(c.monotonicMs()).toBe(10);
    await c.advance(1); // the clock keeps working
  });

  it('waitFor resolves true at the first step where the predicate holds, false at the timeout', async () => {
    const c = vclock();
    let ready = false;
    c.setTimeout(() => (ready = true), 37);
    await expect(c.waitFor(() => ready, { timeoutMs: 100 })).resolves.toBe(true);
    expect(c.monotonicMs()).toBe(37);
    const start = c.monotonicMs();
    await expect(c.waitFor(() => false, { timeoutMs: 50, stepMs: 20 })).resolves.toBe(false);
    expect(c.monotonicMs() - start).toBe(50);
    await expect(c.waitFor(() => true, { timeoutMs: 0 })).resolves.toBe(true);
  });

  it('reports pending timers', async () => {
    const c = vclock();
    c.setTimeout(() => undefined, 5);
    c.setInterval(() => undefined, 5);
    expect(c.pendingTimerCount()).toBe(2);
    await c.advance(5);
    expect(c.pendingTimerCount()).toBe(1);
  });
});

describe('virtual clock: misuse', () => {
  it('throws HIL_CLOCK_MISUSE on bad ms and callbacks', async () => {
    const c = vclock();
    expectMisuse(() => c.setTimeout(() => undefined, -1));
    expectMisuse(() => c.setTimeout(() => undefined, Number.NaN));
    expectMisuse(() => c.setInterval(() => undefined, 0));
    expectMisuse(() => c.setTimeout(42 as unknown as () => void, 1));
    await expect(c.advance(-5)).rejects.toMatchObject({ code: 'HIL_CLOCK_MISUSE' });
    await expect(c.sleep(Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: 'HIL_CLOCK_MISUSE' });
    await expect(c.waitFor(() => true, { timeoutMs: -1 })).rejects.toMatchObject({ code: 'HIL_CLOCK_MISUSE' });
    await expect(c.waitFor(() => true, { timeoutMs: 5, stepMs: 0 })).rejects.toMatchObject({
      code: 'HIL_CLOCK_MISUSE',
    });
    expectMisuse(() => createVirtualClock({ startEpochMs: -1 }));
    expectMisuse(() => createVirtualClock({ startEpochMs: 1.5 }));
  });

  it('refuses to clear a timer made by another clock', () => {
    const a = vclock();
    const b = vclock();
    const t = a.setTimeout(() => undefined, 5);
    expectMisuse(() => b.clearTimeout(t));
  });

  it('cancels timers and rejects pending sleeps on dispose, then refuses use', async () => {
    const c = vclock();
    let fired = false;
    c.setTimeout(() => (fired = true), 5);
    const nested = new Promise<unknown>((resolve) => {
      c.setTimeout(() => {
        c.sleep(100).then(resolve, resolve);
      }, 1);
    });
    await c.advance(2);
    c.dispose();
    expect(await nested).toMatchObject({ code: 'HIL_CLOCK_MISUSE' });
    expect(fired).toBe(false);
    expectMisuse(() => c.setTimeout(() => undefined, 1));
    expectMisuse(() => c.now === undefined || c.install());
    await expect(c.advance(1)).rejects.toMatchObject({ code: 'HIL_CLOCK_MISUSE' });
    c.dispose(); // idempotent
  });
});
