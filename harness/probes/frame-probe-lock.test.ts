import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { acquireMeasurementLock } from './frame-probe-lock.ts';

const lockPath = (): string => join(mkdtempSync(join(tmpdir(), 'mbot-hil-lock-')), 'measure.lock');

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
    const holder = await acquireMeasurementLock({ path, label: 'soak', staleMs: 300 });
    // Without the heartbeat the waiter would call the 300 ms old lock abandoned and take it.
    const waiter = await acquireMeasurementLock({ path, staleMs: 300, maxWaitMs: 900 });
    expect(waiter.held).toBe(false);
    expect(waiter.waitedFor).toBe('soak');
    holder.release();

    // A lock file of a live process (this one) that nobody touches goes stale.
    writeFileSync(path, `${process.pid}\n${Date.now()}\nforgotten\n`);
    const taker = await acquireMeasurementLock({ path, staleMs: 200, maxWaitMs: 2000 });
    expect(taker.held).toBe(true);
    expect(taker.waitedFor).toBe('forgotten');
    taker.release();
  });
});
