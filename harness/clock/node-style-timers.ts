/**
 * The timer functions a virtual clock puts on globalThis while installed
 * (setTimeout, setInterval, setImmediate and their clear functions), in two
 * builds with the same behaviour: on the clock's own `TimerQueue` (stepped
 * driver) and on fake-timers (the tickAsync reference driver).
 *
 * Both return Node-style handles like the objects fake-timers itself would
 * make: ref/unref/hasRef/refresh, and the id as primitive value (`+timer`,
 * and how clearTimeout finds it). `refresh()` re-arms the timer `delay` from
 * now, fired or not, as fake-timers does; the numeric id changes then.
 * `util.promisify(setTimeout)` and `util.promisify(setImmediate)` follow the
 * clock too.
 */
import { promisify } from 'node:util';
import type { Clock as FakeClock } from '@sinonjs/fake-timers';
import { natives } from './natives.ts';
import { coerceDelay, coerceInterval, QueuedTimer, type TimerKind, type TimerQueue } from './timer-queue.ts';

type TimerFn = (...args: unknown[]) => void;

/** Ids start here, as fake-timers' do (its clear functions treat smaller ids as native timers). */
const ID_START = 1e12;
// Shared by every clock (as fake-timers' counter is), so a numeric id never matches another clock's timer.
let nextId = ID_START;

/** The six faked timer globals, by name. */
export type TimerGlobals = Record<'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval' | 'setImmediate' | 'clearImmediate', unknown>;

/** Adds util.promisify versions resolving with `value` after the delay (as fake-timers' own do). */
function addPromisified(
  setTimeoutFn: object,
  setImmediateFn: object,
  timeout: (resolve: (value: unknown) => void, delay: unknown, value: unknown) => void,
  immediate: (resolve: (value: unknown) => void, value: unknown) => void,
): void {
  Object.defineProperty(setTimeoutFn, promisify.custom, {
    value: (delay?: unknown, value?: unknown) => new natives.Promise((resolve) => timeout(resolve, delay, value)),
  });
  Object.defineProperty(setImmediateFn, promisify.custom, {
    value: (value?: unknown) => new natives.Promise((resolve) => immediate(resolve, value)),
  });
}

/** fake-timers' check of a timer callback (same errors). */
function checkCallback(fn: unknown): asserts fn is TimerFn {
  if (fn === undefined) throw new Error('Callback must be provided to timer calls');
  if (typeof fn !== 'function') {
    throw new TypeError(`[ERR_INVALID_CALLBACK]: Callback must be a function. Received ${String(fn)} of type ${typeof fn}`);
  }
}

/** A faked-global timer on a `TimerQueue`: the queued timer is the handle. */
class QueuedNodeTimer extends QueuedTimer {
  /** The numeric value of the handle (`+timer`), by which clear functions also find it. */
  id = nextId++;
  private refed = true;

  constructor(
    private readonly queue: TimerQueue,
    kind: TimerKind,
    fn: TimerFn,
    args: unknown[] | undefined,
    delayMs: number,
    intervalMs: number,
  ) {
    super(kind, fn, args, delayMs, intervalMs);
  }

  ref(): this {
    this.refed = true;
    return this;
  }

  unref(): this {
    this.refed = false;
    return this;
  }

  hasRef(): boolean {
    return this.refed;
  }

  refresh(): this {
    this.queue.remove(this);
    this.id = nextId++;
    this.queue.schedule(this);
    return this;
  }

