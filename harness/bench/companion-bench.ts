/**
 * Benchmark of the reference companion on loopback (not a test): the
 * companion in its own process on the simulated mBot (wall clock), as in
 * production; the latency probe's clients in worker processes of their own
 * (`COMPANION_BENCH_WORKERS`), at a lower CPU priority
 * (`COMPANION_BENCH_NICENESS`); 50 Hz telemetry (two events a tick), one
 * client sending 20 commands/s. For each client count: telemetry p50 and
 * p99 (the median of `reps` windows, each on fresh connections), the share
 * of a core the companion used, and its memory per client (heap and RSS
 * after a forced GC, with the clients connected, minus the same with none,
 * divided by the count). Reports the largest count of the ladder whose
 * median p99 stays under 50 ms, and the issue-4 targets.
 *
 * Two measurements of the machine go beside it, so a reader can tell the
 * companion from its surroundings:
 * - the stall meter (`stall-meter.ts`): how often each CPU was taken away
 *   from a spinning process, and for how long;
 * - the control (`bare-fanout.ts`, `COMPANION_BENCH_CONTROL`, default
 *   `100,1000` clients): a bare `ws` server that only sends each client one
 *   frame per tick, stamped the same way, measured by the same probe
 *   without commands. Its p99 is the floor any Node companion meets here.
 *
 * CPU pinning (`COMPANION_BENCH_PIN`, default `on` with 2 or more CPUs):
 * the companion's main thread (or the control's) runs on CPU 0 and the
 * probe's workers on the others. Unpinned, Linux wakes the clients on the
 * companion's own core while it writes a tick to a hundred sockets, and
 * they read nothing until it has written the last: on the 2-core machine
 * that added about 1.3 ms to every sample (see `cpu-affinity.ts`). Clients
 * on other machines, as in production, never wait for that core.
 *
 * Run: `npx tsx harness/bench/companion-bench.ts` (or `npm run bench companion`).
 * Knobs: COMPANION_BENCH_CLIENTS (default `1,100,500,1000,1500,2000`),
 * COMPANION_BENCH_REPS (3), COMPANION_BENCH_WINDOW_MS (10000: a 2 s window
 * holds only 100 ticks, so one tick hit by a stall of the machine is 1 % of
 * the samples and decides the p99), COMPANION_BENCH_WORKERS (1; 0 runs the
 * clients in this process), COMPANION_BENCH_NICENESS (10),
 * COMPANION_BENCH_PIN (`on`/`off`), COMPANION_BENCH_CONTROL (client counts,
 * or `off`), COMPANION_BENCH_PROFILE (`reference`).
 *
 * Latency is end to end: from the time a reading was taken (or due, when
 * the companion ran late) to its arrival at a client, clients' socket reads
 * included: a client that waits for the CPU stamps late. The companion's
 * clock offset is estimated by ping for every window (to within about
 * 0.1 ms on loopback) instead of assumed to be zero.
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { MemorySample } from '../metrics/memory-recorder.ts';
import { pinToCpus } from '../probes/cpu-affinity.ts';
import { runLatencyProbe, type LatencyProbeOptions } from '../probes/latency-probe.ts';
import type { MemorySource } from '../probes/memory-ipc.ts';
import { spawnCompanion, type CompanionProcess } from '../../reference/companion/spawn-companion.ts';
import type { ProfileName } from '../../reference/companion/profiles.ts';
import { spawnBareFanout } from './bare-fanout.ts';
import { formatTable, median, type BenchRow } from './bench-util.ts';
import { startCpuMeter } from './companion-cpu.ts';
import { formatStalls, measureStalls } from './stall-meter.ts';

const KIB = 1024;
const LIMIT_MS = 50;
/** The issue-4 targets: p99 at most 5 ms with 100 clients, and 1000 clients under {@link LIMIT_MS}. */
const TARGET_100_CLIENTS_P99_MS = 5;

function env(name: string, fallback: string): string {
  return process.env[name] || fallback;
}

const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const counts = (name: string, fallback: string): number[] => {
  const v = env(name, fallback);
  return v === 'off' ? [] : v.split(',').map(Number);
};

type ProbeSetup = Pick<LatencyProbeOptions, 'workerProcesses' | 'workerNiceness' | 'workerCpus'>;

/** What one ladder measures: a server under test, by URL and pid, and what the companion adds. */
interface LadderTarget {
  label: string;
  url: string;
  pid: number;
  commandRateHz: number;
  /** Telemetry ticks the server skipped so far (the companion counts them). */
  ticksSkipped?: () => Promise<number>;
  /** Per-client memory at a count (the companion only). */
  memoryPerClient?: (clients: number) => Promise<{ heap: number; rss: number }>;
}

