import { afterEach, describe, expect, test } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { LINE_SPEED_REFRESH_MS, LINE_SPEED_STALE_MS, LineSpeedWatch, type LineSpeedReading } from './line-speed.ts';

let clock: VirtualClock;

afterEach(() => clock?.dispose());

/** A watch whose readings the test answers by hand. */
function watchWithManualReads(): {
  watch: LineSpeedWatch;
  applied: Array<number | undefined>;
  forwarded: number[];
  reads: Array<(r: LineSpeedReading) => void>;
  pass(...bytes: number[]): void;
} {
  clock = createClock('virtual');
  const applied: Array<number | undefined> = [];
  const forwarded: number[] = [];
  const reads: Array<(r: LineSpeedReading) => void> = [];
  const watch = new LineSpeedWatch({
    clock,
    device: () => '/dev/pts/99',
    apply: (rate) => applied.push(rate),
    read: () => new Promise((resolve) => reads.push(resolve)),
  });
  return { watch, applied, forwarded, reads, pass: (...bytes) => watch.pass(Buffer.from(bytes), (c) => forwarded.push(...c)) };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('reading the PTY host\'s line speed', () => {
  test('the first bytes wait for a reading, then pass in order with the rate applied first', async () => {
    const w = watchWithManualReads();
    w.pass(1, 2);
    w.pass(3);
    expect(w.forwarded).toEqual([]);
    expect(w.reads).toHaveLength(1);
    w.reads[0]?.({ baudRate: 57600, sttyMissing: false });
    await settle();
    expect(w.applied).toEqual([57600]);
    expect(w.forwarded).toEqual([1, 2, 3]);
  });

  test('a fresh reading lets bytes through at once; past the refresh age it is renewed in the background; past the stale age bytes wait again', async () => {
    const w = watchWithManualReads();
    w.pass(1);
    w.reads[0]?.({ baudRate: 57600, sttyMissing: false });
    await settle();
    await clock.advance(LINE_SPEED_REFRESH_MS - 100);
    w.pass(2);
    expect(w.forwarded).toEqual([1, 2]);
    expect(w.reads).toHaveLength(1);
    await clock.advance(200);
    w.pass(3);
    // Renewed without holding: byte 3 passed at once under the old reading.
    expect(w.forwarded).toEqual([1, 2, 3]);
    expect(w.reads).toHaveLength(2);
    w.reads[1]?.({ baudRate: 115200, sttyMissing: false });
    await settle();
    expect(w.applied).toEqual([57600, 115200]);
    await clock.advance(LINE_SPEED_STALE_MS);
    w.pass(4);
    expect(w.forwarded).toEqual([1, 2, 3]);
    w.reads[2]?.({ baudRate: 57600, sttyMissing: false });
    await settle();
    expect(w.forwarded).toEqual([1, 2, 3, 4]);
  });

  test('without stty the rate is unknown (taken to match) and nothing waits again', async () => {
    const w = watchWithManualReads();
    w.pass(1);
    w.reads[0]?.({ baudRate: null, sttyMissing: true });
    await settle();
    expect(w.applied).toEqual([undefined]);
    await clock.advance(LINE_SPEED_STALE_MS * 2);
    w.pass(2);
    expect(w.forwarded).toEqual([1, 2]);
    expect(w.reads).toHaveLength(1);
  });

  test('a reset (the host end went away) drops held bytes and ignores the reading in flight', async () => {
    const w = watchWithManualReads();
    w.pass(1);
    w.watch.reset();
    w.pass(2);
    w.reads[0]?.({ baudRate: 115200, sttyMissing: false });
    await settle();
    // The stale reading is not applied; a new one is asked for byte 2.
    expect(w.applied).toEqual([]);
    expect(w.reads).toHaveLength(2);
    w.reads[1]?.({ baudRate: 57600, sttyMissing: false });
    await settle();
    expect(w.applied).toEqual([57600]);
    expect(w.forwarded).toEqual([2]);
  });
});
