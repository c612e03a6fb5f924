/**
 * The virtual clock: one @sinonjs/fake-timers clock that is the whole
 * timeline, used directly through the Clock API and, once `install()`ed, by
 * every library through the faked globals.
 *
 * Why not `FakeTimers.install()`: it creates a fresh clock each time, so
 * timers scheduled before `install()` (or before an uninstall/reinstall)
 * would live on a second timeline. Instead the clock is made once with
 * `createClock` and `install()` points the globals at it (global-swap.ts).
 * The globals faked are exactly `FAKED_GLOBALS`; nextTick and queueMicrotask
 * stay real so stream plumbing keeps flowing while virtual time stands still.
 *
 * How time moves (`advance`/`sleep`/`waitFor`). Pending waits form one
 * target: the furthest deadline. Time moves towards it in ranges (from now to
 * the target as it stood when the range began); a wait resolves when its
 * deadline timer fires, or, if its deadline is the range's end, once every
 * timer due by then has fired. Since the timeline is shared, a pending sleep
 * keeps it moving after a shorter advance has resolved, while the caller
 * goes on.
 *
 * The "stepped" driver does this without fake-timers' `tickAsync`, which
 * spends a real event-loop turn (≈ 3.5 µs) per timer. Each step is one native
 * setImmediate callback doing one thing: fire the earliest due fake timer
 * (`clock.next()`), or end the range. Steps are queued in batches, so one
 * event-loop turn runs many of them, and Node drains between any two
 * immediates of a turn (`processImmediate` runs `runNextTicks()` before each
 * immediate after the first; the callback scope drains after the last).
 *
 * GUARANTEE between two timers, before a range's first timer, and between a
 * range's last timer and the settling of its waits: the process.nextTick
 * queue and the microtask queue (promise reactions, await, queueMicrotask)
 * are run until BOTH are empty, whatever the depth of the chain (a nextTick
 * resolving a promise whose reaction queues a nextTick ... all run). This is
 * Node's own full drain, no hop counting. NOT waited for: work that needs a
 * real macrotask (real I/O; a native setTimeout/setImmediate, i.e. one
 * captured before `install()` or used while not installed). It runs at the
 * next real event-loop turn, at the latest after `MAX_STEPS_PER_TURN` steps.
 * (Under tickAsync it got one turn per timer; a single native-setImmediate
 * hop thus happened to complete before the next timer, deeper I/O did not.)
 * Likewise, how far a pending sleep moves the timeline while its caller's
 * neighbours await a real macrotask is unspecified: tickAsync fired one timer
 * per real turn there, the stepped driver fires up to a batch.
 *
 * Kept from tickAsync on purpose (tests compare the two drivers): timers fire
 * in fake-timers' order (callAt, then immediates, then creation/re-arm order)
 * with `now` at each timer's time; a zero-delay timer made from a range's
 * first timer until its end (in a timer or in the work it triggers) fires
 * 1 ms later (fake-timers' `duringTick` rule), otherwise at the current ms;
 * an error thrown by a timer is kept while the rest of the range fires, then
 * rejects the waits settled at the range's end (with concurrent sleeps that
 * can be another caller's wait). If the fake-timers internals the driver
 * needs (`timerHeap`, `duringTick`) are missing, the clock falls back to
 * tickAsync (`VIRTUAL_DRIVER` says which is in use).
 */
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import FakeTimers from '@sinonjs/fake-timers';
import type { Clock as FakeClock } from '@sinonjs/fake-timers';
import type { ClockTimer, VirtualClock, VirtualClockOptions, WaitForOptions } from './clock.ts';
import { checkFn, checkMs, disposedError, foreignTimerError } from './checks.ts';
import { createFakePerformance } from './fake-performance.ts';
import { swapGlobals, type GlobalPatch, type RestoreGlobals } from './global-swap.ts';
import { natives, realYield } from './natives.ts';
import { pollUntil } from './wait-for.ts';
import { HilError } from '../errors.ts';

