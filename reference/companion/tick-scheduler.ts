/**
 * A fixed-rate schedule on a Clock that does not hide stalls: tick k is DUE
 * at start + k × period, every due tick is run (late ones in a burst when the
 * event loop was blocked), and each tick is handed its due time, which the
 * companion stamps on the telemetry it produces. A blocked companion so shows
 * its stall as latency at the probe (no coordinated omission on the
 * producing side). Past {@link TickSchedulerOptions.maxCatchUpTicks} overdue
 * ticks the rest are skipped and counted: a companion that fell seconds
 * behind should not replay seconds of stale readings.
 *
 * A tick may also run up to {@link TickSchedulerOptions.earlyMs} BEFORE it is
 * due: Node timers have whole-millisecond granularity and most fire a
 * fraction of a millisecond early against `performance.now()`; re-arming
 * then costs up to another millisecond. A producer that stamps
 * `min(due, now)` stays honest either way: an early reading carries the time
 * it was really taken, a late one its due time.
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';

/** Options of {@link TickScheduler}. */
export interface TickSchedulerOptions {
  clock: Clock;
  periodMs: number;
  /** Runs one tick; `dueMs` is the clock's monotonic ms the tick was due at. */
  onTick(dueMs: number, index: number): void;
  /** Most overdue ticks run in one burst. Default 50. */
  maxCatchUpTicks?: number;
  /** A tick whose timer fires at most this many ms before it is due runs at once instead of re-arming. Default 0. */
  earlyMs?: number;
  /**
   * Runs once after the ticks of one timer firing (one tick on time, several
   * in a catch-up burst), so what they produced can leave together.
   */
  afterTicks?(): void;
}

/** Runs {@link TickSchedulerOptions.onTick} at a fixed rate until stopped. */
export class TickScheduler {
  readonly periodMs: number;
  #clock: Clock;
  #onTick: (dueMs: number, index: number) => void;
  #afterTicks: (() => void) | undefined;
  #maxCatchUp: number;
  #earlyMs: number;
  #timer: ClockTimer | undefined;
  #nextDueMs = 0;
  #index = 0;
  #skipped = 0;
  #late = 0;
  #running = false;

  constructor(options: TickSchedulerOptions) {
    this.periodMs = options.periodMs;
    this.#clock = options.clock;
    this.#onTick = options.onTick;
    this.#afterTicks = options.afterTicks;
    this.#maxCatchUp = options.maxCatchUpTicks ?? 50;
    this.#earlyMs = options.earlyMs ?? 0;
  }

  /** Ticks run so far. */
  get ticks(): number { return this.#index; }
  /** Ticks skipped because the schedule fell more than `maxCatchUpTicks` behind. */
  get skipped(): number { return this.#skipped; }
  /** Ticks that ran a full period or more after they were due. */
  get late(): number { return this.#late; }

  /** Starts ticking; the first tick is due one period from now. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#nextDueMs = this.#clock.monotonicMs() + this.periodMs;
    this.#arm();
  }

  /** Stops; a tick in progress finishes. Idempotent. */
  stop(): void {
    this.#running = false;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const wait = Math.max(0, this.#nextDueMs - this.#clock.monotonicMs());
    this.#timer = this.#clock.setTimeout(() => this.#fire(), wait);
  }

  #fire(): void {
    if (!this.#running) return;
    const now = this.#clock.monotonicMs();
    let ran = 0;
    while (this.#running && this.#nextDueMs <= now + this.#earlyMs) {
      if (ran >= this.#maxCatchUp) {
        const behind = Math.floor((now - this.#nextDueMs) / this.periodMs) + 1;
        this.#skipped += behind;
        this.#index += behind;
        this.#nextDueMs += behind * this.periodMs;
        break;
      }
      const due = this.#nextDueMs;
      if (now - due >= this.periodMs) this.#late++;
      this.#onTick(due, this.#index++);
      this.#nextDueMs += this.periodMs;
      ran++;
    }
    if (ran > 0) this.#afterTicks?.();
    if (this.#running) this.#arm();
  }
}
