import { PerformanceObserver } from 'node:perf_hooks';
import type { MemorySample } from './memory-recorder.ts';

/** A running count of this process's garbage collections; see {@link startGcCounter}. */
export interface GcCounter {
  /** GCs observed since the counter started (delivered asynchronously: may lag by one tick). */
  readonly count: number;
  /** Stops observing; `count` keeps its last value. */
  stop(): void;
}

/**
 * Counts this process's GCs through `PerformanceObserver` `gc` entries, to
 * feed `gcCount` of {@link sampleThisProcess}. Call `stop()` when done: an
 * observer left running keeps a little work on every GC.
 */
export function startGcCounter(): GcCounter {
  let count = 0;
  const observer = new PerformanceObserver((list) => { count += list.getEntries().length; });
  observer.observe({ entryTypes: ['gc'] });
  return {
    get count() { return count; },
    stop() { observer.disconnect(); },
  };
}

/** Options of {@link sampleThisProcess}. */
export interface SampleThisProcessOptions {
  /** Run a full GC first when `global.gc` is exposed (node `--expose-gc`); default true. */
  forceGc?: boolean;
  /** Source of the cumulative GC count put in the sample. */
  gcCounter?: GcCounter;
}

/**
 * Samples this process's memory (`process.memoryUsage()`, bytes) at
 * `atMs`, a reading of the clock in force (the harness never reads wall
 * time behind the clock's back). `afterGc` in the result says whether a GC
 * was actually forced: only when `forceGc` is on and the process runs with
 * `--expose-gc`; otherwise the sample may hold garbage and a leak fit will
 * fall back to all samples.
 */
export function sampleThisProcess(atMs: number, options: SampleThisProcessOptions = {}): MemorySample {
  const gc = options.forceGc === false ? undefined : globalThis.gc;
  if (gc) gc();
  const usage = process.memoryUsage();
  const sample: MemorySample = {
    atMs,
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    rssBytes: usage.rss,
    afterGc: gc !== undefined,
  };
  if (options.gcCounter) sample.gcCount = options.gcCounter.count;
  return sample;
}
