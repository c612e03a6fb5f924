/**
 * Benchmark of the simulated mBot (not a test). Run: `npx tsx simulators/bench/sim-bench.ts`.
 * Prints, as one table:
 * - wall time for Johnny-Five to reach `ready` on the simulator, virtual and
 *   wall clock, resetDelayMs 0 and the default 2000 (median of 3 where cheap);
 * - the virtual-to-wall ratio of a 10-minute virtual run with every sensor
 *   reporting (analog A6, A7, A2, A3; digital ports 0 and 1; HC-SR04 pinged by
 *   Johnny-Five's Proximity every ≈ 65 ms) and both motors driven (the
 *   workload of soak-workload.ts, seed 7; `sim-digest.ts` fingerprints it);
 * - peak RSS and heap during that run (sampled every 25 ms of wall time by a
 *   real timer, outside the timed loop; the sample of the median run is shown);
 * - the trace digest of those runs, which must be the same in every run (the
 *   simulator is deterministic for a seed);
 * - on Linux, how long the main thread of that run was on a CPU and how long
 *   it was ready but waiting for one (/proc schedstat): on a shared machine
 *   the wait, not the simulator, is what moves the ratio between runs;
 * - for scale: the virtual clock's own cost per timer firing (an empty
 *   interval), since every timer of Johnny-Five, firmata-io and the simulator
 *   pays it once per firing.
 * Each long run happens in a fresh child process (`--soak <minutes>`), so
 * its memory figures are its own (Johnny-Five keeps every board it ever made).
 * `--runs <n>` sets how many 10-minute runs (default 5; the median is shown);
 * `--quick` runs a 1-minute virtual run once instead. The header line gives
 * the machine's load average before and after: on a shared machine the
 * ratio follows it.
 * The simulator runs in its default configuration (the one specs use): the
 * full byte trace is recorded and its digest stays available.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createClock, type Clock, type VirtualClock } from '../../harness/clock/index.ts';
import { natives } from '../../harness/clock/natives.ts';
// The simulator itself, not the simulators' public entry (which also loads the companion).
import { createSimulatedMbot, DEFAULT_RESET_DELAY_MS } from '../mbot/simulated-mbot.ts';
import { startBoard } from '../mbot/test-support.ts';
import { SOAK_SEED, startSoak } from './soak-workload.ts';

const wallNow = natives.performanceNow;
const quick = process.argv.includes('--quick');
/** How many long runs to make (their median is the headline figure). */
const soakRuns = quick ? 1 : runsOption(5);
/** Wall-time period of the memory sampler during a soak. */
const MEMORY_SAMPLE_MS = 25;

