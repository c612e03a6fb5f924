/**
 * The telemetry schedule against a clock whose timers fire exactly when the
 * test says: a late timer runs every overdue tick (with its due time) and
 * then `afterTicks` once; a timer that fires within `earlyMs` of the due
 * time runs the tick instead of re-arming; an earlier one re-arms.
 */
import { describe, expect, test } from 'vitest';
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';
import { TickScheduler } from './tick-scheduler.ts';

/** A clock whose time and timer firing the test drives by hand. */
class HandClock {
  nowMs = 0;
  armed: { fn: () => void; ms: number } | undefined;
  readonly clock = {
    kind: 'wall',
    now: () => this.nowMs,
    monotonicMs: () => this.nowMs,
    setTimeout: (fn: () => void, ms: number): ClockTimer => {
      this.armed = { fn, ms };
      return { id: fn };
    },
    clearTimeout: () => { this.armed = undefined; },
  } as unknown as Clock;

  /** Sets the time to `ms` and fires the armed timer there. */
  fireAt(ms: number): void {
    this.nowMs = ms;
    const armed = this.armed;
    this.armed = undefined;
    armed?.fn();
  }
}

function scheduler(hand: HandClock, earlyMs?: number): { ticks: number[]; bursts: number[] } {
  const seen = { ticks: [] as number[], bursts: [] as number[] };
  new TickScheduler({
    clock: hand.clock,
    periodMs: 20,
    ...(earlyMs === undefined ? {} : { earlyMs }),
    onTick: (dueMs) => seen.ticks.push(dueMs),
    afterTicks: () => seen.bursts.push(seen.ticks.length),
  }).start();
  return seen;
}

describe('TickScheduler', () => {
  test('a late timer runs every overdue tick with its due time, then afterTicks once', () => {
    const hand = new HandClock();
    const seen = scheduler(hand);
    hand.fireAt(65);
    expect(seen.ticks).toEqual([20, 40, 60]);
    expect(seen.bursts).toEqual([3]);
    expect(hand.armed?.ms).toBe(15);
  });

  test('within earlyMs of the due time the tick runs; earlier, the timer is armed again', () => {
    const hand = new HandClock();
    const seen = scheduler(hand, 1);
    hand.fireAt(19.4);
    expect(seen.ticks).toEqual([20]);
    hand.fireAt(38.5);
    expect(seen.ticks).toEqual([20]);
    expect(seen.bursts).toEqual([1]);
    expect(hand.armed?.ms).toBeCloseTo(1.5);
  });

  test('without earlyMs an early timer never runs a tick', () => {
    const hand = new HandClock();
    const seen = scheduler(hand);
    hand.fireAt(19.9);
    expect(seen.ticks).toEqual([]);
    expect(seen.bursts).toEqual([]);
  });
});
