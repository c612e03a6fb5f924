/**
 * What runs between two timers of a virtual clock, and that the stepped
 * driver (default) behaves exactly like the tickAsync one it replaced.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from './clock.ts';
import { natives } from './natives.ts';
import { createVirtualClockWithDriver, type VirtualDriver } from './testing/tick-async-clock.ts';
import { createVirtualClock, MAX_STEPS_PER_TURN, VirtualClockImpl } from './virtual-clock.ts';

const require = createRequire(import.meta.url);
interface MockBindingApi {
  createPort(path: string, opts?: { echo?: boolean; record?: boolean }): void;
}
const { MockBinding } = require('@serialport/binding-mock') as { MockBinding: MockBindingApi };
const { SerialPortStream } = require('@serialport/stream') as {
  SerialPortStream: new (opts: { binding: unknown; path: string; baudRate: number }) => Duplex & {
    close(cb: (err: Error | null) => void): void;
  };
};

const DRIVERS = ['stepped', 'tickAsync'] as const;

const made: VirtualClock[] = [];
function vclock(driver: VirtualDriver, install = false): VirtualClock {
  const c = createVirtualClockWithDriver(driver, { install });
  made.push(c);
  return c;
}
afterEach(() => {
  for (const c of made.splice(0)) c.dispose();
});

/**
 * Starts a chain of `hops` steps alternating process.nextTick, promise
 * reactions, queueMicrotask and async/await (each hop queued by the one
 * before); resolves the returned flag when the last hop ran.
 */
function chain(hops: number): { done: boolean } {
  const state = { done: false };
  const hop = (i: number): void => {
    if (i === hops) {
      state.done = true;
      return;
    }
    switch (i % 4) {
      case 0:
        process.nextTick(hop, i + 1);
        break;
      case 1:
        void Promise.resolve(i + 1).then(hop);
        break;
      case 2:
        queueMicrotask(() => hop(i + 1));
        break;
      default:
        void (async () => {
          await null;
          await Promise.resolve();
          hop(i + 1);
        })();
    }
  };
  hop(0);
  return state;
}

describe('virtual clock: the stepped driver is the default', () => {
  it('is in use (fake-timers still has the internals it needs)', () => {
    // If this fails after a fake-timers upgrade, the clock silently fell back
    // to tickAsync: correct but ≈ 10× slower per timer. Fix probeStepped().
    const clock = createVirtualClock();
    expect(Object.getPrototypeOf(clock)).toBe(VirtualClockImpl.prototype);
    clock.dispose();
  });
});

