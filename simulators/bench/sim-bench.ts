/**
 * Benchmark of the simulated mBot (not a test). Run: `npx tsx simulators/bench/sim-bench.ts`.
 * Prints, as one table:
 * - wall time for Johnny-Five to reach `ready` on the simulator, virtual and
 *   wall clock, resetDelayMs 0 and the default 2000 (median of 3 where cheap);
 * - the virtual-to-wall ratio of a 10-minute virtual run with every sensor
 *   reporting (analog A6, A7, A2, A3; digital ports 0 and 1; HC-SR04 pinged by
 *   Johnny-Five's Proximity every ≈ 65 ms) and both motors driven;
 * - peak RSS and heap during that run (sampled every 25 ms of wall time by a
 *   real timer, outside the timed loop; the sample of the median run is shown);
 * - for scale: the virtual clock's own cost per timer firing (an empty
 *   interval), since every timer of Johnny-Five, firmata-io and the simulator
 *   pays it once per firing.
 * Each long run happens in a fresh child process (`--soak <minutes>`), so
 * its memory figures are its own (Johnny-Five keeps every board it ever made).
 * `--quick` runs a 1-minute virtual run once instead.
 * The simulator runs in its default configuration (the one specs use): the
 * full byte trace is recorded and its digest stays available.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClock, type Clock, type VirtualClock } from '../../harness/clock/index.ts';
import { natives } from '../../harness/clock/natives.ts';
import { createSimulatedMbot, DEFAULT_RESET_DELAY_MS } from '../index.ts';
import { five, startBoard } from '../mbot/test-support.ts';

const wallNow = natives.performanceNow;
const quick = process.argv.includes('--quick');
/** Wall-time period of the memory sampler during a soak. */
const MEMORY_SAMPLE_MS = 25;

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
  analogReports: number;
  pings: number;
}

async function soak(virtualMs: number): Promise<SoakResult> {
  const clock = createClock('virtual', { install: true });
  const sim = createSimulatedMbot({ clock, seed: 7 });
  const { port, io, board } = startBoard(sim.binding, sim.path);
  let ready = false;
  board.on('ready', () => (ready = true));
  while (!ready) await clock.advance(10);

  let readings = 0;
  for (const pin of ['A6', 'A7', 'A2', 'A3']) {
    const s = new five.Sensor({ pin, board });
    s.on('data', () => readings++);
  }
  const dio = io as unknown as { pinMode(p: number, m: number): void; digitalRead(p: number, cb: (v: number) => void): void };
  for (const pin of [2, 12]) {
    dio.pinMode(pin, 0);
    dio.digitalRead(pin, () => undefined);
  }
  let pings = 0;
  const prox = new five.Proximity({ controller: 'HCSR04', pin: 10, board });
  prox.on('data', () => pings++);
  const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
  const right = new five.Motor({ pins: { pwm: 5, dir: 4 }, board });
  let phase = 0;
  // Wander: forward, spin, back, spin, changing every 500 ms.
  const driver = setInterval(() => {
    const s = 120 + (phase % 5) * 25;
    switch (phase++ % 4) {
      case 0: left.reverse(s); right.forward(s); break;
      case 1: left.reverse(s); right.reverse(s); break;
      case 2: left.forward(s); right.reverse(s); break;
      default: left.forward(s); right.forward(s);
    }
  }, 500);

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
  const t0 = wallNow();
  const v0 = clock.monotonicMs();
  for (let done = 0; done < virtualMs; done += 1000) await clock.advance(1000);
  const wallMs = wallNow() - t0;
  natives.clearInterval(memTimer);
  sampleMem();
  clearInterval(driver);
  const events = sim.trace.decoded();
  const result: SoakResult = {
    virtualMs: clock.monotonicMs() - v0,
    wallMs,
    ratio: (clock.monotonicMs() - v0) / wallMs,
    peakRssMb: peakRss / 2 ** 20,
    peakHeapMb: peakHeap / 2 ** 20,
    traceBytes: sim.trace.totalBytes,
    analogReports: events.filter((e) => e.kind === 'analog-read').length,
    pings: events.filter((e) => e.kind === 'ping-response').length,
  };
  void readings;
  void pings;
  await new Promise<void>((r) => port.close(() => r()));
  await sim.close();
  clock.dispose();
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
const list = (xs: number[], f: (x: number) => string): string => xs.map(f).join(', ');

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
  console.log(`# mbot-hil simulator benchmark (node ${process.version}, default simulator configuration: full trace)`);
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
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const out = execFileSync(process.execPath, [...process.execArgv, self, '--soak', String(minutes)], { encoding: 'utf8' });
    soaks.push(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as SoakResult);
  }
  const mid = [...soaks].sort((a, b) => a.ratio - b.ratio)[Math.floor(soaks.length / 2)] as SoakResult;
  const costs = [await clockCostUsPerFiring(), await clockCostUsPerFiring(), await clockCostUsPerFiring()];

  const n = soaks.length;
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
    [`${minutes}-min virtual run: peak RSS`, `${mid.peakRssMb.toFixed(1)} MB`, list(soaks.map((s) => s.peakRssMb), (m) => `${m.toFixed(1)} MB`)],
    [`${minutes}-min virtual run: peak heap used`, `${mid.peakHeapMb.toFixed(1)} MB`, list(soaks.map((s) => s.peakHeapMb), (m) => `${m.toFixed(1)} MB`)],
    [`${minutes}-min virtual run: trace`, `${mid.traceBytes} bytes`, `${mid.analogReports} analog reports, ${mid.pings} pings`],
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
