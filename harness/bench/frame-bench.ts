/**
 * Drawing playback in real headless Chromium: the reference dashboard plays
 * the 1,200- and 10,000-stroke drawings in incremental and naive rendering,
 * each over a 500 ms warm-up plus a 4 s window (the whole drawing), three
 * windows a configuration. Reports `drawing_playback_fps` (the catalogue's
 * vsync definition), late frames after the warm-up, and the p99 frame
 * interval, as medians with min and max over the windows.
 * `npx tsx harness/bench/run.ts frame`. Without Chromium it reports nothing
 * and says why.
 */
import { startDashboardServer } from '../../reference/dashboard/dashboard-server.ts';
import { openFrameProbe } from '../probes/frame-probe.ts';
import { frameSnapshot } from '../probes/frame-probe-metrics.ts';
import { median, type BenchRow } from './bench-util.ts';

const DRAWINGS = ['artbot-1200', 'artbot-10000'] as const;
const MODES = ['incremental', 'naive'] as const;
const WARMUP_MS = 500;
const WINDOW_MS = 4000;
const REPETITIONS = 3;

function row(name: string, unit: string, workload: string, values: number[]): BenchRow {
  return { name, unit, workload, repetitions: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Runs every drawing × mode; one row each for fps, late frames and p99 interval. */
export async function run(): Promise<BenchRow[]> {
  const probe = await openFrameProbe();
  if (!probe.available) {
    console.error(`frame-bench: skipped, ${probe.reason}`);
    return [];
  }
  const server = await startDashboardServer();
  const rows: BenchRow[] = [];
  try {
    for (const drawing of DRAWINGS) {
      for (const render of MODES) {
        const fps: number[] = [];
        const late: number[] = [];
        const p99: number[] = [];
        for (let rep = 0; rep < REPETITIONS; rep++) {
          const m = await probe.measure({
            url: server.pageUrl({ drawing, render }), playback: true, warmupMs: WARMUP_MS, windowMs: WINDOW_MS,
            label: `frame-bench ${drawing} ${render}`,
          });
          const metrics = frameSnapshot(m, { kind: 'playback' }).snapshot.metrics;
          fps.push(metrics.drawing_playback_fps?.value ?? 0);
          late.push(metrics.drawing_playback_late_frames?.value ?? 0);
          p99.push(metrics['ui.frame_interval_p99_ms']?.value ?? 0);
          console.log(`frame-bench: ${drawing} ${render} window ${rep + 1}: ${fps.at(-1)!.toFixed(1)} fps, ${late.at(-1)} late, p99 ${p99.at(-1)!.toFixed(1)} ms`);
        }
        const workload = `${drawing}, ${render}, ${(WARMUP_MS + WINDOW_MS) / 1000} s playback, last ${WINDOW_MS / 1000} s measured`;
        rows.push(row('drawing_playback_fps', 'fps', workload, fps));
        rows.push(row('drawing_playback_late_frames', 'frames', workload, late));
        rows.push(row('ui.frame_interval_p99_ms', 'ms', workload, p99));
      }
    }
  } finally {
    await server.close();
    await probe.close();
  }
  return rows;
}