describe.each(DRIVERS)('virtual clock (%s driver): draining between timers', (driver) => {
  it('runs a nextTick/promise/microtask chain of any depth to the end before the next timer', async () => {
    const c = vclock(driver);
    const seen: string[] = [];
    let deep: { done: boolean } | undefined;
    c.setTimeout(() => {
      deep = chain(2_000);
    }, 10);
    // Same ms, created later: fires after the chain in the same virtual ms.
    c.setTimeout(() => seen.push(`same-ms@${c.monotonicMs()}:${String(deep?.done)}`), 10);
    c.setTimeout(() => seen.push(`next-ms@${c.monotonicMs()}:${String(deep?.done)}`), 11);
    await c.advance(20);
    expect(seen).toEqual(['same-ms@10:true', 'next-ms@11:true']);
  });

  it('runs chains started by every timer of a burst, each before the following timer', async () => {
    const c = vclock(driver);
    const bad: number[] = [];
    let prev: { done: boolean } | undefined;
    let fired = 0;
    // 3 × MAX_STEPS_PER_TURN firings: several event-loop turns of steps.
    c.setInterval(() => {
      if (prev && !prev.done) bad.push(fired);
      prev = chain(25 + (fired % 17));
      fired++;
    }, 1);
    await c.advance(3 * MAX_STEPS_PER_TURN);
    expect(fired).toBe(3 * MAX_STEPS_PER_TURN);
    expect(bad).toEqual([]);
  });

  it('completes a serialport write → binding-mock echo → data event before the next timer', async () => {
    const c = vclock(driver);
    const path = `/dev/vclock-drain-${driver}-${process.pid}`;
    MockBinding.createPort(path, { echo: true, record: false });
    const port = new SerialPortStream({ binding: MockBinding, path, baudRate: 115_200 });
    await new Promise<void>((resolve, reject) => {
      port.once('open', resolve);
      port.once('error', reject);
    });
    const log: string[] = [];
    port.on('data', (b: Buffer) => log.push(`echo ${b.toString()}@${c.monotonicMs()}`));
    for (const at of [5, 6, 6, 9]) {
      c.setTimeout(() => {
        log.push(`write ${at}@${c.monotonicMs()}`);
        port.write(`w${at}`);
      }, at);
    }
    c.setTimeout(() => log.push(`timer@${c.monotonicMs()}`), 7);
    await c.advance(10);
    expect(log).toEqual([
      'write 5@5',
      'echo w5@5',
      'write 6@6',
      'echo w6@6',
      'write 6@6',
      'echo w6@6',
      'timer@7',
      'write 9@9',
      'echo w9@9',
    ]);
    await new Promise<void>((resolve) => port.close(() => resolve()));
  });

  it('gives zero-delay timers made during an advance the next ms, and outside one the same ms', async () => {
    const c = vclock(driver, true);
    const log: string[] = [];
    c.setTimeout(() => {
      setTimeout(() => log.push(`from-timer@${c.monotonicMs()}`), 0);
      setImmediate(() => log.push(`immediate-from-timer@${c.monotonicMs()}`));
      process.nextTick(() => setTimeout(() => log.push(`from-tick@${c.monotonicMs()}`), 0));
      void Promise.resolve().then(() => c.setTimeout(() => log.push(`api-from-promise@${c.monotonicMs()}`), 0));
    }, 3);
    await c.advance(10);
    setTimeout(() => log.push(`outside@${c.monotonicMs()}`), 0);
    await c.advance(1);
    expect(log).toEqual([
      'immediate-from-timer@4',
      'from-timer@4',
      'from-tick@4',
      'api-from-promise@4',
      'outside@10',
    ]);
  });

  it('still gives real timers an event-loop turn during a long advance', async () => {
    const c = vclock(driver);
    let fired = 0;
    c.setInterval(() => fired++, 1);
    let turns = 0;
    let stop = false;
    const spin = (): void => {
      turns++;
      if (!stop) natives.setImmediate(spin);
    };
    natives.setImmediate(spin);
    await c.advance(10 * MAX_STEPS_PER_TURN);
    stop = true;
    expect(fired).toBe(10 * MAX_STEPS_PER_TURN);
    expect(turns).toBeGreaterThanOrEqual(fired / MAX_STEPS_PER_TURN);
  });
});

