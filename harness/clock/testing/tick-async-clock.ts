/**
 * Test code: the reference the stepped virtual clock is checked against.
 * The same clock with every timer on fake-timers, moved by its `tickAsync`
 * (one real event-loop turn per timer). The clock's own tests run the same
 * workloads on both and compare (virtual-clock.test.ts, virtual-drain.test.ts).
 */
import type { ClockTimer, VirtualClock, VirtualClockOptions } from '../clock.ts';
import { fakeTimerGlobals, type queuedTimerGlobals } from '../node-style-timers.ts';
import { DEFAULT_VIRTUAL_START_EPOCH_MS, VirtualClockImpl } from '../virtual-clock.ts';

/** How a virtual clock moves time: the production one (`stepped`) or the reference. */
export type VirtualDriver = 'stepped' | 'tickAsync';

type TimerFn = (...args: unknown[]) => void;

/** A Clock-API timer of the reference: a fake-timers timer. */
class ReferenceTimer implements ClockTimer {
  id: unknown = undefined;
  live = true;
  constructor(
    readonly owner: TickAsyncClock,
    readonly kind: 'timeout' | 'interval',
    readonly fn: () => void,
  ) {}
}

/** One fake-timers callback for every reference timeout (no closure per timer). */
function fireTimeout(t: ReferenceTimer): void {
  t.live = false;
  t.fn();
}

class TickAsyncClock extends VirtualClockImpl {
  override pendingTimerCount(): number {
    return this.fake.countTimers();
  }

  protected override newTimer(kind: 'timeout' | 'interval', fn: () => void, delayMs: number): ClockTimer {
    const t = new ReferenceTimer(this, kind, fn);
    t.id = kind === 'timeout' ? this.fake.setTimeout(fireTimeout as TimerFn, delayMs, t) : this.fake.setInterval(fn, delayMs);
    return t;
  }

  protected override timerGlobals(): ReturnType<typeof queuedTimerGlobals> {
    return fakeTimerGlobals(this.fake);
  }

  protected override scheduleDeadline(due: () => void, wholeMs: number): void {
    this.fake.setTimeout(due, wholeMs);
  }

  protected override startDrive(): void {
    void this.driveTickAsync();
  }

  protected override clearOwn(t: ClockTimer): boolean {
    if (!(t instanceof ReferenceTimer) || t.owner !== this) return false;
    if (!t.live) return true;
    t.live = false;
    // fake-timers refuses clearTimeout on an interval; Node does not, so route by kind.
    if (t.kind === 'timeout') this.fake.clearTimeout(t.id as never);
    else this.fake.clearInterval(t.id as never);
    return true;
  }

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
}

/** A virtual clock on `driver`: `stepped` is what `createVirtualClock` makes, `tickAsync` the reference. */
export function createVirtualClockWithDriver(driver: VirtualDriver, opts: VirtualClockOptions = {}): VirtualClock {
  const start = opts.startEpochMs ?? DEFAULT_VIRTUAL_START_EPOCH_MS;
  const clock = driver === 'stepped' ? new VirtualClockImpl(start) : new TickAsyncClock(start);
  if (opts.install) clock.install();
  return clock;
}