/** Default start of virtual time: 2026-01-01T00:00:00Z, epoch ms. */
export const DEFAULT_VIRTUAL_START_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Default poll period of `waitFor` on a virtual clock, ms (costs no real time). */
export const VIRTUAL_WAIT_STEP_MS = 1;

/** The globals `install()` replaces (the `toFake` list); `hrtime` is `process.hrtime`. */
export const FAKED_GLOBALS = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'Date',
  'performance',
  'hrtime',
] as const;

// The fake clock factory is bound to the real globals (not to globalThis,
// which we may have faked), so its event-loop yields inside tickAsync always
// use the real setImmediate. Except setTimeout/clearTimeout: fake-timers
// looks at what setTimeout returns to decide whether its timers return
// Node-style objects (five closures and a computed-key literal per timer) or
// plain ids. Plain ids keep the Clock API, the simulator's hot path, cheap;
// the faked globals wrap them in `NodeStyleTimer`. fake-timers uses these two
// functions for nothing else here (no `install`, no shouldClearNativeTimers).
const timers = FakeTimers.withGlobal({
  setTimeout: (() => 0) as unknown as typeof natives.setTimeout,
  clearTimeout: (() => undefined) as typeof natives.clearTimeout,
  setInterval: natives.setInterval,
  clearInterval: natives.clearInterval,
  setImmediate: natives.setImmediate,
  clearImmediate: natives.clearImmediate,
  Date: natives.Date,
  performance: natives.performance,
  process,
  Promise: natives.Promise,
});

const nodeTimers = createRequire(import.meta.url)('node:timers') as Record<string, unknown>;

/**
 * Most steps (timer firings) queued for one real event-loop turn. Bounds how
 * long real I/O and real timers (Vitest's own timeouts, liveness watchdogs)
 * can wait while a long advance runs.
 */
export const MAX_STEPS_PER_TURN = 512;

/** The parts of a fake-timers timer the stepped driver reads. */
interface FakeTimerRecord {
  readonly callAt: number;
  readonly interval?: number;
}

/** fake-timers internals the stepped driver relies on (present in 15.x). */
interface FakeClockInternals {
  timerHeap?: { peek(): FakeTimerRecord | undefined; readonly timers: readonly FakeTimerRecord[] };
  duringTick?: boolean;
}

/** How a virtual clock moves time; see the module comment. */
export type VirtualDriver = 'stepped' | 'tickAsync';

function probeStepped(): boolean {
  try {
    // Behavioural check: with duringTick set, a zero-delay timer lands 1 ms
    // later, and the heap shows the earliest timer.
    const probe = timers.createClock(0, 10);
    const internals = probe as unknown as FakeClockInternals;
    internals.duringTick = true;
    probe.setTimeout(() => undefined, 5);
    probe.setTimeout(() => undefined, 0);
    internals.duringTick = false;
    const heap = internals.timerHeap;
    return typeof heap?.peek === 'function' && Array.isArray(heap.timers) && heap.timers.length === 2 && heap.peek()?.callAt === 1;
  } catch {
    return false;
  }
}

/** The driver new virtual clocks use: 'stepped' unless fake-timers lacks the internals it needs. */
export const VIRTUAL_DRIVER: VirtualDriver = probeStepped() ? 'stepped' : 'tickAsync';

// Which virtual clock owns the globals; on globalThis so separate copies of
// this module (test isolation) still see each other.
const OWNER_KEY = Symbol.for('mbot-hil.clock.virtual-owner');
const ownerSlot = globalThis as unknown as Record<symbol, VirtualClockImpl | undefined>;

let clockCount = 0;

