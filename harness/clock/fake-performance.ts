/**
 * The `performance` object a virtual clock puts on globalThis: `now()` and
 * `timeOrigin` follow virtual time, `mark`/`measure` stamp virtual times, and
 * the rest (eventLoopUtilization, timerify, ...) is the real object's, since
 * they describe the real event loop and have no virtual meaning.
 */
import { natives } from './natives.ts';

/** A minimal PerformanceEntry stamped in virtual ms. */
interface VirtualEntry {
  name: string;
  entryType: 'mark' | 'measure';
  startTime: number;
  duration: number;
  detail: unknown;
}

/** Builds a performance object whose clock is `nowMs` (ms since `timeOriginEpochMs`). */
export function createFakePerformance(nowMs: () => number, timeOriginEpochMs: number): Performance {
  const real = natives.performance as unknown as Record<string, unknown>;
  const fake: Record<string, unknown> = {};
  // Copy every method the real object has (own or inherited), bound to it,
  // so code probing for e.g. eventLoopUtilization keeps working.
  for (let proto: object | null = real; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name in fake) continue;
      const desc = Object.getOwnPropertyDescriptor(proto, name);
      if (desc && typeof desc.value === 'function') fake[name] = (desc.value as (...a: unknown[]) => unknown).bind(real);
    }
  }
  const entries: VirtualEntry[] = [];
  fake.now = nowMs;
  fake.timeOrigin = timeOriginEpochMs;
  fake.mark = (name: string, opts?: { startTime?: number; detail?: unknown }): VirtualEntry => {
    const e: VirtualEntry = { name, entryType: 'mark', startTime: opts?.startTime ?? nowMs(), duration: 0, detail: opts?.detail ?? null };
    entries.push(e);
    return e;
  };
  fake.measure = (name: string, start?: string, end?: string): VirtualEntry => {
    const at = (mark: string | undefined, dflt: number): number =>
      mark === undefined ? dflt : (entries.findLast((e) => e.entryType === 'mark' && e.name === mark)?.startTime ?? dflt);
    const startTime = at(start, 0);
    const e: VirtualEntry = { name, entryType: 'measure', startTime, duration: at(end, nowMs()) - startTime, detail: null };
    entries.push(e);
    return e;
  };
  fake.getEntries = () => entries.slice();
  fake.getEntriesByName = (name: string, type?: string) =>
    entries.filter((e) => e.name === name && (type === undefined || e.entryType === type));
  fake.getEntriesByType = (type: string) => entries.filter((e) => e.entryType === type);
  const clear = (type: 'mark' | 'measure') => (name?: string) => {
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.entryType === type && (name === undefined || e.name === name)) entries.splice(i, 1);
    }
  };
  fake.clearMarks = clear('mark');
  fake.clearMeasures = clear('measure');
  fake.toJSON = () => ({ timeOrigin: timeOriginEpochMs, now: nowMs() });
  return fake as unknown as Performance;
}
