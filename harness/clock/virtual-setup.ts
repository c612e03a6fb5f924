/**
 * The virtual clock's fixed parts: its constants, the fake-timers factory
 * bound to the real globals, Node's tick drain, and the global patches
 * `install()` applies. See docs/clock.md.
 */
import { createRequire } from 'node:module';
import FakeTimers from '@sinonjs/fake-timers';
import type { Clock as FakeClock } from '@sinonjs/fake-timers';
import { createFakePerformance } from './fake-performance.ts';
import type { GlobalPatch } from './global-swap.ts';
import { natives } from './natives.ts';
import type { queuedTimerGlobals } from './node-style-timers.ts';

/** Default start of virtual time: 2026-01-01T00:00:00Z, epoch ms. */
export const DEFAULT_VIRTUAL_START_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Default poll period of `waitFor` on a virtual clock, ms (costs no real time). */
export const VIRTUAL_WAIT_STEP_MS = 1;

/** The globals `install()` replaces (the `toFake` list); `hrtime` is `process.hrtime`. */
export const FAKED_GLOBALS = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'Date',
  'performance',
  'hrtime',
] as const;

// The fake clock factory is bound to the real globals (not to globalThis,
// which we may have faked), so its event-loop yields inside tickAsync always
// use the real setImmediate. Except setTimeout/clearTimeout: fake-timers
// looks at what setTimeout returns to decide whether its timers return
// Node-style objects (five closures and a computed-key literal per timer) or
// plain ids. Plain ids keep the reference driver's Clock-API timers cheap;
// its faked globals wrap them in Node-style handles. fake-timers uses these
// two functions for nothing else here (no `install`, no shouldClearNativeTimers).
export const timers = FakeTimers.withGlobal({
  setTimeout: (() => 0) as unknown as typeof natives.setTimeout,
  clearTimeout: (() => undefined) as typeof natives.clearTimeout,
  setInterval: natives.setInterval,
  clearInterval: natives.clearInterval,
  setImmediate: natives.setImmediate,
  clearImmediate: natives.clearImmediate,
  Date: natives.Date,
  performance: natives.performance,
  process,
  Promise: natives.Promise,
});

const nodeTimers = createRequire(import.meta.url)('node:timers') as Record<string, unknown>;

/**
 * Most steps (timer firings) run in one real event-loop turn. Bounds how
 * long real I/O and real timers (Vitest's own timeouts, liveness watchdogs)
 * can wait while a long advance runs.
 */
export const MAX_STEPS_PER_TURN = 512;

/**
 * Node's drain between two callbacks: runs the process.nextTick queue and the
 * microtask queue until both are empty (and reports unhandled rejections), as
 * `processImmediate` does between two immediates, by calling this function.
 * It is `process._tickCallback`, undocumented but present in every Node this
 * package supports (engines >=20.19 <23); where it is missing, each step gets
 * an immediate of its own and Node's loop does the draining.
 */
export const drainTicks = (process as unknown as { _tickCallback?: unknown })._tickCallback;
export const stepsPerImmediate = typeof drainTicks === 'function' ? MAX_STEPS_PER_TURN : 1;



/** The patches `install()` applies: the timer functions (also on `node:timers`), Date, performance and process.hrtime. */
export function globalPatches(fake: FakeClock, fns: ReturnType<typeof queuedTimerGlobals>, startEpochMs: number, monotonicMs: () => number): GlobalPatch[] {
  const perf = createFakePerformance(monotonicMs, startEpochMs);
  const patches: GlobalPatch[] = [];
  for (const [key, value] of Object.entries(fns)) {
    patches.push({ target: globalThis, key, value });
    // Code that calls require('timers').setTimeout(...) at call time follows too.
    if (typeof nodeTimers[key] === 'function') patches.push({ target: nodeTimers, key, value });
  }
  patches.push({ target: globalThis, key: 'Date', value: fake.Date });
  patches.push({ target: globalThis, key: 'performance', value: perf });
  patches.push({ target: process, key: 'hrtime', value: fake.hrtime });
  return patches;
}

/** " (created at file:line:col)" of the first caller outside the clock factories, or "". */
export function creationSite(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const outside = lines.find(
    (l) => !/[\\/]harness[\\/]clock[\\/](virtual-clock|virtual-setup|index|testing[\\/]tick-async-clock)\.ts/.test(l) && !l.includes('node:internal'),
  );
  const m = outside?.match(/\(?([^()\s]+:\d+:\d+)\)?\s*$/);
  return m ? ` (created at ${m[1]})` : '';
}
