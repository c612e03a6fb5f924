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
 */
import { createRequire } from 'node:module';
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
// use the real setImmediate.
const timers = FakeTimers.withGlobal({
  setTimeout: natives.setTimeout,
  clearTimeout: natives.clearTimeout,
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

// Which virtual clock owns the globals; on globalThis so separate copies of
// this module (test isolation) still see each other.
const OWNER_KEY = Symbol.for('mbot-hil.clock.virtual-owner');
const ownerSlot = globalThis as unknown as Record<symbol, VirtualClockImpl | undefined>;

let clockCount = 0;

/** A pending `advance`/`sleep`. */
interface Waiter {
  readonly deadlineMs: number;
  timerId: unknown;
  due: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

type Kind = 'timeout' | 'interval';

class VirtualClockImpl implements VirtualClock {
  readonly kind = 'virtual' as const;
  readonly startEpochMs: number;
  /** e.g. "virtual clock #2 (created at specs/x.spec.ts:12:7)", used in error messages. */
  readonly label: string;
  private readonly fake: FakeClock;
  private readonly live = new Map<ClockTimer, Kind>();
  private readonly made = new WeakSet<ClockTimer>();
  private readonly waiters = new Set<Waiter>();
  private carryMs = 0;
  private driving = false;
  private driveTargetMs = 0;
  // End of the tickAsync in progress (epoch ms), or -Infinity between ticks.
  private tickToMs = -Infinity;
  private restore: RestoreGlobals | undefined;
  private disposed = false;

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
    return this.fake.countTimers();
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    this.usable('setTimeout');
    checkFn('setTimeout', fn);
    checkMs('setTimeout', ms);
    const handle: { id: unknown } = { id: undefined };
    // Round up: virtual time moves in whole ms and a timer must never fire early.
    handle.id = this.fake.setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, Math.ceil(ms));
    this.track(handle, 'timeout');
    return handle;
  }

  clearTimeout(t: ClockTimer | undefined): void {
    this.clear('clearTimeout', t);
  }

  setInterval(fn: () => void, ms: number): ClockTimer {
    this.usable('setInterval');
    checkFn('setInterval', fn);
    checkMs('setInterval', ms, { positive: true });
    const handle: ClockTimer = { id: this.fake.setInterval(fn, Math.ceil(ms)) };
    this.track(handle, 'interval');
    return handle;
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
    const fns: Record<string, unknown> = {
      setTimeout: f.setTimeout,
      clearTimeout: f.clearTimeout,
      setInterval: f.setInterval,
      clearInterval: f.clearInterval,
      setImmediate: f.setImmediate,
      clearImmediate: f.clearImmediate,
    };
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
    for (const [handle, kind] of this.live) {
      if (kind === 'timeout') this.fake.clearTimeout(handle.id as never);
      else this.fake.clearInterval(handle.id as never);
    }
    this.live.clear();
    const err = disposedError('virtual', 'sleep');
    for (const w of this.waiters) {
      this.fake.clearTimeout(w.timerId as never);
      w.reject(err);
    }
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
      const w: Waiter = { deadlineMs: this.fake.now + wholeMs, timerId: undefined, due: false, resolve, reject };
      // A fake timer marks the deadline, so a sleeper whose deadline falls
      // inside a longer advance resumes at its own time, between the timers
      // around it, not when the whole advance ends.
      w.timerId = this.fake.setTimeout(() => this.onWaiterDue(w), wholeMs);
      this.waiters.add(w);
      if (w.deadlineMs > this.driveTargetMs) this.driveTargetMs = w.deadlineMs;
      if (!this.driving) void this.drive();
    });
  }

  private onWaiterDue(w: Waiter): void {
    w.due = true;
    if (this.fake.now < this.tickToMs) {
      this.waiters.delete(w);
      w.resolve();
    }
    // Else it is due at the very end of the tick: drive() settles it after
    // tickAsync returns, so an error thrown by any timer of that tick reaches it.
  }

  private async drive(): Promise<void> {
    this.driving = true;
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
        // Set iteration order is creation order: deterministic.
        for (const w of [...this.waiters]) {
          if (!w.due) continue;
          this.waiters.delete(w);
          if (failed) w.reject(error);
          else w.resolve();
        }
      }
    } finally {
      this.driving = false;
    }
  }

  private track(handle: ClockTimer, kind: Kind): void {
    this.live.set(handle, kind);
    this.made.add(handle);
  }

  private clear(call: string, t: ClockTimer | undefined): void {
    this.usable(call);
    if (t === undefined) return;
    if (!this.made.has(t)) throw foreignTimerError('virtual', call);
    const kind = this.live.get(t);
    if (kind === undefined) return;
    // fake-timers refuses clearTimeout on an interval; Node does not, so route by kind.
    if (kind === 'timeout') this.fake.clearTimeout(t.id as never);
    else this.fake.clearInterval(t.id as never);
    this.live.delete(t);
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
  const clock = new VirtualClockImpl(start);
  if (opts.install) clock.install();
  return clock;
}
