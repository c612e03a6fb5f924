/**
 * The virtual clock: one timeline, used directly through the Clock API and,
 * once `install()`ed, by every library through the faked globals. Its time
 * is a @sinonjs/fake-timers clock (which supplies the faked Date and
 * process.hrtime); its timers wait in the clock's own `TimerQueue`
 * (timer-queue.ts), which schedules exactly as fake-timers does.
 *
 * Why not `FakeTimers.install()`: it creates a fresh clock each time, so
 * timers scheduled before `install()` (or before an uninstall/reinstall)
 * would live on a second timeline. Instead the clock is made once and
 * `install()` points the globals at it (global-swap.ts).
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
 * spends a real event-loop turn (≈ 3.5 µs) per timer. Each step does one
 * thing: fire the earliest due timer of the queue, or end the range. Steps
 * run inside native setImmediate callbacks, up to `MAX_STEPS_PER_TURN` in
 * one event-loop turn, and Node's own drain separates any two of them:
 * `processImmediate` runs `runNextTicks()` before each immediate after the
 * first (the callback scope drains after the last), and between two steps
 * of the same immediate the driver calls that very function itself
 * (`process._tickCallback`, see `drainTicks`), which saves an immediate per
 * timer.
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
 * per real turn there, the stepped driver fires up to MAX_STEPS_PER_TURN.
 *
 * Kept from tickAsync on purpose (tests compare the two drivers): timers fire
 * in fake-timers' order (callAt, then immediates, then creation/re-arm order)
 * with `now` at each timer's time; a zero-delay timer made from a range's
 * first timer until its end (in a timer or in the work it triggers) fires
 * 1 ms later (fake-timers' `duringTick` rule), otherwise at the current ms;
 * an error thrown by a timer is kept while the rest of the range fires, then
 * rejects the waits settled at the range's end (with concurrent sleeps that
 * can be another caller's wait).
 *
 * The "tickAsync" driver is that reference: every timer on fake-timers,
 * moved by its `tickAsync`. Only the clock's own tests use it
 * (`createVirtualClockWithDriver`), to check the stepped driver against it.
 */
import { createRequire } from 'node:module';
import FakeTimers from '@sinonjs/fake-timers';
import type { Clock as FakeClock } from '@sinonjs/fake-timers';
import type { ClockTimer, VirtualClock, VirtualClockOptions, WaitForOptions } from './clock.ts';
import { checkFn, checkMs, disposedError, foreignTimerError } from './checks.ts';
import { createFakePerformance } from './fake-performance.ts';
import { swapGlobals, type GlobalPatch, type RestoreGlobals } from './global-swap.ts';
import { natives, realYield } from './natives.ts';
import { fakeTimerGlobals, queuedTimerGlobals } from './node-style-timers.ts';
import { coerceDelay, coerceInterval, QueuedTimer, TimerQueue } from './timer-queue.ts';
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
// plain ids. Plain ids keep the reference driver's Clock-API timers cheap;
// its faked globals wrap them in Node-style handles. fake-timers uses these
// two functions for nothing else here (no `install`, no shouldClearNativeTimers).
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
 * Most steps (timer firings) run in one real event-loop turn. Bounds how
 * long real I/O and real timers (Vitest's own timeouts, liveness watchdogs)
 * can wait while a long advance runs.
 */
export const MAX_STEPS_PER_TURN = 512;

/**
 * Node's drain between two callbacks: runs the process.nextTick queue and the
 * microtask queue until both are empty (and reports unhandled rejections), as
 * `processImmediate` does between two immediates, by calling this function.
 * It is `process._tickCallback`, undocumented but present in every Node this
 * package supports (engines >=20.19 <23); where it is missing, each step gets
 * an immediate of its own and Node's loop does the draining.
 */
const drainTicks = (process as unknown as { _tickCallback?: unknown })._tickCallback;
const stepsPerImmediate = typeof drainTicks === 'function' ? MAX_STEPS_PER_TURN : 1;

/** How a virtual clock moves time; see the module comment. */
export type VirtualDriver = 'stepped' | 'tickAsync';

/** The driver of every virtual clock outside the clock's own tests. */
export const VIRTUAL_DRIVER: VirtualDriver = 'stepped';

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
 * A timer made through the Clock API on the stepped driver: its own entry in
 * the clock's queue (no other bookkeeping: this is the simulator's hottest
 * path, a timer per link delivery and per firmware sample).
 */
