/**
 * The real timing functions of this process, captured before any virtual
 * clock can replace the globals. The wall clock and the virtual clock's
 * event-loop yields always use these, so neither is affected by a virtual
 * clock being installed.
 */

/** Real timing functions (never faked). */
export interface NativeTimers {
  readonly setTimeout: typeof globalThis.setTimeout;
  readonly clearTimeout: typeof globalThis.clearTimeout;
  readonly setInterval: typeof globalThis.setInterval;
  readonly clearInterval: typeof globalThis.clearInterval;
  readonly setImmediate: typeof globalThis.setImmediate;
  readonly clearImmediate: typeof globalThis.clearImmediate;
  readonly Date: DateConstructor;
  readonly performance: Performance;
  /** Real `performance.now()`, ms with sub-ms resolution. */
  readonly performanceNow: () => number;
  readonly hrtime: NodeJS.HRTime;
  readonly Promise: PromiseConstructor;
}

// Kept on globalThis (not only in this module) so a second copy of this
// module, loaded while a virtual clock is installed (module isolation), still
// sees the real functions rather than the fakes.
const KEY = Symbol.for('mbot-hil.clock.natives');

function capture(): NativeTimers {
  const g = globalThis;
  return Object.freeze({
    setTimeout: g.setTimeout,
    clearTimeout: g.clearTimeout,
    setInterval: g.setInterval,
    clearInterval: g.clearInterval,
    setImmediate: g.setImmediate,
    clearImmediate: g.clearImmediate,
    Date: g.Date,
    performance: g.performance,
    performanceNow: g.performance.now.bind(g.performance),
    hrtime: process.hrtime,
    Promise: g.Promise,
  });
}

const holder = globalThis as unknown as Record<symbol, NativeTimers | undefined>;

/** The process's real timers, captured once per process. */
export const natives: NativeTimers = holder[KEY] ?? (holder[KEY] = capture());

/** Resolves after one turn of the real event loop (nextTicks, microtasks and I/O callbacks run first). */
export function realYield(): Promise<void> {
  return new natives.Promise((resolve) => {
    natives.setImmediate(resolve);
  });
}