/** A pending `advance`/`sleep`. */
interface Waiter {
  readonly deadlineMs: number;
  due: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

type Kind = 'timeout' | 'interval';

type TimerFn = (...args: unknown[]) => void;

/**
 * What the faked global setTimeout/setInterval/setImmediate return, like the
 * objects fake-timers itself would make: ref/unref/hasRef/refresh, and the id
 * as primitive value (`+timer`, and how clearTimeout finds it). `refresh()`
 * re-arms the timer `delay` from now, fired or not, as fake-timers does; the
 * numeric id changes then.
 */
class NodeStyleTimer {
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

/** The faked global timer functions of `fake` (Node-style handles; promisify follows the fake clock). */
function nodeStyleGlobals(fake: FakeClock): Record<string, unknown> {
  const setTimeout = (fn: TimerFn, delay?: number, ...args: unknown[]): NodeStyleTimer =>
    new NodeStyleTimer(fake, 'setTimeout', Number(fake.setTimeout(fn, delay as number, ...args)), fn, delay, args);
  const setInterval = (fn: TimerFn, delay?: number, ...args: unknown[]): NodeStyleTimer =>
    new NodeStyleTimer(fake, 'setInterval', Number(fake.setInterval(fn, delay as number, ...args)), fn, delay, args);
  const setImmediate = (fn: TimerFn, ...args: unknown[]): NodeStyleTimer =>
    new NodeStyleTimer(fake, 'setImmediate', Number(fake.setImmediate(fn, ...args)), fn, undefined, args);
  for (const [mine, theirs] of [
    [setTimeout, fake.setTimeout],
    [setImmediate, fake.setImmediate],
  ] as const) {
    const custom = (theirs as unknown as Record<symbol, unknown>)[promisify.custom];
    if (custom !== undefined) Object.defineProperty(mine, promisify.custom, { value: custom });
  }
  return {
    setTimeout,
    clearTimeout: fake.clearTimeout,
    setInterval,
    clearInterval: fake.clearInterval,
    setImmediate,
    clearImmediate: fake.clearImmediate,
  };
}

/**
 * A timer made through the Clock API. Ownership is a field and `live` a flag
 * (no WeakSet/Map bookkeeping): this is the simulator's hottest path, one
 * timer per link delivery.
 */
class VirtualTimer implements ClockTimer {
  id: unknown = undefined;
  live = true;
  constructor(
    readonly owner: VirtualClockImpl,
    readonly kind: Kind,
    readonly fn: () => void,
  ) {}
}

/** Fake-timers callback of every Clock-API timeout (one function for all, no closure per timer). */
function fireTimeout(t: VirtualTimer): void {
  t.live = false;
  t.fn();
}

class VirtualClockImpl implements VirtualClock {
  readonly kind = 'virtual' as const;
  readonly startEpochMs: number;
  /** e.g. "virtual clock #2 (created at specs/x.spec.ts:12:7)", used in error messages. */
  readonly label: string;
  private readonly fake: FakeClock;
  private readonly waiters = new Set<Waiter>();
  private carryMs = 0;
  private driving = false;
  private driveTargetMs = 0;
  // End of the range (a "tick") in progress (epoch ms), or -Infinity between ranges.
  private tickToMs = -Infinity;
  private restore: RestoreGlobals | undefined;
  private disposed = false;
  readonly driver: VirtualDriver;
  // Stepped driver: the fake clock's internals, native immediates queued and
  // not yet run, and the first error thrown by a timer of the current range.
  private readonly internals: FakeClockInternals;
  private queuedSteps = 0;
  private batchSize = 0;
  private rangeFailed = false;
  private rangeError: unknown = undefined;
  private readonly stepFn = (): void => this.step();

  constructor(startEpochMs: number, driver: VirtualDriver) {
    this.startEpochMs = startEpochMs;
    this.fake = timers.createClock(startEpochMs, 100_000);
    this.internals = this.fake as unknown as FakeClockInternals;
    this.driveTargetMs = startEpochMs;
    this.driver = driver;
    this.label = `virtual clock #${++clockCount}${creationSite()}`;
  }