/** Measures `target` at each count; returns its rows and the median p99 by count. */
async function ladder(target: LadderTarget, clientCounts: readonly number[], reps: number, windowMs: number, probe: ProbeSetup): Promise<{ rows: BenchRow[]; p99ByCount: Map<number, number> }> {
  const rows: BenchRow[] = [];
  const p99ByCount = new Map<number, number>();
  for (const clients of clientCounts) {
    const p99s: number[] = [];
    const p50s: number[] = [];
    const cpuPercents: number[] = [];
    let failure: string | null = null;
    for (let rep = 0; rep < reps && failure === null; rep++) {
      try {
        const skippedBefore = await target.ticksSkipped?.();
        const cpu = startCpuMeter(target.pid);
        // The clock offset is measured (ping), not assumed to be 0: processes on one host agree on
        // epoch time only if the system clock was not stepped between their starts (each fixes
        // performance.timeOrigin once), and a worker starts for every window.
        const result = await runLatencyProbe({ url: target.url, clients, ...probe, durationMs: windowMs, warmupMs: 500, clockOffset: 'ping', commandRateHz: target.commandRateHz });
        const cpuPercent = cpu();
        const skipped = skippedBefore === undefined ? null : ((await target.ticksSkipped?.()) ?? 0) - skippedBefore;
        p99s.push(result.telemetry.percentileMs(99) ?? Number.NaN);
        p50s.push(result.telemetry.percentileMs(50) ?? Number.NaN);
        if (cpuPercent !== null) cpuPercents.push(cpuPercent);
        const commands = target.commandRateHz > 0 ? `, command rtt p99 ${result.commands.percentileMs(99)?.toFixed(2)} ms` : '';
        console.log(`  ${target.label}, ${clients} clients, rep ${rep + 1}: p50 ${p50s.at(-1)?.toFixed(2)} ms, p99 ${p99s.at(-1)?.toFixed(2)} ms, max ${result.telemetry.maxMs?.toFixed(1)} ms, ` +
          `${Math.round(result.messages / (windowMs / 1000))} msg/s, gaps ${result.gaps}${skipped === null ? '' : `, ticks skipped ${skipped}`}${commands}, ` +
          `clock offset ${(result.clockOffsetMs * 1000).toFixed(0)} µs (${result.clampedNegative} negative), ` +
          `server CPU ${cpuPercent === null ? 'n/a' : `${cpuPercent.toFixed(0)} %`} (connect + window), load ${loadAverage()}`);
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
        console.log(`  ${target.label}, ${clients} clients: could not be served (${failure})`);
      }
    }
    if (failure !== null) {
      rows.push({ name: `${target.label} telemetry p99`, unit: 'ms', workload: `${clients} client(s): connect failed`, median: Number.POSITIVE_INFINITY, min: Number.POSITIVE_INFINITY, max: Number.POSITIVE_INFINITY, repetitions: 0 });
      break;
    }
    // Per-client memory of one or a few clients is lost in the noise of JIT and GC timing.
    const perClient = clients >= 100 && target.memoryPerClient ? await target.memoryPerClient(clients) : null;
    const row = (name: string, unit: string, xs: number[]): BenchRow => ({
      name, unit, workload: `${clients} client(s), 50 Hz, ${windowMs / 1000} s window`, repetitions: xs.length,
      median: median(xs), min: Math.min(...xs), max: Math.max(...xs),
    });
    rows.push(row(`${target.label} telemetry p99`, 'ms', p99s));
    rows.push(row(`${target.label} telemetry p50`, 'ms', p50s));
    if (cpuPercents.length > 0) rows.push(row(`${target.label} CPU`, '% of a core', cpuPercents));
    if (perClient) {
      rows.push({ ...row(`${target.label} heap per client`, 'KiB/client', [perClient.heap]), workload: `${clients} clients connected` });
      rows.push({ ...row(`${target.label} RSS per client`, 'KiB/client', [perClient.rss]), workload: `${clients} clients connected` });
    }
    p99ByCount.set(clients, median(p99s));
  }
  return { rows, p99ByCount };
}

