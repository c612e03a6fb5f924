/**
 * Turns a frame-probe measurement into a metrics snapshot through the
 * harness recorders, so the probe's numbers follow exactly the catalogue's
 * definitions (`ui.frame_rate` = displayHz × frames / Σvsyncs, late = over
 * 1.5 budgets, warm-up discarded), plus chart evidence and matcher options.
 *
 * Clock: always `wall`. requestAnimationFrame timestamps come from the
 * browser's real-time clock whatever clock drives the robot, and the report
 * must say which clock stamped the samples.
 */
import { frameEvidence, memoryEvidence, playbackEvidence } from '../metrics/evidence.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import type { MemorySample } from '../metrics/memory-recorder.ts';
import type { MetricsSnapshot, SnapshotContext } from '../metrics/snapshot.ts';
import type { FrameMeasurement, MeasureResult } from './frame-probe.ts';
import { recordNetworkMetrics } from './frame-probe-network.ts';

/** Options of {@link frameSnapshot}. */
export interface FrameSnapshotOptions {
  /** `ui`: ui.* and the page heap; `playback`: also drawing_playback_fps, drawing_playback_late_frames, stroke_count. */
  kind: 'ui' | 'playback';
  /** Target and seed of the run (the clock is always reported as `wall`, see above). */
  context?: Omit<SnapshotContext, 'clock' | 'evidence'>;
  /** Display refresh rate; default 60 (headless Chromium's). */
  displayHz?: number;
  /** Prefix of the report label, e.g. `incremental, artbot-1200`. */
  label?: string;
}

/** A snapshot ready for `toMeetInvariant`, with the options to pass it and a one-line summary. */
export interface FrameVerdictInput {
  snapshot: MetricsSnapshot;
  /**
   * `{ label }`. Never `allowMissing`: a missing metric fails the assertion.
   * Without a browser, check {@link FrameVerdictInput.unavailable} first and
   * skip the test with `skipNotEvaluated` (the invariant then reads "not
   * evaluated: no Chromium" and the gate fails).
   */
  meetOptions: { label: string };
  /** Why nothing was measured (e.g. `no Chromium: ...`); null when measured. */
  unavailable: string | null;
  /** e.g. `180 frames, 60.0 fps, 0 late, p99 16.9 ms, heap 3.1 MB`. */
  summary: string;
  /** Late frames after the warm-up (the retry rule reads it); null when unavailable. */
  lateFrames: number | null;
  /** What the page did besides rendering; null when unavailable. */
  page: Pick<MeasureResult, 'clicks' | 'telemetry' | 'pageErrors' | 'lock'> | null;
}

/**
 * Builds the snapshot of one measurement. Unavailable measurement: a
 * snapshot with no frame metrics (so every UI check reads "not evaluated"),
 * `unavailable` set to the reason, and no `allowMissing`: asserting on it
 * fails. `stroke_count` comes from the page only (its playback result or
 * its `mbotHil.ready`); a page that reports none leaves it missing, so
 * I-PERF-004 reads "not evaluated" rather than passing on a number the spec wrote.
 */
export function frameSnapshot(m: FrameMeasurement, options: FrameSnapshotOptions): FrameVerdictInput {
  const context = { ...options.context, clock: { kind: 'wall' as const } };
  if (!m.available) {
    const label = `not evaluated: ${m.reason}`;
    return { snapshot: new MetricsCollector().snapshot(context), meetOptions: { label }, unavailable: m.reason, summary: label, lateFrames: null, page: null };
  }
  const displayHz = options.displayHz ?? 60;
  const warmupMs = m.warmupMs;
  const ts = m.record.timestampsMs;
  const c = new MetricsCollector();
  const ui = c.frames('ui', { displayHz, warmupMs });
  ui.recordFrames(ts);
  for (const l of m.record.longAnimationFrames) ui.recordLongAnimationFrame(l.durationMs, l.startTimeMs);
  const samples: MemorySample[] = m.heap.map((h) => ({ atMs: h.atMs, heapUsedBytes: h.usedBytes, heapTotalBytes: h.totalBytes, afterGc: false }));
  const memory = c.memory('memory', { scope: 'page' });
  for (const s of samples) memory.record(s);
  recordNetworkMetrics(c, m.network);

  const strokeCount = m.playback?.strokeCount ?? m.strokeCount ?? undefined;
  const evidence: NonNullable<SnapshotContext['evidence']> = {
    frames: frameEvidence(ts, { displayHz, warmupMs }),
    ...(samples.length > 0 ? { memory: memoryEvidence(samples, { scope: 'page' }) } : {}),
  };
  if (options.kind === 'playback') {
    const playback = c.playback({ displayHz, warmupMs });
    playback.recordFrames(ts);
    if (strokeCount !== undefined) playback.setStrokeCount(strokeCount);
    evidence.playback = playbackEvidence(ts, { displayHz, warmupMs, strokesDrawn: m.record.strokesDrawn, ...(strokeCount !== undefined ? { strokeCount } : {}) });
  }
  const snapshot = c.snapshot({ ...context, evidence });
  const fps = ui.frameRate;
  const heapMb = memory.heapUsedMb;
  const summary = [
    `${ui.frames} frames`,
    fps === undefined ? 'no fps' : `${fps.toFixed(1)} fps`,
    `${ui.lateFrames} late`,
    `p99 ${(ui.intervalPercentileMs(99) ?? 0).toFixed(1)} ms`,
    ...(options.kind === 'playback' && strokeCount !== undefined ? [`${strokeCount} strokes`] : []),
    ...(heapMb !== undefined ? [`heap ${heapMb.toFixed(1)} MB`] : []),
    ...(m.clicks > 0 ? [`${m.clicks} clicks`] : []),
    ...(m.telemetry ? [`${m.telemetry.messages} telemetry msgs`] : []),
    ...(m.lock && !m.lock.held ? ['measured unlocked'] : []),
    ...(m.browser ? [m.browser] : []),
  ].join(', ');
  return {
    snapshot,
    meetOptions: { label: options.label ? `${options.label}: ${summary}` : summary },
    unavailable: null,
    summary,
    lateFrames: ui.lateFrames,
    page: { clicks: m.clicks, telemetry: m.telemetry, pageErrors: m.pageErrors, lock: m.lock },
  };
}
