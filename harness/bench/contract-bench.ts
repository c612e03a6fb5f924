import { resolve } from 'node:path';
import { loadContracts } from '../contracts/index.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { formatEvaluation } from '../evaluation/format.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import { BYTES_PER_MB } from '../metrics/memory-recorder.ts';
import { bench, seededRandom, type BenchRow } from './bench-util.ts';

const N = 1_000_000;
const contractsDir = resolve(import.meta.dirname, '../../contracts');

/** A snapshot built from 10^6 latency samples, 10^6 UI frames, 10^6 playback frames and a 1 h memory soak. */
function bigSnapshot() {
  const random = seededRandom(3);
  const c = new MetricsCollector();
  const latency = c.latency();
  for (let i = 0; i < N; i++) latency.record(0.2 * 1000 ** random());
  const ui = c.frames();
  const playback = c.playback();
  let t = 0;
  for (let i = 0; i < N; i++) {
    t += 1000 / 60 + (random() - 0.5);
    ui.recordFrame(t);
    playback.recordFrame(t);
  }
  playback.setStrokeCount(1200);
  const memory = c.memory();
  for (let s = 0; s < 3600; s++) memory.record({ atMs: s * 1000, heapUsedBytes: (40 + s / 1000) * BYTES_PER_MB, afterGc: s % 10 === 0 });
  return c.snapshot({ target: { kind: 'sim' }, clock: { kind: 'virtual' }, seed: 1 });
}

/**
 * Time to load the user's contract, and to evaluate all of it (4 invariants,
 * as `toMeetContract` does, message included) over a snapshot whose
 * recorders held 10^6 samples each. Medians of repetitions.
 */
export async function run(): Promise<BenchRow[]> {
  const snapshot = bigSnapshot();
  const contracts = loadContracts({ dir: contractsDir });
  const contract = contracts.findContract('feature_performance');
  if (!contract) throw new Error('feature_performance contract missing');
  const rows: BenchRow[] = [];
  rows.push(bench({
    name: 'loadContracts (feature_performance.yml)', unit: 'ms', workload: '1 file, 4 invariants', scale: 1e-6, repetitions: 9,
    run: () => { loadContracts({ dir: contractsDir }); },
  }));
  rows.push(bench({
    name: 'evaluate contract + format message', unit: 'µs', workload: 'snapshot of 10^6 samples', scale: 1e-3, repetitions: 9,
    run: () => {
      for (let k = 0; k < 100; k++) {
        for (const inv of contract.invariants) formatEvaluation(evaluateInvariant(contract, inv, snapshot));
      }
    },
    per: 100,
  }));
  rows.push(bench({
    name: 'record 10^6 samples ×3 + snapshot + evaluate', unit: 'ms', workload: '10^6 samples per recorder', scale: 1e-6, repetitions: 3,
    run: () => {
      const s = bigSnapshot();
      for (const inv of contract.invariants) evaluateInvariant(contract, inv, s);
    },
  }));
  return rows;
}