  get installed(): boolean {
    return this.restore !== undefined;
  }

  now(): number {
    return this.fake.now;
  }

  monotonicMs(): number {
    return this.fake.now - this.startEpochMs;
  }

  pendingTimerCount(): number {
    return this.fake.countTimers();
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    this.usable('setTimeout');
    checkFn('setTimeout', fn);
    checkMs('setTimeout', ms);
    const t = new VirtualTimer(this, 'timeout', fn);
    // Round up: virtual time moves in whole ms and a timer must never fire early.
    t.id = this.fake.setTimeout(fireTimeout as TimerFn, Math.ceil(ms), t);
    return t;
  }

  clearTimeout(t: ClockTimer | undefined): void {
    this.clear('clearTimeout', t);
  }

  setInterval(fn: () => void, ms: number): ClockTimer {
    this.usable('setInterval');
    checkFn('setInterval', fn);
    checkMs('setInterval', ms, { positive: true });
    const t = new VirtualTimer(this, 'interval', fn);
    t.id = this.fake.setInterval(fn, Math.ceil(ms));
    return t;
  }

  clearInterval(t: ClockTimer | undefined): void {
    this.clear('clearInterval', t);
  }

  sleep(ms: number): Promise<void> {
    return this.advanceBy('sleep', ms);
  }

  advance(ms: number): Promise<void> {
    return this.advanceBy('advance', ms);
  }

  async waitFor(pred: () => boolean, opts: WaitForOptions): Promise<boolean> {
    this.usable('waitFor');
    return pollUntil(this, pred, opts, VIRTUAL_WAIT_STEP_MS);
  }

  install(): void {
    this.usable('install');
    if (this.restore) return;
    const owner = ownerSlot[OWNER_KEY];
    if (owner && owner !== this) {
      throw new HilError(
        'HIL_CLOCK_MISUSE',
        `install: ${owner.label} is already installed; call its uninstall() (or dispose()) before installing ${this.label}.`,
      );
    }
    if ((globalThis.Date as { isFake?: boolean }).isFake === true) {
      throw new HilError(
        'HIL_CLOCK_MISUSE',
        `install: another fake-timer clock (vi.useFakeTimers()?) already owns the globals; call vi.useRealTimers() first, or use only the harness's virtual clock.`,
      );
    }
    const f = this.fake;
    const perf = createFakePerformance(() => this.monotonicMs(), this.startEpochMs);
    const patches: GlobalPatch[] = [];
    const fns = nodeStyleGlobals(f);
    for (const [key, value] of Object.entries(fns)) {
      patches.push({ target: globalThis, key, value });
      // Code that calls require('timers').setTimeout(...) at call time follows too.
      if (typeof nodeTimers[key] === 'function') patches.push({ target: nodeTimers, key, value });
    }
    patches.push({ target: globalThis, key: 'Date', value: f.Date });
    patches.push({ target: globalThis, key: 'performance', value: perf });
    patches.push({ target: process, key: 'hrtime', value: f.hrtime });
    this.restore = swapGlobals(patches);
    ownerSlot[OWNER_KEY] = this;
  }

  uninstall(): void {
    if (!this.restore) return;
    this.restore();
    this.restore = undefined;
    if (ownerSlot[OWNER_KEY] === this) ownerSlot[OWNER_KEY] = undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.uninstall();
    this.disposed = true;
    // Cancel every pending timer (Clock API and faked globals); now stays.
    const now = this.fake.now;
    this.fake.reset();
    this.fake.now = now;
    const err = disposedError('virtual', 'sleep');
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }

