/**
 * The virtual clock: one deterministic timeline for the Clock API and, once
 * `install()`ed, for every library through the faked globals (`FAKED_GLOBALS`;
 * nextTick and microtasks stay real). Time is a @sinonjs/fake-timers clock
 * (Date, hrtime); timers wait in the clock's own `TimerQueue`, fired by the
 * "stepped" driver: one timer per step, up to `MAX_STEPS_PER_TURN` steps an
 * event-loop turn, with Node's full nextTick/microtask drain between any two.
 * Guarantees, and why not fake-timers' `tickAsync`: docs/clock.md. The
 * tickAsync reference the tests compare it with is test code
 * (`testing/tick-async-clock.ts`).
 */
import type { Clock as FakeClock } from '@sinonjs/fake-timers';
import type { ClockTimer, VirtualClock, VirtualClockOptions, WaitForOptions } from './clock.ts';
import { checkFn, checkMs, disposedError, foreignTimerError } from './checks.ts';
import { swapGlobals, type RestoreGlobals } from './global-swap.ts';
import { natives, realYield } from './natives.ts';
import { creationSite, DEFAULT_VIRTUAL_START_EPOCH_MS, drainTicks, globalPatches, MAX_STEPS_PER_TURN, stepsPerImmediate, timers, VIRTUAL_WAIT_STEP_MS } from './virtual-setup.ts';
import { queuedTimerGlobals } from './node-style-timers.ts';
import { coerceDelay, coerceInterval, QueuedTimer, TimerQueue } from './timer-queue.ts';
import { pollUntil } from './wait-for.ts';
import { HilError } from '../errors.ts';

export { DEFAULT_VIRTUAL_START_EPOCH_MS, FAKED_GLOBALS, MAX_STEPS_PER_TURN, VIRTUAL_WAIT_STEP_MS } from './virtual-setup.ts';

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

/** The stepped virtual clock; `testing/tick-async-clock.ts` derives the reference from it. */
export class VirtualClockImpl implements VirtualClock {
  readonly kind = 'virtual' as const;
  readonly startEpochMs: number;
  /** e.g. "virtual clock #2 (created at specs/x.spec.ts:12:7)", used in error messages. */
  readonly label: string;
  protected readonly fake: FakeClock;
  protected readonly waiters = new Set<Waiter>();
  private carryMs = 0;
  protected driving = false;
  protected driveTargetMs = 0;
  // End of the range (a "tick") in progress (epoch ms), or -Infinity between ranges.
  protected tickToMs = -Infinity;
  private restore: RestoreGlobals | undefined;
  protected disposed = false;
  // Stepped driver: the timers, native immediates queued and not yet run, and
  // the first error thrown by a timer of the current range.
  private readonly queue = new TimerQueue(() => this.fake.now);
  private queuedImmediates = 0;
  private batchSize = 0;
  private rangeFailed = false;
  private rangeError: unknown = undefined;
  private readonly runStepsFn = (): void => this.runSteps();

  constructor(startEpochMs: number) {
    this.startEpochMs = startEpochMs;
    this.fake = timers.createClock(startEpochMs, 100_000);
    this.driveTargetMs = startEpochMs;
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
    return this.queue.size;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    this.usable('setTimeout');
    checkFn('setTimeout', fn);
    checkMs('setTimeout', ms);
    // Round up: virtual time moves in whole ms and a timer must never fire early.
    return this.newTimer('timeout', fn, Math.ceil(ms));
  }

  clearTimeout(t: ClockTimer | undefined): void {
    this.clear('clearTimeout', t);
  }

  setInterval(fn: () => void, ms: number): ClockTimer {
    this.usable('setInterval');
    checkFn('setInterval', fn);
    checkMs('setInterval', ms, { positive: true });
    return this.newTimer('interval', fn, Math.ceil(ms));
  }

  /** A Clock-API timer of `delayMs` (whole ms) in this clock's queue. */
  protected newTimer(kind: Kind, fn: () => void, delayMs: number): ClockTimer {
    const t = kind === 'timeout'
      ? new ApiTimer(this, 'Timeout', fn, coerceDelay(delayMs), 0)
      : new ApiTimer(this, 'Interval', fn, coerceDelay(delayMs), coerceInterval(delayMs));
    this.queue.schedule(t);
    return t;
  }

  /** The Node-style timer functions `install()` puts on the globals. */
  protected timerGlobals(): ReturnType<typeof queuedTimerGlobals> {
    return queuedTimerGlobals(this.queue, this.fake);
  }

  /** Schedules the timer that marks a waiter's deadline. */
  protected scheduleDeadline(due: () => void, wholeMs: number): void {
    this.queue.schedule(new QueuedTimer('Timeout', due, undefined, coerceDelay(wholeMs), 0));
  }

  /** Starts moving time towards `driveTargetMs` (called with `driving` just set). */
  protected startDrive(): void {
    if (this.queuedImmediates === 0) {
      this.batchSize = 0;
      this.queueSteps();
    }
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
    const patches = globalPatches(this.fake, this.timerGlobals(), this.startEpochMs, () => this.monotonicMs());
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
      this.scheduleDeadline(due, wholeMs);
      this.waiters.add(w);
      if (w.deadlineMs > this.driveTargetMs) this.driveTargetMs = w.deadlineMs;
      if (this.driving) return;
      this.driving = true;
      this.startDrive();
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
  protected settleDue(failed: boolean, error: unknown): void {
    // Set iteration order is creation order: deterministic.
    for (const w of [...this.waiters]) {
      if (!w.due) continue;
      this.waiters.delete(w);
      if (failed) w.reject(error);
      else w.resolve();
    }
  }

  // ---- the stepped driver: one unit of work a step, Node's drain between steps (docs/clock.md) ----

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

  private clear(call: string, t: ClockTimer | undefined): void {
    this.usable(call);
    if (t === undefined) return;
    if (t instanceof ApiTimer && t.owner === this) {
      // Like Node (and unlike fake-timers), either clear function cancels either kind.
      this.queue.remove(t);
      return;
    }
    if (!this.clearOwn(t)) throw foreignTimerError('virtual', call);
  }

  /** Cancels `t` when it is a timer of this clock made another way (the reference driver's); false when it is not this clock's. */
  protected clearOwn(_t: ClockTimer): boolean {
    return false;
  }

  protected usable(call: string): void {
    if (this.disposed) throw disposedError('virtual', call);
  }
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
  const clock = new VirtualClockImpl(start);
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