/** Runs the ladder; rows per client count for p99, p50, companion CPU and memory, then the largest passing count, then the control. */
export async function run(): Promise<BenchRow[]> {
  const ladderCounts = counts('COMPANION_BENCH_CLIENTS', '1,100,500,1000,1500,2000');
  const controlCounts = counts('COMPANION_BENCH_CONTROL', '100,1000');
  const reps = Number(env('COMPANION_BENCH_REPS', '3'));
  const windowMs = Number(env('COMPANION_BENCH_WINDOW_MS', '10000'));
  const pin = env('COMPANION_BENCH_PIN', cpus().length >= 2 ? 'on' : 'off') === 'on';
  const probe: ProbeSetup = {
    workerProcesses: Number(env('COMPANION_BENCH_WORKERS', '1')),
    workerNiceness: Number(env('COMPANION_BENCH_NICENESS', '10')),
    ...(pin ? { workerCpus: cpus().map((_, i) => i).slice(1) } : {}),
  };
  const profile = env('COMPANION_BENCH_PROFILE', 'reference') as ProfileName;
  console.log(`companion benchmark: ${cpus().length} cores, probe clients in ${probe.workerProcesses} worker process(es) at niceness ${probe.workerNiceness}, ` +
    `${pin ? `server main thread pinned to CPU 0, probe workers to CPU ${probe.workerCpus?.join(',')}` : 'no CPU pinning'}, ${windowMs / 1000} s windows, load average ${loadAverage()} at start`);
  if (process.platform === 'linux') {
    for (const cpu of cpus().keys()) console.log(`  machine noise: ${formatStalls(await measureStalls(cpu))}`);
  }

  // The ladder may pass the default cap of 1,024 clients (the benchmark measures capacity, not the default's safety).
  const companion = await spawnCompanion({ profile, args: ['--max-connections', String(Math.max(...ladderCounts) + 16)] });
  const rows: BenchRow[] = [];
  let p99ByCount = new Map<number, number>();
  try {
    if (pin) pinToCpus(companion.pid, [0], { allThreads: false });
    const memory = companion.memorySource();
    const idle = await memory.sample({ forceGc: true });
    const measured = await ladder({
      label: `companion (${profile})`,
      url: companion.url,
      pid: companion.pid,
      commandRateHz: 20,
      ticksSkipped: async () => (await companion.stats()).ticksSkipped,
      memoryPerClient: (clients) => memoryPerClient(companion, clients, probe, memory, idle),
    }, ladderCounts, reps, windowMs, probe);
    rows.push(...measured.rows);
    p99ByCount = measured.p99ByCount;
  } finally {
    await companion.stop();
  }
  const largestUnder = [...p99ByCount].filter(([, p99]) => p99 < LIMIT_MS).reduce((best, [clients]) => Math.max(best, clients), 0);
  rows.push({
    name: `largest client count with p99 < ${LIMIT_MS} ms (${profile})`, unit: 'clients', workload: `ladder ${ladderCounts.join(', ')}`,
    median: largestUnder, min: largestUnder, max: largestUnder, repetitions: reps,
  });

  let controlP99 = new Map<number, number>();
  if (controlCounts.length > 0) {
    const control = await spawnBareFanout(50);
    try {
      if (pin) pinToCpus(control.pid, [0], { allThreads: false });
      const measured = await ladder({ label: 'bare fan-out control', url: control.url, pid: control.pid, commandRateHz: 0 }, controlCounts, reps, windowMs, probe);
      rows.push(...measured.rows);
      controlP99 = measured.p99ByCount;
    } finally {
      await control.stop();
    }
  }

  const verdict = (clients: number, limitMs: number, strict: boolean): string => {
    const p99 = p99ByCount.get(clients);
    if (p99 === undefined) return `${clients} clients: not measured`;
    const met = strict ? p99 < limitMs : p99 <= limitMs;
    const floor = controlP99.get(clients);
    return `${clients} clients p99 ${p99.toFixed(2)} ms (target ${strict ? '<' : '<='} ${limitMs} ms): ${met ? 'met' : 'NOT met'}` +
      (floor === undefined ? '' : ` (bare fan-out control: ${floor.toFixed(2)} ms)`);
  };
  console.log(`targets: ${verdict(100, TARGET_100_CLIENTS_P99_MS, false)}; ${verdict(1000, LIMIT_MS, true)}; load average ${loadAverage()} at end`);
  return rows;
}

/** Heap and RSS per client in KiB: sampled (after a forced GC) once `clients` are connected and fed, minus idle, over `clients`. */
async function memoryPerClient(companion: CompanionProcess, clients: number, probe: ProbeSetup, memory: MemorySource, idle: MemorySample): Promise<{ heap: number; rss: number }> {
  let probeEnded = false;
  const probing = runLatencyProbe({ url: companion.url, clients, ...probe, durationMs: 1500, warmupMs: 200, commandRateHz: 1 })
    .finally(() => { probeEnded = true; });
  // Sampled once every client is connected (the probe measures for 1.7 s more), not while they still arrive.
  while (!probeEnded && (await companion.stats()).clients < clients) await new Promise((r) => setTimeout(r, 50));
  if (probeEnded) {
    await probing; // rethrows the probe's failure
    throw new Error(`the probe of ${clients} clients ended before the companion had them all connected: no memory sample`);
  }
  const loaded = await memory.sample({ forceGc: true });
  await probing;
  return {
    heap: (loaded.heapUsedBytes - idle.heapUsedBytes) / clients / KIB,
    rss: ((loaded.rssBytes ?? 0) - (idle.rssBytes ?? 0)) / clients / KIB,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const rows = await run();
  console.log(`\ncompanion benchmark (node ${process.version}, ${process.arch}), ${((Date.now() - started) / 1000).toFixed(0)} s; medians of repetitions\n`);
  console.log(formatTable(rows));
}