  private async advanceBy(call: string, ms: number): Promise<void> {
    this.usable(call);
    checkMs(call, ms);
    // Fractions of a ms accumulate until they make a whole ms; the tolerance
    // absorbs binary rounding (ten advances of 0.1 make 1 ms).
    this.carryMs += ms;
    const wholeMs = Math.floor(this.carryMs + 1e-9);
    this.carryMs = Math.max(0, this.carryMs - wholeMs);
    if (wholeMs === 0) {
      await realYield();
      return;
    }
    await new natives.Promise<void>((resolve, reject) => {
      const w: Waiter = { deadlineMs: this.fake.now + wholeMs, due: false, resolve, reject };
      // A fake timer marks the deadline, so a sleeper whose deadline falls
      // inside a longer advance resumes at its own time, between the timers
      // around it, not when the whole advance ends.
      this.fake.setTimeout(() => this.onWaiterDue(w), wholeMs);
      this.waiters.add(w);
      if (w.deadlineMs > this.driveTargetMs) this.driveTargetMs = w.deadlineMs;
      if (this.driving) return;
      this.driving = true;
      if (this.driver === 'tickAsync') void this.driveTickAsync();
      else if (this.queuedSteps === 0) {
        this.batchSize = 0;
        this.queueSteps();
      }
    });
  }

  private onWaiterDue(w: Waiter): void {
    w.due = true;
    if (this.fake.now < this.tickToMs) {
      this.waiters.delete(w);
      w.resolve();
    }
    // Else it is due at the very end of the range: the driver settles it
    // once the range is done, so an error thrown by any timer of it reaches it.
  }

  /** Settles the waiters that came due in the range just finished. */
  private settleDue(failed: boolean, error: unknown): void {
    // Set iteration order is creation order: deterministic.
    for (const w of [...this.waiters]) {
      if (!w.due) continue;
      this.waiters.delete(w);
      if (failed) w.reject(error);
      else w.resolve();
    }
  }

  // ---- stepped driver (default) ----
  //
  // A range runs from the first step after it starts to the step that finds
  // no timer due at or before its end (tickToMs); the waiters due at its end
  // are settled there. Each step does ONE unit of work (fire one timer, or
  // finish the range), so the full nextTick/microtask drain Node performs
  // between immediates separates every two of them. The next range starts at
  // a later step, after the settled waiters' continuations have run, as
  // between two tickAsync calls.

  /**
   * Queues the next batch of steps (native immediates, ≥ 1): the firings
   * already due before the range's end plus the step that ends it, or twice
   * the previous batch when that one was used up (timers that schedule
   * timers), at most MAX_STEPS_PER_TURN. Steps left over when a drive ends
   * do nothing, or carry on the next drive if one starts before they run.
   */
  private queueSteps(): void {
    const endMs = this.tickToMs === -Infinity ? this.driveTargetMs : this.tickToMs;
    const n = Math.min(MAX_STEPS_PER_TURN, Math.max(this.dueFirings(endMs) + 1, this.batchSize * 2));
    this.batchSize = n;
    this.queuedSteps += n;
    for (let i = 0; i < n; i++) natives.setImmediate(this.stepFn);
  }

  /** Firings due at or before `endMs` among the timers now pending (a lower bound; capped). */
  private dueFirings(endMs: number): number {
    const pending = this.internals.timerHeap?.timers;
    if (!pending) return 0;
    let n = 0;
    for (let i = 0; i < pending.length && n < MAX_STEPS_PER_TURN; i++) {
      const t = pending[i]!;
      if (t.callAt > endMs) continue;
      const every = t.interval;
      n += typeof every === 'number' && every > 0 ? Math.floor((endMs - t.callAt) / every) + 1 : 1;
    }
    return n;
  }

