import { afterEach, describe, expect, it } from 'vitest';
import { isHilError } from '../errors.ts';
import type { Clock } from './clock.ts';
import { createClock } from './index.ts';
import { createWallClock } from './wall-clock.ts';

const made: Clock[] = [];
function wall(): Clock {
  const c = createWallClock();
  made.push(c);
  return c;
}
afterEach(() => {
  for (const c of made.splice(0)) c.dispose();
});

describe('wall clock', () => {
  it('tells real time', () => {
    const c = wall();
    expect(c.kind).toBe('wall');
    expect(Math.abs(c.now() - Date.now())).toBeLessThan(1_000);
    const a = c.monotonicMs();
    const b = c.monotonicMs();
    expect(b).toBeGreaterThanOrEqual(a);
  });

  it('sleeps at least the requested time (loose bound)', async () => {
    const c = wall();
    const start = performance.now();
    await c.sleep(30);
    expect(performance.now() - start).toBeGreaterThanOrEqual(30);
  });

  it('fires timeouts and intervals, and clears them', async () => {
    const c = wall();
    let timeouts = 0;
    let intervals = 0;
    c.setTimeout(() => timeouts++, 1);
    const cancelled = c.setTimeout(() => timeouts++, 1);
    c.clearTimeout(cancelled);
    const iv = c.setInterval(() => intervals++, 2);
    await c.waitFor(() => intervals >= 2 && timeouts >= 1, { timeoutMs: 2_000 });
    c.clearInterval(iv);
    const seen = intervals;
    await c.sleep(10);
    expect(timeouts).toBe(1);
    expect(intervals).toBe(seen);
  });

  it('waitFor returns true when the predicate holds and false after the timeout', async () => {
    const c = wall();
    let ready = false;
    c.setTimeout(() => (ready = true), 5);
    await expect(c.waitFor(() => ready, { timeoutMs: 2_000 })).resolves.toBe(true);
    const start = performance.now();
    await expect(c.waitFor(() => false, { timeoutMs: 20, stepMs: 5 })).resolves.toBe(false);
    expect(performance.now() - start).toBeGreaterThanOrEqual(20);
  });

  it('rejects misuse with HIL_CLOCK_MISUSE', async () => {
    const c = wall();
    expect(() => c.setTimeout(() => undefined, -1)).toThrow(/HIL_CLOCK_MISUSE/);
    expect(() => c.setInterval(() => undefined, 0)).toThrow(/HIL_CLOCK_MISUSE/);
    await expect(c.sleep(Number.NaN)).rejects.toMatchObject({ code: 'HIL_CLOCK_MISUSE' });
    const other = createClock('virtual');
    const t = other.setTimeout(() => undefined, 1);
    expect(() => c.clearTimeout(t)).toThrow(/not made by this wall clock/);
    other.dispose();
  });

  it('cancels timers and pending sleeps on dispose', async () => {
    const c = wall();
    let fired = false;
    c.setTimeout(() => (fired = true), 5);
    const pending = c.sleep(1_000);
    c.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'HIL_CLOCK_MISUSE' });
    await new Promise((r) => setTimeout(r, 15));
    expect(fired).toBe(false);
    expect(() => c.now()).not.toThrow();
    expect(() => c.setTimeout(() => undefined, 1)).toThrow(/disposed/);
  });
});

describe('createClock', () => {
  it('makes either kind and rejects unknown kinds or wall options', () => {
    const w = createClock('wall');
    const v = createClock('virtual', { startEpochMs: 5 });
    made.push(w, v);
    expect(w.kind).toBe('wall');
    expect(v.kind).toBe('virtual');
    expect(v.now()).toBe(5);
    let caught: unknown;
    try {
      createClock('lunar' as 'wall');
    } catch (err) {
      caught = err;
    }
    expect(isHilError(caught, 'HIL_CLOCK_MISUSE')).toBe(true);
    expect(() => createClock('wall', { install: true })).toThrow(/virtual clock only/);
  });
});
