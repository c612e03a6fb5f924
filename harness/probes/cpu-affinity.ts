/**
 * CPU affinity of a process, for measurements that share one machine with
 * the system under test. Linux only, through `taskset` (util-linux, on every
 * Debian system): Node has no affinity call of its own.
 *
 * Why a probe wants it: Linux wakes a task that a socket write made ready
 * on the writer's CPU when it can ("wake affine"). A companion that writes
 * one tick to a hundred clients in a row therefore wakes the client process
 * onto its own core, and the clients read nothing until the companion has
 * written to the last of them: on a 2-core machine that added about 1.3 ms
 * to every sample (first arrival 1.45 ms after the first write, against
 * 0.3 ms with the two processes on separate cores). Clients on other
 * machines, as in production, never wait for the companion's core.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { HilError } from '../errors.ts';

/** Options of {@link pinToCpus}. */
export interface PinOptions {
  /** Every thread of the process (default), or only its main thread (the thread whose id is the pid). */
  allThreads?: boolean;
}

/**
 * Checks a CPU list: a non-empty list of distinct whole numbers below the
 * machine's CPU count. Throws HIL_CONFIG_INVALID naming `what` otherwise.
 */
export function checkCpuList(cpus: readonly number[], what: string): void {
  const count = availableParallelism();
  const bad = cpus.find((c) => !Number.isInteger(c) || c < 0 || c >= count);
  if (cpus.length === 0 || bad !== undefined || new Set(cpus).size !== cpus.length) {
    throw new HilError('HIL_CONFIG_INVALID', `${what} must list distinct CPU numbers from 0 to ${count - 1} (this machine has ${count}); got [${cpus.join(', ')}]`);
  }
}

/**
 * Restricts process `pid` to `cpus`. Throws HIL_CONFIG_INVALID for a bad
 * list, HIL_PROBE_UNAVAILABLE when this is not Linux, `taskset` is missing
 * or refuses (no such process, no permission).
 */
export function pinToCpus(pid: number, cpus: readonly number[], options: PinOptions = {}): void {
  checkCpuList(cpus, 'the CPU list');
  if (process.platform !== 'linux') {
    throw new HilError('HIL_PROBE_UNAVAILABLE', `pinning a process to CPUs needs Linux (taskset); this is ${process.platform}: leave the CPU list unset`);
  }
  const args = [...(options.allThreads === false ? [] : ['-a']), '-p', '-c', cpus.join(','), String(pid)];
  try {
    execFileSync('taskset', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = e.code === 'ENOENT' ? 'taskset is not installed (apt-get install util-linux)' : (e.stderr?.toString().trim() || e.message);
    throw unavailable(pid, cpus, why, err);
  }
  // taskset -a exits 0 for a pid that is gone: read back what the kernel holds.
  let now: number[];
  try {
    now = allowedCpus(pid);
  } catch (err) {
    throw unavailable(pid, cpus, 'no such process', err);
  }
  if (now.join(',') !== [...cpus].sort((a, b) => a - b).join(',')) throw unavailable(pid, cpus, `it may still run on CPUs ${now.join(',')}`);
}

function unavailable(pid: number, cpus: readonly number[], why: string, cause?: unknown): HilError {
  return new HilError('HIL_PROBE_UNAVAILABLE', `cannot pin process ${pid} to CPUs ${cpus.join(',')}: ${why}; leave the CPU list unset to run unpinned`, cause === undefined ? undefined : { cause });
}

/** The CPUs thread `tid` of process `pid` (default: its main thread) may run on, from /proc (Linux). */
export function allowedCpus(pid: number, tid: number = pid): number[] {
  const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
  const list = /^Cpus_allowed_list:\s*(\S+)$/mu.exec(status)?.[1];
  if (!list) throw new HilError('HIL_PROBE_UNAVAILABLE', `/proc/${pid}/task/${tid}/status has no Cpus_allowed_list`);
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}
