import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isHilError } from '../errors.ts';
import type { VirtualClock } from './clock.ts';
import { createVirtualClock, FAKED_GLOBALS } from './virtual-clock.ts';
import { createWallClock } from './wall-clock.ts';

const nodeTimers = createRequire(import.meta.url)('node:timers') as typeof import('node:timers');

const made: VirtualClock[] = [];
function vclock(install = false): VirtualClock {
  const c = createVirtualClock({ install });
  made.push(c);
  return c;
}
afterEach(() => {
  for (const c of made.splice(0)) c.dispose();
});

const originals = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  Date: globalThis.Date,
  performance: globalThis.performance,
  hrtime: process.hrtime,
  nextTick: process.nextTick,
  queueMicrotask: globalThis.queueMicrotask,
  timersSetTimeout: nodeTimers.setTimeout,
};
const perfDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'performance');

describe('virtual clock: install', () => {
  it('fakes exactly the listed globals and leaves nextTick/queueMicrotask real', () => {
    expect([...FAKED_GLOBALS].sort()).toEqual(
      ['Date', 'clearImmediate', 'clearInterval', 'clearTimeout', 'hrtime', 'performance', 'setImmediate', 'setInterval', 'setTimeout'].sort(),
    );
    const c = vclock(true);
    expect(c.installed).toBe(true);
    expect(globalThis.setTimeout).not.toBe(originals.setTimeout);
    expect(globalThis.setImmediate).not.toBe(originals.setImmediate);
    expect(globalThis.Date).not.toBe(originals.Date);
    expect(globalThis.performance).not.toBe(originals.performance);
    expect(process.hrtime).not.toBe(originals.hrtime);
    expect(nodeTimers.setTimeout).not.toBe(originals.timersSetTimeout);
    expect(process.nextTick).toBe(originals.nextTick);
    expect(globalThis.queueMicrotask).toBe(originals.queueMicrotask);
  });

  it('runs Date, performance and process.hrtime on virtual time', async () => {
    const c = vclock(true);
    const t0 = Date.now();
    const p0 = performance.now();
    const h0 = process.hrtime();
    const b0 = process.hrtime.bigint();
    expect(t0).toBe(c.now());
    expect(new Date().getTime()).toBe(c.now());
    expect(p0).toBe(0);
    expect(performance.timeOrigin + performance.now()).toBe(Date.now());
    await c.advance(1_500);
    expect(Date.now() - t0).toBe(1_500);
    expect(performance.now() - p0).toBe(1_500);
    expect(process.hrtime(h0)).toEqual([1, 500_000_000]);
    expect(process.hrtime.bigint() - b0).toBe(1_500_000_000n);
    expect(new Date(0).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    const mark = performance.mark('m');
    expect(mark.startTime).toBe(1_500);
  });

  it('keeps one timeline: Clock-API timers from before install fire with global ones, in order', async () => {
    const c = vclock();
    const log: string[] = [];
    c.setTimeout(() => log.push(`api@${c.monotonicMs()}`), 20);
    await c.advance(5);
    c.install();
    setTimeout(() => log.push(`global@${Date.now() - c.startEpochMs}`), 10);
    setImmediate(() => log.push(`immediate@${performance.now()}`));
    nodeTimers.setTimeout(() => log.push(`timers-module@${c.monotonicMs()}`), 12);
    await c.advance(20);
    expect(log).toEqual(['immediate@5', 'global@15', 'timers-module@17', 'api@20']);
  });

  it('restores every global exactly on uninstall; timers set through globals stay on the timeline', async () => {
    const c = vclock(true);
    let fired = 0;
    const id = setTimeout(() => fired++, 10);
    expect(typeof id.unref).toBe('function'); // Node-style timer objects
    c.uninstall();
    expect(c.installed).toBe(false);
    expect(globalThis.setTimeout).toBe(originals.setTimeout);
    expect(globalThis.clearTimeout).toBe(originals.clearTimeout);
    expect(globalThis.setInterval).toBe(originals.setInterval);
    expect(globalThis.clearInterval).toBe(originals.clearInterval);
    expect(globalThis.setImmediate).toBe(originals.setImmediate);
    expect(globalThis.clearImmediate).toBe(originals.clearImmediate);
    expect(globalThis.Date).toBe(originals.Date);
    expect(process.hrtime).toBe(originals.hrtime);
    expect(nodeTimers.setTimeout).toBe(originals.timersSetTimeout);
    expect(Object.getOwnPropertyDescriptor(globalThis, 'performance')).toEqual(perfDescriptor);
    expect(globalThis.performance).toBe(originals.performance);
    expect(Math.abs(Date.now() - new originals.Date().getTime())).toBeLessThan(1_000);
    await c.advance(10);
    expect(fired).toBe(1);
  });

  it('returns Node-style handles from the faked globals (ref/unref/hasRef/refresh, id as primitive)', async () => {
    const c = vclock(true);
    const log: string[] = [];
    const t = setTimeout(() => log.push(`t@${c.monotonicMs()}`), 10);
    expect(t.hasRef()).toBe(true);
    expect(t.unref()).toBe(t);
    expect(t.hasRef()).toBe(false);
    expect(t.ref().hasRef()).toBe(true);
    expect(Number.isInteger(+t)).toBe(true);
    await c.advance(6);
    t.refresh(); // re-armed 10 ms from now (6)
    await c.advance(9);
    expect(log).toEqual([]);
    await c.advance(1);
    expect(log).toEqual(['t@16']);
    t.refresh(); // a fired timeout re-arms too
    await c.advance(10);
    expect(log).toEqual(['t@16', 't@26']);
    const iv = setInterval(() => log.push(`iv@${c.monotonicMs()}`), 5);
    const im = setImmediate(() => log.push(`im@${c.monotonicMs()}`));
    clearImmediate(im);
    await c.advance(10);
    clearInterval(iv);
    const byId = setTimeout(() => log.push('never'), 1);
    clearTimeout(+byId as unknown as NodeJS.Timeout); // Node accepts the primitive id too
    await c.advance(5);
    expect(log).toEqual(['t@16', 't@26', 'iv@31', 'iv@36']);
  });

  it('makes util.promisify(setTimeout) and timers/promises-style waits follow the virtual clock', async () => {
    const c = vclock(true);
    const { promisify } = await import('node:util');
    const log: string[] = [];
    void promisify(setTimeout)(20).then(() => log.push(`promisified@${c.monotonicMs()}`));
    void promisify(setImmediate)().then(() => log.push(`immediate@${c.monotonicMs()}`));
    await c.advance(25);
    expect(log).toEqual(['immediate@0', 'promisified@20']);
  });

  it('cancels every pending timer on dispose, global ones included', () => {
    const c = vclock(true);
    setTimeout(() => undefined, 10);
    setInterval(() => undefined, 10);
    c.setTimeout(() => undefined, 10);
    expect(c.pendingTimerCount()).toBe(3);
    const now = c.now();
    c.dispose();
    expect(c.pendingTimerCount()).toBe(0);
    expect(c.now()).toBe(now);
  });

  it('is idempotent and reinstallable', () => {
    const c = vclock();
    c.install();
    c.install();
    c.uninstall();
    c.uninstall();
    c.install();
    expect(Date.now()).toBe(c.now());
    c.dispose();
    expect(globalThis.Date).toBe(originals.Date);
  });

  it('refuses a second installed virtual clock and names the one to uninstall', () => {
    const first = vclock(true);
    const second = vclock();
    let caught: unknown;
    try {
      second.install();
    } catch (err) {
      caught = err;
    }
    expect(isHilError(caught, 'HIL_CLOCK_MISUSE')).toBe(true);
    expect(String((caught as Error).message)).toMatch(/virtual clock #\d+ .*is already installed; call its uninstall\(\)/);
    expect(String((caught as Error).message)).toContain('virtual-install.test.ts');
    first.uninstall();
    second.install();
    expect(second.installed).toBe(true);
  });

  it('refuses to install over vi.useFakeTimers()', () => {
    vi.useFakeTimers();
    try {
      const c = vclock();
      expect(() => c.install()).toThrow(/vi\.useRealTimers\(\)/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not use vi.useFakeTimers: Vitest still sees real timers', () => {
    vclock(true);
    expect(vi.isFakeTimers()).toBe(false);
    const dir = new URL('.', import.meta.url);
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      // The clock code cannot call vi.useFakeTimers without importing vitest.
      expect(readFileSync(new URL(name, dir), 'utf8'), name).not.toMatch(/['"]vitest['"]/);
    }
  });

  it.fails('lets a Vitest test timeout fire while installed (expected to fail by timeout)', { timeout: 100 }, async () => {
    vclock(true);
    await new Promise<void>(() => undefined);
  });

  it('leaves the wall clock on real time while installed', async () => {
    const c = vclock(true);
    const wall = createWallClock();
    const before = wall.monotonicMs();
    await wall.sleep(5);
    expect(wall.monotonicMs() - before).toBeGreaterThanOrEqual(5);
    expect(c.monotonicMs()).toBe(0);
    expect(Math.abs(wall.now() - new originals.Date().getTime())).toBeLessThan(1_000);
    wall.dispose();
  });
});
