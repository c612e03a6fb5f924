/**
 * Benchmark of the reference companion on loopback (not a test): the
 * companion in its own process on the simulated mBot (wall clock), the
 * latency probe in this one, 50 Hz telemetry (two events a tick), one
 * client sending 20 commands/s. For each client count: telemetry p99 (the
 * median of `reps` windows, each on fresh connections), and the
 * companion's memory per client (heap and RSS after a forced GC, with the
 * clients connected, minus the same with none, divided by the count).
 * Reports the largest count of the ladder whose median p99 stays under
 * 50 ms.
 *
 * Run: `npx tsx harness/bench/companion-bench.ts` (or `npm run bench companion`).
 * Knobs: COMPANION_BENCH_CLIENTS (default `1,100,500,1000,1500,2000`),
 * COMPANION_BENCH_REPS (3), COMPANION_BENCH_WINDOW_MS (2000),
 * COMPANION_BENCH_PROFILE (`reference`).
 *
 * The probe shares the machine: at high counts its own JSON parsing and
 * socket reads are part of the latency it reports, as a dashboard's would be.
 */
import { fileURLToPath } from 'node:url';
import type { MemorySample } from '../metrics/memory-recorder.ts';
import { runLatencyProbe } from '../probes/latency-probe.ts';
import type { MemorySource } from '../probes/memory-ipc.ts';
import { spawnCompanion } from '../../simulators/companion/spawn-companion.ts';
import type { ProfileName } from '../../simulators/companion/profiles.ts';
import { formatTable, median, type BenchRow } from './bench-util.ts';

const KIB = 1024;
const LIMIT_MS = 50;

function env(name: string, fallback: string): string {
  return process.env[name] || fallback;
}

/** Runs the ladder; one row per client count for p99 and for memory, plus the largest passing count. */
export async function run(): Promise<BenchRow[]> {
  const counts = env('COMPANION_BENCH_CLIENTS', '1,100,500,1000,1500,2000').split(',').map(Number);
  const reps = Number(env('COMPANION_BENCH_REPS', '3'));
  const windowMs = Number(env('COMPANION_BENCH_WINDOW_MS', '2000'));
  const profile = env('COMPANION_BENCH_PROFILE', 'reference') as ProfileName;
  const companion = await spawnCompanion({ profile });
  const memory = companion.memorySource();
  const rows: BenchRow[] = [];
  let largestUnder: number | null = null;
  try {
    const idle = await memory.sample({ forceGc: true });
    for (const clients of counts) {
      const p99s: number[] = [];
      const p50s: number[] = [];
      let failure: string | null = null;
      for (let rep = 0; rep < reps && failure === null; rep++) {
        try {
          const result = await runLatencyProbe({ url: companion.url, clients, durationMs: windowMs, warmupMs: 500 });
          p99s.push(result.telemetry.percentileMs(99) ?? Number.NaN);
          p50s.push(result.telemetry.percentileMs(50) ?? Number.NaN);
          console.log(`  ${clients} clients, rep ${rep + 1}: p50 ${p50s.at(-1)?.toFixed(2)} ms, p99 ${p99s.at(-1)?.toFixed(2)} ms, max ${result.telemetry.maxMs?.toFixed(1)} ms, ${Math.round(result.messages / (windowMs / 1000))} msg/s, gaps ${result.gaps}, command rtt p99 ${result.commands.percentileMs(99)?.toFixed(2)} ms`);
        } catch (err) {
          failure = err instanceof Error ? err.message : String(err);
          console.log(`  ${clients} clients: could not be served (${failure})`);
        }
      }
      if (failure !== null) {
        rows.push({ name: `companion telemetry p99 (${profile})`, unit: 'ms', workload: `${clients} client(s): connect failed`, median: Number.POSITIVE_INFINITY, min: Number.POSITIVE_INFINITY, max: Number.POSITIVE_INFINITY, repetitions: 0 });
        break;
      }
      // Per-client memory of one or a few clients is lost in the noise of JIT and GC timing.
      const perClient = clients >= 100 ? await memoryPerClient(companion.url, clients, memory, idle) : null;
      const row = (name: string, unit: string, xs: number[]): BenchRow => ({
        name, unit, workload: `${clients} client(s), 50 Hz, ${windowMs} ms window`, repetitions: xs.length,
        median: median(xs), min: Math.min(...xs), max: Math.max(...xs),
      });
      rows.push(row(`companion telemetry p99 (${profile})`, 'ms', p99s));
      rows.push(row(`companion telemetry p50 (${profile})`, 'ms', p50s));
      if (perClient) {
        rows.push({ ...row(`companion heap per client (${profile})`, 'KiB/client', [perClient.heap]), workload: `${clients} clients connected` });
        rows.push({ ...row(`companion RSS per client (${profile})`, 'KiB/client', [perClient.rss]), workload: `${clients} clients connected` });
      }
      if (median(p99s) < LIMIT_MS) largestUnder = clients;
    }
  } finally {
    await companion.stop();
  }
  rows.push({
    name: `largest client count with p99 < ${LIMIT_MS} ms (${profile})`, unit: 'clients', workload: `ladder ${counts.join(', ')}`,
    median: largestUnder ?? 0, min: largestUnder ?? 0, max: largestUnder ?? 0, repetitions: reps,
  });
  return rows;
}

/** Heap and RSS per client in KiB: sampled (after a forced GC) while `clients` are connected and fed, minus idle, over `clients`. */
async function memoryPerClient(url: string, clients: number, memory: MemorySource, idle: MemorySample): Promise<{ heap: number; rss: number }> {
  const probing = runLatencyProbe({ url, clients, durationMs: 1500, warmupMs: 200, commandRateHz: 1 });
  // Mid-window: every client connected and receiving.
  await new Promise((r) => setTimeout(r, 1000));
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
