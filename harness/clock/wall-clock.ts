/**
 * The wall clock: real time, for hardware runs and real-time simulator runs.
 * It always uses the process's real timers (see natives.ts), so it keeps
 * telling real time even while a virtual clock owns the globals.
 */
import type { Clock, ClockTimer, WaitForOptions } from './clock.ts';
import { checkFn, checkMs, disposedError, foreignTimerError } from './checks.ts';
import { natives } from './natives.ts';
import { pollUntil } from './wait-for.ts';

/** Default poll period of `waitFor` on the wall clock, ms. */
export const WALL_WAIT_STEP_MS = 5;

type Kind = 'timeout' | 'interval';

interface PendingSleep {
  timer: ReturnType<typeof setTimeout> | undefined;
  reject: (err: unknown) => void;
}

class WallClock implements Clock {
  readonly kind = 'wall' as const;
  // Live timers, so dispose() can cancel them and clear* can tell ours from foreign ones.
  private readonly live = new Map<ClockTimer, Kind>();
  private readonly made = new WeakSet<ClockTimer>();
  private readonly sleeps = new Set<PendingSleep>();
  private disposed = false;

  now(): number {
    return natives.Date.now();
  }

  monotonicMs(): number {
    return natives.performanceNow();
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    this.usable('setTimeout');
    checkFn('setTimeout', fn);
    checkMs('setTimeout', ms);
    const handle: { id: unknown } = { id: undefined };
    handle.id = natives.setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, ms);
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
    const handle: ClockTimer = { id: natives.setInterval(fn, ms) };
    this.track(handle, 'interval');
    return handle;
  }

  clearInterval(t: ClockTimer | undefined): void {
    this.clear('clearInterval', t);
  }

  async sleep(ms: number): Promise<void> {
    this.usable('sleep');
    checkMs('sleep', ms);
    // Node timers can fire up to ~1 ms early against performance.now (libuv
    // rounds to whole ms), so re-arm until the full duration has passed.
    const endMs = natives.performanceNow() + ms;
    for (;;) {
      const leftMs = endMs - natives.performanceNow();
      if (leftMs <= 0) return;
      await new natives.Promise<void>((resolve, reject) => {
        const pending: PendingSleep = { timer: undefined, reject };
        pending.timer = natives.setTimeout(() => {
          this.sleeps.delete(pending);
          resolve();
        }, Math.ceil(leftMs));
        this.sleeps.add(pending);
      });
    }
  }

  waitFor(pred: () => boolean, opts: WaitForOptions): Promise<boolean> {
    this.usable('waitFor');
    return pollUntil(this, pred, opts, WALL_WAIT_STEP_MS);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [handle, kind] of this.live) {
      if (kind === 'timeout') natives.clearTimeout(handle.id as ReturnType<typeof setTimeout>);
      else natives.clearInterval(handle.id as ReturnType<typeof setInterval>);
    }
    this.live.clear();
    for (const pending of this.sleeps) {
      natives.clearTimeout(pending.timer);
      pending.reject(disposedError('wall', 'sleep'));
    }
    this.sleeps.clear();
  }

  private track(handle: ClockTimer, kind: Kind): void {
    this.live.set(handle, kind);
    this.made.add(handle);
  }

  private clear(call: string, t: ClockTimer | undefined): void {
    this.usable(call);
    if (t === undefined) return;
    if (!this.made.has(t)) throw foreignTimerError('wall', call);
    const kind = this.live.get(t);
    if (kind === undefined) return;
    // Either clear* works on either kind, as in Node.
    if (kind === 'timeout') natives.clearTimeout(t.id as ReturnType<typeof setTimeout>);
    else natives.clearInterval(t.id as ReturnType<typeof setInterval>);
    this.live.delete(t);
  }

  private usable(call: string): void {
    if (this.disposed) throw disposedError('wall', call);
  }
}

/** A clock on real time: `now()` is Date.now, `monotonicMs()` is performance.now, timers are Node's. */
export function createWallClock(): Clock {
  return new WallClock();
}
