import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { natives } from '../clock/natives.ts';
import { acquireMeasurementLock } from './frame-probe-lock.ts';

const lockPath = (): string => join(mkdtempSync(join(tmpdir(), 'mbot-hil-lock-')), 'measure.lock');

/**
 * A heartbeat every 100 ms keeps a 300 ms stale time away as long as no beat is 200 ms late;
 * 150 ms leaves room for the beat's own timer lateness besides the stall seen.
 */
const HELD_LONGER_THAN_BEAT_MS = 150;

/** Ticks every 10 ms of real time until stopped; `stop()` gives the longest gap between ticks, ms (how long this process was held). */
function watchLongestStall(): { stop(): number } {
  let last = natives.performanceNow();
  let longest = 0;
  const t = natives.setInterval(() => {
    const now = natives.performanceNow();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  return {
    stop() {
      natives.clearInterval(t);
      return Math.max(longest, natives.performanceNow() - last);
    },
  };
}

describe('the measurement lock', () => {
  test('holders take turns: the second waits until the first releases', async () => {
    const path = lockPath();
    const first = await acquireMeasurementLock({ path, label: 'first' });
    expect(first.held).toBe(true);
    let secondHeld = false;
    const second = acquireMeasurementLock({ path, label: 'second' }).then((l) => { secondHeld = true; return l; });
    await new Promise((r) => setTimeout(r, 100));
    expect(secondHeld).toBe(false);
    first.release();
    const l2 = await second;
    expect(l2.held).toBe(true);
    expect(l2.waitedFor).toBe('first');
    expect(l2.waitedMs).toBeGreaterThanOrEqual(90);
    l2.release();
    expect(existsSync(path)).toBe(false);
  });

  test('a lock left by a dead process is taken over at once', async () => {
    const path = lockPath();
    // PID 2^22 + 1 is above Linux's pid_max default, so no such process exists.
    writeFileSync(path, `${2 ** 22 + 1}\n${Date.now()}\ncrashed probe\n`);
    // maxWaitMs 0: a lock not taken over on the first look is given up on at once (held: false),
    // so held proves "at once" whatever the machine's load (a wall-time bound did not).
    const l = await acquireMeasurementLock({ path, maxWaitMs: 0 });
    expect(l.held).toBe(true);
    expect(l.waitedFor).toBeNull();
    l.release();
  });

  test('after maxWaitMs the caller goes ahead unlocked, and says so', async () => {
    const path = lockPath();
    const holder = await acquireMeasurementLock({ path, label: 'long measurement' });
    const l = await acquireMeasurementLock({ path, maxWaitMs: 100 });
    expect(l.held).toBe(false);
    expect(l.waitedFor).toBe('long measurement');
    l.release(); // a no-op: it must not remove the holder's file
    expect(existsSync(path)).toBe(true);
    holder.release();
  });

  test('a live holder keeps its lock past staleMs (its heartbeat touches the file); an untouched one is taken over', async () => {
    const path = lockPath();
    // Without the heartbeat (every 100 ms) the waiter would call the 300 ms old lock abandoned
    // and take it. But a holder whose process is held (this one: a busy machine) for 200 ms or
    // more misses its beat and rightly loses its lock, so a try in which this process stalled
    // that long proves nothing and is made again (a 4th such stall fails, saying so).
    const stalls: number[] = [];
    for (;;) {
      const holder = await acquireMeasurementLock({ path, label: 'soak', staleMs: 300 });
      const watch = watchLongestStall();
      const waiter = await acquireMeasurementLock({ path, staleMs: 300, maxWaitMs: 900 });
      const stallMs = watch.stop();
      holder.release();
      waiter.release();
      if (stallMs >= HELD_LONGER_THAN_BEAT_MS) {
        stalls.push(Math.round(stallMs));
        expect(stalls.length, `this process stalled ${stalls.join(', ')} ms in the tries: the heartbeat could not be tested`).toBeLessThan(4);
        continue;
      }
      expect(waiter.held, `largest stall ${Math.round(stallMs)} ms, earlier tries stalled ${stalls.join(', ') || 'none'}`).toBe(false);
      expect(waiter.waitedFor).toBe('soak');
      break;
    }

    // A lock file of a live process (this one) that nobody touches goes stale.
    writeFileSync(path, `${process.pid}\n${Date.now()}\nforgotten\n`);
    const taker = await acquireMeasurementLock({ path, staleMs: 200, maxWaitMs: 2000 });
    expect(taker.held).toBe(true);
    expect(taker.waitedFor).toBe('forgotten');
    taker.release();
  });
});