/** `--runs <n>` (a positive integer), or `fallback` without it. */
function runsOption(fallback: number): number {
  const at = process.argv.indexOf('--runs');
  if (at < 0) return fallback;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs needs a positive integer; got ${String(process.argv[at + 1])}`);
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function readyWallMs(kind: 'virtual' | 'wall', resetDelayMs: number): Promise<number> {
  const clock: Clock = kind === 'virtual' ? createClock('virtual', { install: true }) : createClock('wall');
  const sim = createSimulatedMbot({ clock, resetDelayMs });
  const t0 = wallNow();
  const { port, board } = startBoard(sim.binding, sim.path);
  let ready = false;
  board.on('ready', () => (ready = true));
  if (kind === 'virtual') {
    while (!ready) await (clock as VirtualClock).advance(5);
  } else {
    while (!ready) await new Promise((r) => natives.setTimeout(r, 1));
  }
  const ms = wallNow() - t0;
  await new Promise<void>((r) => port.close(() => r()));
  await sim.close();
  clock.dispose();
  return ms;
}

interface SoakResult {
  virtualMs: number;
  wallMs: number;
  ratio: number;
  peakRssMb: number;
  peakHeapMb: number;
  traceBytes: number;
  traceDigest: string;
  analogReports: number;
  pings: number;
  /** Main thread on a CPU / ready but waiting for one during the timed loop, ms; null where /proc is missing. */
  onCpuMs: number | null;
  waitCpuMs: number | null;
}

/** The main thread's [on-CPU, waiting-for-a-CPU] time so far, ms, from Linux schedstat; null elsewhere. */
function mainThreadSchedMs(): [number, number] | null {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return run === undefined || wait === undefined ? null : [run / 1e6, wait / 1e6];
  } catch {
    return null;
  }
}

async function soak(virtualMs: number): Promise<SoakResult> {
  const { clock, sim, stop } = await startSoak();
  let peakRss = 0;
  let peakHeap = 0;
  const sampleMem = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  // A real (never virtual) timer samples memory between the loop's event-loop turns, so the timed loop itself does no sampling.
  const memTimer = natives.setInterval(sampleMem, MEMORY_SAMPLE_MS);
  sampleMem();
  const s0 = mainThreadSchedMs();
  const t0 = wallNow();
  const v0 = clock.monotonicMs();
  for (let done = 0; done < virtualMs; done += 1000) await clock.advance(1000);
  const wallMs = wallNow() - t0;
  const s1 = mainThreadSchedMs();
  natives.clearInterval(memTimer);
  sampleMem();
  const events = sim.trace.decoded();
  const result: SoakResult = {
    virtualMs: clock.monotonicMs() - v0,
    wallMs,
    ratio: (clock.monotonicMs() - v0) / wallMs,
    peakRssMb: peakRss / 2 ** 20,
    peakHeapMb: peakHeap / 2 ** 20,
    traceBytes: sim.trace.totalBytes,
    traceDigest: sim.trace.digest(),
    analogReports: events.filter((e) => e.kind === 'analog-read').length,
    pings: events.filter((e) => e.kind === 'ping-response').length,
    onCpuMs: s0 && s1 ? s1[0] - s0[0] : null,
    waitCpuMs: s0 && s1 ? s1[1] - s0[1] : null,
  };
  await stop();
  return result;
}

/** Wall µs per firing of an empty timer on an installed virtual clock. */
async function clockCostUsPerFiring(): Promise<number> {
  const clock = createClock('virtual', { install: true });
  let fired = 0;
  clock.setInterval(() => fired++, 1);
  const t0 = wallNow();
  for (let i = 0; i < 20; i++) await clock.advance(1000);
  const us = ((wallNow() - t0) * 1000) / fired;
  clock.dispose();
  return us;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
const list = <T,>(xs: T[], f: (x: T) => string): string => xs.map(f).join(', ');

/** Prints a Markdown table: one row per measure, its headline value, and every run. */
function table(rows: Array<[string, string, string]>): void {
  const head: [string, string, string] = ['measure', 'value', 'runs'];
  const w = [0, 1, 2].map((c) => Math.max(...[head, ...rows].map((r) => r[c]!.length)));
  const line = (r: [string, string, string]): string => `| ${r.map((cell, c) => cell.padEnd(w[c]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadBefore = load();
  const runs = (n: number, f: () => Promise<number>) => (async () => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(await f());
    return xs;
  })();
  const v0 = await runs(3, () => readyWallMs('virtual', 0));
  const vDef = await runs(3, () => readyWallMs('virtual', DEFAULT_RESET_DELAY_MS));
  const w0 = await runs(3, () => readyWallMs('wall', 0));
  const wDef = await runs(quick ? 1 : 3, () => readyWallMs('wall', DEFAULT_RESET_DELAY_MS));

  const minutes = quick ? 1 : 10;
  const soaks: SoakResult[] = [];
  const self = fileURLToPath(import.meta.url);
  for (let i = 0; i < soakRuns; i++) {
    const out = execFileSync(process.execPath, [...process.execArgv, self, '--soak', String(minutes)], { encoding: 'utf8' });
    soaks.push(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as SoakResult);
  }
  const mid = [...soaks].sort((a, b) => a.ratio - b.ratio)[Math.floor(soaks.length / 2)] as SoakResult;
  const costs = [await clockCostUsPerFiring(), await clockCostUsPerFiring(), await clockCostUsPerFiring()];

  const n = soaks.length;
  const digests = new Set(soaks.map((s) => s.traceDigest));
  // Same seed, same bytes: anything else is a determinism bug, so the run fails.
  if (digests.size !== 1) process.exitCode = 1;
  console.log(
    `# mbot-hil simulator benchmark (node ${process.version}, default simulator configuration: full trace; ` +
      `load average 1/5/15 min: ${loadBefore} before, ${load()} after)`,
  );
  console.log('');
  table([
    ['J5 `ready`, virtual clock, resetDelayMs 0 (wall time)', fmt(median(v0)), list(v0, fmt)],
    ['J5 `ready`, virtual clock, resetDelayMs 2000 (wall time)', fmt(median(vDef)), list(vDef, fmt)],
    ['J5 `ready`, wall clock, resetDelayMs 0 (wall time)', fmt(median(w0)), list(w0, fmt)],
    ['J5 `ready`, wall clock, resetDelayMs 2000 (wall time)', fmt(median(wDef)), list(wDef, fmt)],
    [
      `${minutes}-min virtual run: virtual/wall ratio (median of ${n}; target >= 1000×)`,
      `${mid.ratio.toFixed(0)}×`,
      list(soaks.map((s) => s.ratio), (r) => `${r.toFixed(0)}×`),
    ],
    [`${minutes}-min virtual run: wall time`, fmt(mid.wallMs), list(soaks.map((s) => s.wallMs), fmt)],
    [
      `${minutes}-min virtual run: main thread on a CPU / waiting for one`,
      mid.onCpuMs === null || mid.waitCpuMs === null ? 'n/a (no /proc)' : `${fmt(mid.onCpuMs)} / ${fmt(mid.waitCpuMs)}`,
      list(soaks, (s) => (s.onCpuMs === null || s.waitCpuMs === null ? 'n/a' : `${s.onCpuMs.toFixed(0)} / ${s.waitCpuMs.toFixed(0)} ms`)),
    ],
    [`${minutes}-min virtual run: peak RSS`, `${mid.peakRssMb.toFixed(1)} MB`, list(soaks.map((s) => s.peakRssMb), (m) => `${m.toFixed(1)} MB`)],
    [`${minutes}-min virtual run: peak heap used`, `${mid.peakHeapMb.toFixed(1)} MB`, list(soaks.map((s) => s.peakHeapMb), (m) => `${m.toFixed(1)} MB`)],
    [`${minutes}-min virtual run: trace`, `${mid.traceBytes} bytes`, `${mid.analogReports} analog reports, ${mid.pings} pings`],
    [
      `${minutes}-min virtual run: trace digest (seed ${SOAK_SEED})`,
      `${mid.traceDigest.slice(0, 16)}…`,
      digests.size === 1 ? `the same in all ${n} runs` : `DIFFERS between runs: ${[...digests].map((d) => d.slice(0, 16)).join(', ')}`,
    ],
    ['virtual clock: empty timer firing (median of 3)', `${median(costs).toFixed(1)} µs`, list(costs, (c) => `${c.toFixed(1)} µs`)],
  ]);
}

const soakAt = process.argv.indexOf('--soak');
if (soakAt >= 0) {
  const result = await soak(Number(process.argv[soakAt + 1] ?? '10') * 60_000);
  console.log(JSON.stringify(result));
  process.exit(0);
} else {
  await main();
}