  /** One step (a native immediate callback). Never throws. */
  private step(): void {
    this.queuedSteps--;
    if (!this.driving || this.disposed) return;
    if (this.tickToMs === -Infinity) {
      if (this.fake.now >= this.driveTargetMs) {
        this.driving = false;
        return;
      }
      this.tickToMs = this.driveTargetMs;
    }
    const next = this.internals.timerHeap?.peek();
    if (next !== undefined && next.callAt <= this.tickToMs) {
      // duringTick stays set from the first timer of a range to its end, as
      // under tickAsync: zero-delay timers made meanwhile land 1 ms later.
      this.internals.duringTick = true;
      try {
        this.fake.next(); // fires exactly `next` (the heap's first timer) at its callAt
      } catch (err) {
        if (!this.rangeFailed) {
          this.rangeFailed = true;
          this.rangeError = err;
        }
      }
      this.internals.duringTick = true; // next() clears it on the way out
    } else {
      this.internals.duringTick = false;
      this.fake.tick(this.tickToMs - this.fake.now); // nothing is due: only moves now to the range's end
      const failed = this.rangeFailed;
      const error = this.rangeError;
      this.tickToMs = -Infinity;
      this.rangeFailed = false;
      this.rangeError = undefined;
      this.settleDue(failed, error);
    }
    if (this.queuedSteps === 0 && this.driving && !this.disposed) this.queueSteps();
  }

  // ---- tickAsync driver (fallback) ----

  private async driveTickAsync(): Promise<void> {
    try {
      while (!this.disposed && this.fake.now < this.driveTargetMs) {
        this.tickToMs = this.driveTargetMs;
        let failed = false;
        let error: unknown;
        try {
          await this.fake.tickAsync(this.tickToMs - this.fake.now);
        } catch (err) {
          failed = true;
          error = err;
        }
        this.tickToMs = -Infinity;
        this.settleDue(failed, error);
      }
    } finally {
      this.driving = false;
    }
  }

  private clear(call: string, t: ClockTimer | undefined): void {
    this.usable(call);
    if (t === undefined) return;
    if (!(t instanceof VirtualTimer) || t.owner !== this) throw foreignTimerError('virtual', call);
    if (!t.live) return;
    t.live = false;
    // fake-timers refuses clearTimeout on an interval; Node does not, so route by kind.
    if (t.kind === 'timeout') this.fake.clearTimeout(t.id as never);
    else this.fake.clearInterval(t.id as never);
  }

  private usable(call: string): void {
    if (this.disposed) throw disposedError('virtual', call);
  }
}

/** " (created at file:line:col)" of the first caller outside the clock factories, or "". */
function creationSite(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const outside = lines.find(
    (l) => !/[\\/]harness[\\/]clock[\\/](virtual-clock|index)\.ts/.test(l) && !l.includes('node:internal'),
  );
  const m = outside?.match(/\(?([^()\s]+:\d+:\d+)\)?\s*$/);
  return m ? ` (created at ${m[1]})` : '';
}

/**
 * A deterministic virtual clock starting at `opts.startEpochMs` (integer epoch
 * ms, default `DEFAULT_VIRTUAL_START_EPOCH_MS`); installed right away when
 * `opts.install`. Invalid options throw HIL_CLOCK_MISUSE.
 */
export function createVirtualClock(opts: VirtualClockOptions = {}): VirtualClock {
  const start = opts.startEpochMs ?? DEFAULT_VIRTUAL_START_EPOCH_MS;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new HilError(
      'HIL_CLOCK_MISUSE',
      `createVirtualClock: startEpochMs must be a non-negative integer of epoch ms; got ${String(start)}.`,
    );
  }
  const clock = new VirtualClockImpl(start, VIRTUAL_DRIVER);
  if (opts.install) clock.install();
  return clock;
}

/**
 * For the clock's own tests: a virtual clock on a chosen driver, so both
 * drivers can be checked against each other. Not exported from index.ts.
 */
export function createVirtualClockWithDriver(driver: VirtualDriver, opts: VirtualClockOptions = {}): VirtualClock {
  const clock = new VirtualClockImpl(opts.startEpochMs ?? DEFAULT_VIRTUAL_START_EPOCH_MS, driver);
  if (opts.install) clock.install();
  return clock;
}