  /** True when this timer belongs to `queue`. */
  inQueue(queue: TimerQueue): boolean {
    return this.queue === queue;
  }

  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/**
 * The faked timer globals on `queue`. A clear function given something that
 * is not a waiting timer of this queue (a native timer, a timer of another
 * clock) passes it to fake-timers' own clear function, which has no timers,
 * so the outcome is fake-timers': a one-time warning for a native timer,
 * nothing otherwise.
 */
export function queuedTimerGlobals(queue: TimerQueue, fake: FakeClock): TimerGlobals {
  const make = (kind: TimerKind, fn: unknown, args: unknown[], delayMs: number, intervalMs: number): QueuedNodeTimer => {
    checkCallback(fn);
    // No arguments (the common case): a plain call when it fires.
    const t = new QueuedNodeTimer(queue, kind, fn, args.length === 0 ? undefined : args, delayMs, intervalMs);
    queue.schedule(t);
    return t;
  };
  const setTimeout = (fn: TimerFn, delay?: unknown, ...args: unknown[]): QueuedNodeTimer =>
    make('Timeout', fn, args, coerceDelay(delay), 0);
  const setInterval = (fn: TimerFn, period?: unknown, ...args: unknown[]): QueuedNodeTimer =>
    make('Interval', fn, args, coerceDelay(parseInt(String(period), 10)), coerceInterval(period));
  const setImmediate = (fn: TimerFn, ...args: unknown[]): QueuedNodeTimer => make('Immediate', fn, args, 0, 0);
  addPromisified(
    setTimeout,
    setImmediate,
    (resolve, delay, value) => setTimeout(resolve, delay, value),
    (resolve, value) => setImmediate(resolve, value),
  );

  const clearer = (kind: TimerKind, fallback: (handle: never) => void) => (handle: unknown): void => {
    if (!handle) return;
    let t: QueuedTimer | undefined;
    if (handle instanceof QueuedNodeTimer) t = handle.inQueue(queue) ? handle : undefined;
    else {
      const id = Number(handle);
      // By number: rare, so a linear search rather than an id map kept for every timer.
      t = queue.find((q) => q instanceof QueuedNodeTimer && q.id === id);
    }
    if (t === undefined || !queue.has(t)) {
      fallback(handle as never);
      return;
    }
    // fake-timers lets timeouts and intervals clear each other, not immediates.
    if (t.kind !== kind && (t.kind === 'Immediate' || kind === 'Immediate')) {
      throw new Error(`Cannot clear timer: timer created with set${t.kind}() but cleared with clear${kind}()`);
    }
    queue.remove(t);
  };
  return {
    setTimeout,
    clearTimeout: clearer('Timeout', fake.clearTimeout),
    setInterval,
    clearInterval: clearer('Interval', fake.clearInterval),
    setImmediate,
    clearImmediate: clearer('Immediate', fake.clearImmediate),
  };
}

/** A faked-global timer on fake-timers (the tickAsync reference driver). */
class FakeNodeTimer {
  private refed = true;
  constructor(
    private readonly fake: FakeClock,
    private readonly kind: 'setTimeout' | 'setInterval' | 'setImmediate',
    private id: number,
    private readonly fn: TimerFn,
    private readonly delay: unknown,
    private readonly args: unknown[],
  ) {}

  ref(): this {
    this.refed = true;
    return this;
  }

  unref(): this {
    this.refed = false;
    return this;
  }

  hasRef(): boolean {
    return this.refed;
  }

  refresh(): this {
    const f = this.fake;
    if (this.kind === 'setImmediate') {
      f.clearImmediate(this.id as never);
      this.id = Number(f.setImmediate(this.fn, ...this.args));
    } else if (this.kind === 'setInterval') {
      f.clearInterval(this.id as never);
      this.id = Number(f.setInterval(this.fn, this.delay as number, ...this.args));
    } else {
      f.clearTimeout(this.id as never);
      this.id = Number(f.setTimeout(this.fn, this.delay as number, ...this.args));
    }
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/** The faked timer globals on fake-timers' clock `fake` (the tickAsync reference driver). */
export function fakeTimerGlobals(fake: FakeClock): TimerGlobals {
  const setTimeout = (fn: TimerFn, delay?: number, ...args: unknown[]): FakeNodeTimer =>
    new FakeNodeTimer(fake, 'setTimeout', Number(fake.setTimeout(fn, delay as number, ...args)), fn, delay, args);
  const setInterval = (fn: TimerFn, delay?: number, ...args: unknown[]): FakeNodeTimer =>
    new FakeNodeTimer(fake, 'setInterval', Number(fake.setInterval(fn, delay as number, ...args)), fn, delay, args);
  const setImmediate = (fn: TimerFn, ...args: unknown[]): FakeNodeTimer =>
    new FakeNodeTimer(fake, 'setImmediate', Number(fake.setImmediate(fn, ...args)), fn, undefined, args);
  addPromisified(
    setTimeout,
    setImmediate,
    (resolve, delay, value) => fake.setTimeout(resolve, delay as number, value),
    (resolve, value) => fake.setImmediate(resolve, value),
  );
  return {
    setTimeout,
    clearTimeout: fake.clearTimeout,
    setInterval,
    clearInterval: fake.clearInterval,
    setImmediate,
    clearImmediate: fake.clearImmediate,
  };
}
