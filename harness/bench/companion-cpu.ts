/**
 * CPU time of another process, for the companion benchmark: how much of a
 * core the companion used while a client count was measured. Linux only
 * (`/proc/<pid>/stat`); elsewhere the benchmark prints no CPU figures.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** User + system CPU ms `pid` has used so far, or null when `/proc` cannot tell (not Linux, process gone). */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : null;
  } catch {
    return null;
  }
}

/** Measures the share of one core `pid` uses from now until the returned function is called (percent; null without `/proc`). */
export function startCpuMeter(pid: number): () => number | null {
  const cpuAtStart = cpuMsOf(pid);
  const startedMs = performance.now();
  return () => {
    const cpuNow = cpuMsOf(pid);
    if (cpuAtStart === null || cpuNow === null) return null;
    return ((cpuNow - cpuAtStart) / (performance.now() - startedMs)) * 100;
  };
}
