import { MetricsCollector } from '../metrics/collector.ts';
import { FrameRecorder } from '../metrics/frame-recorder.ts';
import { LatencyRecorder } from '../metrics/latency-recorder.ts';
import { BYTES_PER_MB } from '../metrics/memory-recorder.ts';
import { bench, seededRandom, type BenchRow } from './bench-util.ts';

const N = 1_000_000;

/** 10^6 latencies in ms, log-uniform between 0.2 ms and 200 ms (the range a WebSocket probe sees). */
function latencies(): Float64Array {
  const random = seededRandom(1);
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) out[i] = 0.2 * 1000 ** random();
  return out;
}

/** 10^6 rAF timestamps at 60 Hz with ±1 ms jitter and a missed vsync every 100 frames. */
function frameTimestamps(): Float64Array {
  const random = seededRandom(2);
  const out = new Float64Array(N);
  let t = 0;
  for (let i = 0; i < N; i++) {
    t += (i % 100 === 99 ? 2 : 1) * (1000 / 60) + (random() - 0.5) * 2;
    out[i] = t;
  }
  return out;
}

/** A collector holding 10^6 latencies, 10^6 frames, 10^6 playback frames and a 1 h soak of 1 Hz memory samples. */
function filledCollector(lat: Float64Array, frames: Float64Array): MetricsCollector {
  const c = new MetricsCollector();
  const latency = c.latency();
  for (let i = 0; i < N; i++) latency.record(lat[i] as number);
  const ui = c.frames();
  const playback = c.playback();
  for (let i = 0; i < N; i++) { ui.recordFrame(frames[i] as number); playback.recordFrame(frames[i] as number); }
  playback.setStrokeCount(1200);
  const memory = c.memory();
  for (let s = 0; s < 3600; s++) memory.record({ atMs: s * 1000, heapUsedBytes: (40 + s / 1000) * BYTES_PER_MB, afterGc: s % 10 === 0 });
  return c;
}

/**
 * Recording cost per sample of the latency and frame recorders (10^6
 * samples a repetition) and the time to build a snapshot from recorders
 * holding 10^6 samples each. Medians of 7 repetitions.
 */
export async function run(): Promise<BenchRow[]> {
  const lat = latencies();
  const frames = frameTimestamps();
  const rows: BenchRow[] = [];
  const workload = '10^6 samples';

  rows.push(bench({
    name: 'LatencyRecorder.record', unit: 'ns/sample', workload, per: N,
    setup: () => new LatencyRecorder(),
    run: (r) => { const rec = r as LatencyRecorder; for (let i = 0; i < N; i++) rec.record(lat[i] as number); },
  }));
  rows.push(bench({
    name: 'LatencyRecorder.recordFromIntended', unit: 'ns/sample', workload, per: N,
    setup: () => new LatencyRecorder(),
    run: (r) => { const rec = r as LatencyRecorder; for (let i = 0; i < N; i++) rec.recordFromIntended(i * 10, i * 10 + (lat[i] as number)); },
  }));
  rows.push(bench({
    name: 'FrameRecorder.recordFrame', unit: 'ns/frame', workload: '10^6 frames', per: N,
    setup: () => new FrameRecorder(),
    run: (r) => { const rec = r as FrameRecorder; for (let i = 0; i < N; i++) rec.recordFrame(frames[i] as number); },
  }));

  // Filling is slow relative to snapshotting, so one filled collector serves every repetition:
  // snapshot() only reads the recorders.
  const filled = filledCollector(lat, frames);
  rows.push(bench({
    name: 'MetricsCollector.snapshot', unit: 'ms', workload: '3 × 10^6 samples held', scale: 1e-6,
    run: () => { filled.snapshot(); },
  }));
  rows.push(bench({
    name: 'record + snapshot (latency only)', unit: 'ms', workload, scale: 1e-6, repetitions: 5,
    run: () => {
      const c = new MetricsCollector();
      const rec = c.latency();
      for (let i = 0; i < N; i++) rec.record(lat[i] as number);
      c.snapshot();
    },
  }));
  return rows;
}
