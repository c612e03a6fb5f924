// The sampling cadence against what the real StandardFirmata 2.4 binary does
// in avr8js (simulators/avr/conformance): times below are ms after the reset,
// with millis() starting at the reset, on the firmware's default 19 ms grid.
import { afterEach, describe, expect, it } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { SamplingSchedule } from './sampling-schedule.ts';

let clock: VirtualClock;
afterEach(() => clock?.dispose());

function schedule(): { s: SamplingSchedule; samples: number[] } {
  clock = createClock('virtual');
  const samples: number[] = [];
  const s = new SamplingSchedule(clock, () => samples.push(clock.monotonicMs()), 19);
  s.restart(0);
  return { s, samples };
}

describe('SamplingSchedule follows StandardFirmata\'s previousMillis grid', () => {
  it('samples 1 ms after each grid point counted from the reset, not from the REPORT_ANALOG', async () => {
    const { s, samples } = schedule();
    await clock.advance(1990);
    s.want(true);
    await clock.advance(60);
    // 19 ms grid from 0: 1995, 2014, 2033 (+1 each); the firmware's loop samples when millis() - previousMillis > 19.
    expect(samples).toEqual([1996, 2015, 2034]);
    s.stop();
  });

  it('a new interval keeps the last grid point: 100 ms set at 1990 ms gives samples at 2077, 2177, ... (the firmware: 2078.5, 2177.8, 2278.2, 2378.5 incl. 3 bytes on the wire)', async () => {
    const { s, samples } = schedule();
    await clock.advance(1990);
    s.setIntervalMs(100);
    s.want(true);
    await clock.advance(400);
    // The last 19 ms point before 1990 is 1976; the next sample is due when millis() > 1976 + 100.
    expect(samples).toEqual([2077, 2177, 2277, 2377]);
    s.stop();
  });

  it('a shorter interval that is already overdue samples in a burst until the grid catches up', async () => {
    const { s, samples } = schedule();
    s.setIntervalMs(100);
    await clock.advance(2150);
    s.want(true);
    await clock.advance(100); // samples at 2201 (grid 2200)
    const burst = samples.length;
    s.setIntervalMs(10); // at 2250: previousMillis 2200, overdue by 40 ms
    expect(samples.slice(burst)).toEqual([2250, 2250, 2250, 2250]);
    await clock.advance(25);
    expect(samples.slice(burst + 4)).toEqual([2251, 2261, 2271]);
    s.stop();
  });

  it('while nothing is reported the grid still moves (no samples), and pausing changes no time on the wire', async () => {
    const { s, samples } = schedule();
    s.want(true);
    await clock.advance(50);
    s.want(false);
    await clock.advance(1000);
    s.want(true);
    await clock.advance(40);
    expect(samples).toEqual([20, 39, 1065, 1084]);
    s.stop();
  });
});
