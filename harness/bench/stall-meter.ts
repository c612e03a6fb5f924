/**
 * The machine's own noise, measured next to a latency benchmark: a process
 * pinned to one CPU spins on `performance.now()` for a while and counts the
 * gaps, the moments it was not running (an interrupt, a kernel thread, on a
 * virtual machine the host taking the CPU away). A 4 ms gap that falls in a
 * telemetry tick delays that tick's every message by 4 ms, whatever the
 * companion does, so the benchmark prints this beside its percentiles.
 */
import { execFile } from 'node:child_process';
import { HilError } from '../errors.ts';

/** Gaps one CPU showed while a process spun on it. */
export interface StallReport {
  cpu: number;
  seconds: number;
  /** Gaps longer than 1, 2 and 4 ms, per second. */
  over1msPerS: number;
  over2msPerS: number;
  over4msPerS: number;
  maxMs: number;
}

// Runs in a child (`node -e`): spins for argv[1] ms, prints the gaps over 0.5 ms as JSON.
const SPIN = `
const ms = Number(process.argv[1]);
const gaps = [];
const t0 = performance.now();
let last = t0;
for (;;) {
  const now = performance.now();
  if (now - last > 0.5) gaps.push(now - last);
  last = now;
  if (now - t0 >= ms) break;
}
process.stdout.write(JSON.stringify(gaps));
`;

/**
 * Spins on `cpu` (pinned with taskset) for `ms` and reports its gaps;
 * `onStart` gets the spinning process's pid. Rejects with
 * HIL_PROBE_UNAVAILABLE when taskset or the CPU is not available.
 */
export async function measureStalls(cpu: number, ms = 3000, onStart?: (pid: number) => void): Promise<StallReport> {
  const out = await new Promise<string>((resolve, reject) => {
    // taskset execs node in place: the child's pid is the spinner's.
    const child = execFile('taskset', ['-c', String(cpu), process.execPath, '-e', SPIN, String(ms)], { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new HilError('HIL_PROBE_UNAVAILABLE', `the stall meter could not spin on CPU ${cpu}: ${stderr.trim() || err.message}; it needs Linux with taskset (util-linux)`, { cause: err }));
      else resolve(stdout);
    });
    if (child.pid !== undefined) onStart?.(child.pid);
  });
  const gaps = JSON.parse(out) as number[];
  const seconds = ms / 1000;
  const rate = (over: number): number => gaps.filter((g) => g > over).length / seconds;
  return { cpu, seconds, over1msPerS: rate(1), over2msPerS: rate(2), over4msPerS: rate(4), maxMs: Math.max(0, ...gaps) };
}

/** One line for a benchmark's output. */
export function formatStalls(r: StallReport): string {
  return `CPU ${r.cpu}: ${r.over1msPerS.toFixed(1)}/s stalls > 1 ms, ${r.over2msPerS.toFixed(1)}/s > 2 ms, ${r.over4msPerS.toFixed(1)}/s > 4 ms, longest ${r.maxMs.toFixed(1)} ms (spinning ${r.seconds} s)`;
}
