import { describe, expect, it } from 'vitest';
import { FrameRecorder } from './frame-recorder.ts';

const BUDGET_60 = 1000 / 60;

/** rAF timestamps starting at `startMs` with the given intervals. */
function timestamps(intervalsMs: readonly number[], startMs = 1000): number[] {
  const out = [startMs];
  for (const d of intervalsMs) out.push((out.at(-1) as number) + d);
  return out;
}

/** Deterministic timer jitter of up to ±1.5 ms around the 60 Hz budget, never a missed vsync. */
function jitteredIntervals(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(BUDGET_60 + (i % 2 === 0 ? 1.5 : -1.5) * Math.sin(i));
  return out;
}

describe('FrameRecorder', () => {
  it('reads exactly 60 fps and no late frame for a page that never misses a vsync', () => {
    const r = new FrameRecorder();
    r.recordFrames(timestamps(new Array(600).fill(BUDGET_60)));
    const m = r.toMetrics();
    expect(m['ui.frame_rate']).toEqual({ value: 60, unit: 'fps', samples: 600 });
    expect(m['ui.late_frames']?.value).toBe(0);
    expect(m['ui.slow_renders']?.value).toBe(0);
    expect(m['ui.frames']?.value).toBe(600);
    expect(Math.abs((m['ui.frame_interval_p50_ms']?.value as number) - BUDGET_60)).toBeLessThan(0.01);
  });

  it('still reads exactly 60 under timer jitter, where mean fps by elapsed time does not', () => {
    const r = new FrameRecorder();
    r.recordFrames(timestamps(jitteredIntervals(600)));
    expect(r.frameRate).toBe(60);
    expect(r.lateFrames).toBe(0);
    expect(r.meanFps).not.toBe(60);
    expect(r.meanFps).toBeCloseTo(60, 0);
  });

  it('lowers the frame rate by one missed vsync to 60 × 60 / 61', () => {
    const r = new FrameRecorder();
    const intervals = new Array(60).fill(BUDGET_60);
    intervals[30] = 2 * BUDGET_60;
    r.recordFrames(timestamps(intervals));
    expect(r.frames).toBe(60);
    expect(r.vsyncs).toBe(61);
    expect(r.frameRate).toBe((60 * 60) / 61); // 59.016...
    expect(r.lateFrames).toBe(1);
    expect(r.toMetrics()['ui.frame_interval_max_ms']?.value).toBeCloseTo(2 * BUDGET_60, 3);
  });

  it('counts a 120 ms frame as 7 vsyncs, one late frame and one slow render', () => {
    const r = new FrameRecorder();
    const intervals = new Array(59).fill(BUDGET_60);
    intervals.push(120);
    r.recordFrames(timestamps(intervals));
    expect(r.vsyncs).toBe(59 + 7);
    expect(r.frameRate).toBe((60 * 60) / 66);
    expect(r.lateFrames).toBe(1);
    expect(r.slowRenders).toBe(1);
    expect(r.slowRenderSource).toBe('intervals');
  });

  it('calls an interval late only past 1.5 budgets (halves round down)', () => {
    const r = new FrameRecorder({ displayHz: 50 }); // 20 ms budget: exact in binary arithmetic
    r.recordFrames(timestamps([20, 30, 20, 30.001]));
    expect(r.vsyncs).toBe(1 + 1 + 1 + 2);
    expect(r.lateFrames).toBe(1);
  });

  it('discards a frame-count warm-up', () => {
    const r = new FrameRecorder({ warmupFrames: 10 });
    // Ten slow frames while the page loads, then a perfect 60 Hz.
    r.recordFrames(timestamps([...new Array(10).fill(100), ...new Array(120).fill(BUDGET_60)]));
    expect(r.warmupDiscarded).toBe(10);
    expect(r.frames).toBe(120);
    expect(r.frameRate).toBe(60);
    expect(r.lateFrames).toBe(0);
  });

  it('discards a time-based warm-up, judged from the first timestamp', () => {
    const r = new FrameRecorder({ warmupMs: 500 });
    r.recordFrames(timestamps([...new Array(5).fill(100), ...new Array(60).fill(BUDGET_60)]));
    // Frames at +0..+400 ms are warm-up; the one at +500 ms is the first kept.
    expect(r.warmupDiscarded).toBe(5);
    expect(r.frames).toBe(60);
    expect(r.frameRate).toBe(60);
  });

  it('counts Long Animation Frame entries instead of long intervals once the probe records any', () => {
    const r = new FrameRecorder({ warmupFrames: 1 });
    r.recordLongAnimationFrame(80); // during warm-up: dropped
    r.recordFrames(timestamps([BUDGET_60, 60, BUDGET_60], 0));
    r.recordLongAnimationFrame(70, 5); // started before the first kept frame (16.7 ms): dropped
    r.recordLongAnimationFrame(55, 20);
    r.recordLongAnimationFrame(50, 40); // not over 50 ms
    expect(r.slowRenderSource).toBe('long-animation-frames');
    expect(r.slowRenders).toBe(1);
    expect(r.toMetrics()['ui.slow_renders']?.value).toBe(1);
  });

  it('reads exactly 30 on a 30 Hz display', () => {
    const r = new FrameRecorder({ displayHz: 30 });
    r.recordFrames(timestamps(new Array(90).fill(1000 / 30)));
    expect(r.frameRate).toBe(30);
  });

  it('produces only ui.frames = 0 without intervals, and playback metrics with the same definition', () => {
    const empty = new FrameRecorder();
    empty.recordFrame(5);
    expect(empty.toMetrics()).toEqual({ 'ui.frames': { value: 0, unit: 'count', samples: 0 } });
    expect(empty.toPlaybackMetrics(1200)).toEqual({ stroke_count: { value: 1200, unit: 'count', samples: 1 } });
    expect(empty.toPlaybackMetrics()).toEqual({});

    const r = new FrameRecorder();
    const intervals = new Array(60).fill(BUDGET_60);
    intervals[10] = 2 * BUDGET_60;
    r.recordFrames(timestamps(intervals));
    r.setStrokeCount(1200);
    expect(r.toPlaybackMetrics()).toEqual({
      stroke_count: { value: 1200, unit: 'count', samples: 1 },
      drawing_playback_fps: { value: (60 * 60) / 61, unit: 'fps', samples: 60 },
      drawing_playback_late_frames: { value: 1, unit: 'count', samples: 60 },
    });
    expect(r.toMetrics('ui')['ui.frame_rate']?.value).toBe(r.toPlaybackMetrics().drawing_playback_fps?.value);
  });

  it('ignores a repeated timestamp, rejects an earlier one and bad options', () => {
    const r = new FrameRecorder();
    r.recordFrames([0, 16, 16, 32]);
    expect(r.duplicateTimestamps).toBe(1);
    expect(r.frames).toBe(2);
    expect(() => r.recordFrame(10)).toThrow(expect.objectContaining({ code: 'HIL_METRIC_INVALID' }));
    expect(() => r.recordFrame(Number.NaN)).toThrow(expect.objectContaining({ code: 'HIL_METRIC_INVALID' }));
    expect(() => new FrameRecorder({ warmupMs: 100, warmupFrames: 3 })).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID' }));
    expect(() => new FrameRecorder({ displayHz: 0 })).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID' }));
    expect(() => r.setStrokeCount(-1)).toThrow(expect.objectContaining({ code: 'HIL_METRIC_INVALID' }));
  });

  it('starts a new warm-up after reset', () => {
    const r = new FrameRecorder({ warmupFrames: 2 });
    r.recordFrames(timestamps(new Array(10).fill(BUDGET_60)));
    r.reset();
    expect(r.frames).toBe(0);
    r.recordFrames(timestamps(new Array(5).fill(BUDGET_60), 0));
    expect(r.warmupDiscarded).toBe(2);
    expect(r.frames).toBe(3);
  });
});