class ApiTimer extends QueuedTimer implements ClockTimer {
  constructor(
    readonly owner: VirtualClockImpl,
    kind: 'Timeout' | 'Interval',
    fn: () => void,
    delayMs: number,
    intervalMs: number,
  ) {
    super(kind, fn, undefined, delayMs, intervalMs);
  }

  /** Opaque (ClockTimer): the timer's place in the firing order. */
  get id(): number {
    return this.order;
  }
}

/** A timer made through the Clock API on the tickAsync reference driver (a fake-timers timer). */
class VirtualTimer implements ClockTimer {
  id: unknown = undefined;
  live = true;
  constructor(
    readonly owner: VirtualClockImpl,
    readonly kind: Kind,
    readonly fn: () => void,
  ) {}
}

/** Fake-timers callback of every Clock-API timeout of the reference driver (one function for all, no closure per timer). */
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
  // Stepped driver: the timers, native immediates queued and not yet run, and
  // the first error thrown by a timer of the current range.
  private readonly queue = new TimerQueue(() => this.fake.now);
  private queuedImmediates = 0;
  private batchSize = 0;
  private rangeFailed = false;
  private rangeError: unknown = undefined;
  private readonly runStepsFn = (): void => this.runSteps();

  constructor(startEpochMs: number, driver: VirtualDriver) {
    this.startEpochMs = startEpochMs;
    this.fake = timers.createClock(startEpochMs, 100_000);
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
    return this.driver === 'stepped' ? this.queue.size : this.fake.countTimers();
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    this.usable('setTimeout');
    checkFn('setTimeout', fn);
    checkMs('setTimeout', ms);
    // Round up: virtual time moves in whole ms and a timer must never fire early.
    const delayMs = Math.ceil(ms);
    if (this.driver === 'stepped') {
      const t = new ApiTimer(this, 'Timeout', fn, coerceDelay(delayMs), 0);
      this.queue.schedule(t);
      return t;
    }
    const t = new VirtualTimer(this, 'timeout', fn);
    t.id = this.fake.setTimeout(fireTimeout as TimerFn, delayMs, t);
    return t;
  }

  clearTimeout(t: ClockTimer | undefined): void {
    this.clear('clearTimeout', t);
  }

  setInterval(fn: () => void, ms: number): ClockTimer {
    this.usable('setInterval');
    checkFn('setInterval', fn);
    checkMs('setInterval', ms, { positive: true });
    const periodMs = Math.ceil(ms);
    if (this.driver === 'stepped') {
      const t = new ApiTimer(this, 'Interval', fn, coerceDelay(periodMs), coerceInterval(periodMs));
      this.queue.schedule(t);
      return t;
    }
    const t = new VirtualTimer(this, 'interval', fn);
    t.id = this.fake.setInterval(fn, periodMs);
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
    const fns = this.driver === 'stepped' ? queuedTimerGlobals(this.queue, f) : fakeTimerGlobals(f);
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
    this.queue.clear();
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
      // A timer marks the deadline, so a sleeper whose deadline falls
      // inside a longer advance resumes at its own time, between the timers
      // around it, not when the whole advance ends.
      const due = (): void => this.onWaiterDue(w);
      if (this.driver === 'stepped') this.queue.schedule(new QueuedTimer('Timeout', due, undefined, coerceDelay(wholeMs), 0));
      else this.fake.setTimeout(due, wholeMs);
      this.waiters.add(w);
      if (w.deadlineMs > this.driveTargetMs) this.driveTargetMs = w.deadlineMs;
      if (this.driving) return;
      this.driving = true;
      if (this.driver === 'tickAsync') void this.driveTickAsync();
      else if (this.queuedImmediates === 0) {
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
  // finish the range), and the full nextTick/microtask drain separates every
  // two of them. The next range starts at a later step, after the settled
  // waiters' continuations have run, as between two tickAsync calls.

  /**
   * Queues native immediates to run the next steps (≥ 1). With `drainTicks`,
   * one immediate runs up to MAX_STEPS_PER_TURN steps. Without it, one per
   * step: the firings already due before the range's end plus the step that
   * ends it, or twice the previous batch when that one was used up (timers
   * that schedule timers), at most MAX_STEPS_PER_TURN. Immediates left over
   * when a drive ends do nothing, or carry on the next drive if one starts
   * before they run.
   */
  private queueSteps(): void {
    let n = 1;
    if (stepsPerImmediate === 1) {
      const endMs = this.tickToMs === -Infinity ? this.driveTargetMs : this.tickToMs;
      n = Math.min(MAX_STEPS_PER_TURN, Math.max(this.dueFirings(endMs) + 1, this.batchSize * 2));
      this.batchSize = n;
    }
    this.queuedImmediates += n;
    for (let i = 0; i < n; i++) natives.setImmediate(this.runStepsFn);
  }

  /** Firings due at or before `endMs` among the timers now pending (a lower bound; capped). */
  private dueFirings(endMs: number): number {
    let n = 0;
    this.queue.forEach((t) => {
      if (t.callAt > endMs || n >= MAX_STEPS_PER_TURN) return;
      n += t.kind === 'Interval' && t.intervalMs > 0 ? Math.floor((endMs - t.callAt) / t.intervalMs) + 1 : 1;
    });
    return n;
  }

  /**
   * A native immediate callback: runs up to `stepsPerImmediate` steps while
   * a drive is on, with Node's drain between two of them. Throws only what
   * the drain throws (an error in a nextTick callback), as Node's own
   * between-immediates drain would; the next immediate is queued regardless.
   */
  private runSteps(): void {
    this.queuedImmediates--;
    try {
      for (let n = 0; n < stepsPerImmediate && this.driving && !this.disposed; n++) {
        if (n > 0) (drainTicks as () => void)();
        if (this.driving && !this.disposed) this.step();
      }
    } finally {
      if (this.queuedImmediates === 0 && this.driving && !this.disposed) this.queueSteps();
    }
  }

  /** One step: fire the earliest timer due in the range, or end the range (or the drive). Never throws. */
  private step(): void {
    if (this.tickToMs === -Infinity) {
      if (this.fake.now >= this.driveTargetMs) {
        this.driving = false;
        return;
      }
      this.tickToMs = this.driveTargetMs;
    }
    const next = this.queue.peek();
    if (next !== undefined && next.callAt <= this.tickToMs) {
      // duringTick stays set from the first timer of a range to its end, as
      // under tickAsync: zero-delay timers made meanwhile land 1 ms later.
      this.queue.duringTick = true;
      // As fake-timers' next(): now moves to the timer's time, an interval is re-armed, then it runs.
      this.fake.now = next.callAt;
      this.queue.take(next);
      try {
        next.call();
      } catch (err) {
        if (!this.rangeFailed) {
          this.rangeFailed = true;
          this.rangeError = err;
        }
      }
    } else {
      this.queue.duringTick = false;
      this.fake.now = this.tickToMs; // nothing is due: only moves now to the range's end
      const failed = this.rangeFailed;
      const error = this.rangeError;
      this.tickToMs = -Infinity;
      this.rangeFailed = false;
      this.rangeError = undefined;
      this.settleDue(failed, error);
    }
  }

  // ---- tickAsync driver (the fake-timers reference) ----

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
    if (t instanceof ApiTimer && t.owner === this) {
      // Like Node (and unlike fake-timers), either clear function cancels either kind.
      this.queue.remove(t);
      return;
    }
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
 * The virtual clock that owns the globals right now (between its
 * `install()` and `uninstall()`), or `undefined` when real time is in force.
 */
export function installedVirtualClock(): VirtualClock | undefined {
  return ownerSlot[OWNER_KEY];
}

/**
 * For the clock's own tests: a virtual clock on a chosen driver, so the
 * stepped driver can be checked against the fake-timers reference. Not
 * exported from index.ts.
 */
export function createVirtualClockWithDriver(driver: VirtualDriver, opts: VirtualClockOptions = {}): VirtualClock {
  const clock = new VirtualClockImpl(opts.startEpochMs ?? DEFAULT_VIRTUAL_START_EPOCH_MS, driver);
  if (opts.install) clock.install();
  return clock;
}