describe('virtual clock: stepped and tickAsync drivers agree', () => {
  /** A workload touching every rule; returns what happened, with virtual times. */
  async function workload(driver: VirtualDriver): Promise<string[]> {
    const c = vclock(driver, true);
    const log: string[] = [];
    const at = (what: string): void => {
      log.push(`${what}@${c.monotonicMs()}`);
    };
    // A stream "device" answering each write on a later tick, then via a promise.
    const toDevice = new PassThrough();
    const fromDevice = new PassThrough();
    toDevice.on('data', (b: Buffer) => {
      process.nextTick(() => void Promise.resolve().then(() => fromDevice.write(`ack:${b.toString()}`)));
    });
    fromDevice.on('data', (b: Buffer) => {
      at(b.toString());
      if (b.toString().endsWith('3')) setTimeout(() => at('timeout-after-ack'), 0);
    });
    let n = 0;
    const iv = setInterval(() => {
      n++;
      at(`iv${n}`);
      toDevice.write(`req${n}`);
      if (n === 7) clearInterval(iv);
    }, 3);
    c.setInterval(() => at('api-iv'), 5);
    for (const ms of [0, 1, 4, 4, 9, 13]) c.setTimeout(() => at(`t${ms}`), ms);
    c.setTimeout(() => {
      at('thrower');
      throw new Error('boom');
    }, 6);
    setImmediate(() => at('immediate'));
    const sleeper = (async () => {
      for (let i = 0; i < 4; i++) {
        // A timer error rejects the waits due at the end of its range, which
        // can be this concurrent sleep: log it like a result.
        await c.sleep(4).catch((err: Error) => at(`sleeper-rejected:${err.message}`));
        at(`sleeper${i}`);
        setTimeout(() => at(`sleeper-timeout${i}`), 0);
      }
    })();
    const nested = new Promise<void>((resolve) => {
      c.setTimeout(() => {
        at('nested-start');
        void c
          .sleep(7)
          .catch((err: Error) => at(`nested-rejected:${err.message}`))
          .then(() => {
            at('nested-end');
            resolve();
          });
      }, 8);
    });
    const results: string[] = [];
    // Only virtual waits here: how far pending sleeps move the timeline while
    // a caller awaits a REAL macrotask (I/O, native setImmediate, a
    // fractional advance's yield) is not specified (see virtual-clock.ts).
    for (const ms of [2, 3, 1, 6, 11]) {
      await c.advance(ms).then(
        () => results.push(`ok@${c.monotonicMs()}`),
        (err: Error) => results.push(`${err.message}@${c.monotonicMs()}`),
      );
    }
    await sleeper;
    await c.advance(5);
    await nested;
    const ok = await c.waitFor(() => log.some((l) => l.startsWith('timeout-after-ack')), { timeoutMs: 50 });
    return [...log, ...results, `waitFor:${String(ok)}@${c.monotonicMs()}`];
  }

  it('produces the same events at the same virtual times', async () => {
    const stepped = await workload('stepped');
    made.splice(0).forEach((c) => c.dispose());
    const reference = await workload('tickAsync');
    expect(stepped).toEqual(reference);
    expect(stepped.length).toBeGreaterThan(40);
    // The error thrown at 6 rejects the waits due at the end of its range
    // (the sleeper's, at 8), as under tickAsync.
    expect(stepped).toContain('sleeper-rejected:boom@8');
  });

  /**
   * The faked globals' corner cases, where the stepped driver's own timer
   * queue must reproduce fake-timers: odd delays, arguments, `this`, ids,
   * clearing across kinds, refresh, promisify, pending counts.
   */
  async function globalsWorkload(driver: VirtualDriver): Promise<string[]> {
    const c = vclock(driver, true);
    const log: string[] = [];
    const at = (what: string) => (): void => void log.push(`${what}@${c.monotonicMs()}`);
    const attempt = (what: string, fn: () => void): void => {
      try {
        fn();
        log.push(`${what}:ok`);
      } catch (err) {
        log.push(`${what}:${(err as Error).message}`);
      }
    };
    const odd: Array<[string, unknown]> = [['string', '7'], ['fraction', 2.7], ['tiny', 1e-7], ['negative', -5], ['nan', Number.NaN], ['huge', 2 ** 31], ['junk', 'soon']];
    for (const [name, delay] of odd) setTimeout(at(`delay-${name}`), delay as number);
    let n = 0;
    const everyMs = setInterval(() => {
      at('interval-no-period')();
      if (++n === 3) clearInterval(everyMs);
    });
    setTimeout((a: string, b: string) => log.push(`args ${a} ${b}@${c.monotonicMs()}`), 3, 'x', 'y');
    setTimeout(function (this: unknown) {
      'use strict';
      log.push(`this ${String(this)}@${c.monotonicMs()}`);
    }, 1);
    const refreshed = setTimeout(at('refreshed'), 5);
    setTimeout(() => refreshed.refresh(), 3);
    const immediate = setImmediate(at('immediate-kept'));
    attempt('clearTimeout(immediate)', () => clearTimeout(immediate as unknown as NodeJS.Timeout));
    const byId = setTimeout(at('never-by-id'), 4);
    attempt('clearTimeout(+id)', () => clearTimeout(+byId as unknown as NodeJS.Timeout));
    attempt('clearInterval(timeout)', () => clearInterval(setTimeout(at('never-cross'), 2)));
    attempt('clearTimeout(null)', () => clearTimeout(null as unknown as NodeJS.Timeout));
    attempt('setTimeout(undefined)', () => setTimeout(undefined as unknown as () => void, 1));
    attempt('setTimeout(42)', () => setTimeout(42 as unknown as () => void, 1));
    c.setTimeout(at('api-0'), 0);
    const api = c.setInterval(at('api-iv'), 4);
    c.setTimeout(() => c.clearTimeout(api), 9);
    void promisify(setTimeout)(6, 'v').then((v) => log.push(`promisified ${String(v)}@${c.monotonicMs()}`));
    log.push(`pending ${c.pendingTimerCount()}`);
    await c.advance(20);
    log.push(`pending ${c.pendingTimerCount()}`);
    return log;
  }

  it('treats the faked globals alike, corner cases included', async () => {
    const stepped = await globalsWorkload('stepped');
    made.splice(0).forEach((c) => c.dispose());
    const reference = await globalsWorkload('tickAsync');
    expect(stepped).toEqual(reference);
    expect(stepped).toContain('clearTimeout(immediate):Cannot clear timer: timer created with setImmediate() but cleared with clearTimeout()');
    expect(stepped.filter((l) => l.startsWith('never'))).toEqual([]);
  });
});
