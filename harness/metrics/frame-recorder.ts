import type { Histogram } from 'hdr-histogram-js';
import { HilError } from '../errors.ts';
import type { MetricValue } from './snapshot.ts';
import { createUsHistogram, msToUs, US_PER_MS, valueAtPercentileMs } from './hdr-us.ts';

/** A long animation frame, as the Long Animation Frames API defines it: over 50 ms. */
export const LONG_ANIMATION_FRAME_MS = 50;

/**
 * Options of {@link FrameRecorder}. Give at most one of `warmupMs` and
 * `warmupFrames`; with neither, nothing is discarded (the frame probe picks
 * the warm-up, since only it knows when the page settled).
 */
export interface FrameRecorderOptions {
  /** Refresh rate of the display in Hz (> 0); default 60. The frame budget is `1000 / displayHz` ms. */
  displayHz?: number;
  /** Discard frames whose timestamp is less than `warmupMs` after the first one. */
  warmupMs?: number;
  /** Discard the first `warmupFrames` frames. */
  warmupFrames?: number;
  /** Metric name prefix of {@link FrameRecorder.toMetrics}; default `ui`. */
  prefix?: string;
}

/** Where `slowRenders` comes from: recorded LoAF entries, or rAF intervals over 50 ms. */
export type SlowRenderSource = 'long-animation-frames' | 'intervals';

/**
 * Frame metrics from requestAnimationFrame timestamps (ms, high resolution,
 * one per frame, from the page's clock).
 *
 * Definitions (the catalogue states the same): budget = 1000 / displayHz;
 * after the warm-up, each interval between consecutive frames spans
 * vsyncs = max(1, interval / budget rounded to nearest, halves down);
 * **frame rate = displayHz × frames / Σvsyncs**, so a page that never misses
 * a vsync reads exactly displayHz and each missed vsync lowers it (mean fps
 * by elapsed time would read 59.99 from timer jitter and fail `>= 60`).
 * A late frame is an interval over 1.5 budgets, i.e. vsyncs >= 2.
 */
export class FrameRecorder {
  readonly displayHz: number;
  /** Frame budget in ms: `1000 / displayHz`. */
  readonly budgetMs: number;
  readonly prefix: string;
  readonly #warmupMs: number | undefined;
  readonly #warmupFrames: number | undefined;
  #histogram: Histogram = createUsHistogram();
  #firstMs: number | undefined;
  #referenceMs: number | undefined;
  #lastMs: number | undefined;
  #discarded = 0;
  #duplicates = 0;
  #frames = 0;
  #vsyncs = 0;
  #late = 0;
  #slowIntervals = 0;
  #loafs: number | undefined;
  #strokeCount: number | undefined;

  constructor(options: FrameRecorderOptions = {}) {
    const { displayHz = 60, warmupMs, warmupFrames, prefix = 'ui' } = options;
    if (!(displayHz > 0) || !Number.isFinite(displayHz)) {
      throw new HilError('HIL_CONFIG_INVALID', `displayHz ${String(displayHz)} must be a finite number > 0 (e.g. 60)`);
    }
    if (warmupMs !== undefined && warmupFrames !== undefined) {
      throw new HilError('HIL_CONFIG_INVALID', 'give either warmupMs or warmupFrames to the frame recorder, not both');
    }
    if (warmupMs !== undefined && !(warmupMs >= 0 && Number.isFinite(warmupMs))) {
      throw new HilError('HIL_CONFIG_INVALID', `warmupMs ${String(warmupMs)} must be a finite number >= 0`);
    }
    if (warmupFrames !== undefined && !(Number.isInteger(warmupFrames) && warmupFrames >= 0)) {
      throw new HilError('HIL_CONFIG_INVALID', `warmupFrames ${String(warmupFrames)} must be a whole number >= 0`);
    }
    this.displayHz = displayHz;
    this.budgetMs = 1000 / displayHz;
    this.prefix = prefix;
    this.#warmupMs = warmupMs;
    this.#warmupFrames = warmupFrames;
  }

  /**
   * Records one requestAnimationFrame timestamp in ms. A timestamp equal to
   * the previous one is a second callback in the same frame and is ignored
   * (counted in `duplicateTimestamps`); an earlier one throws
   * `HIL_METRIC_INVALID` (two clocks mixed, or frames sent out of order).
   */
  recordFrame(timestampMs: number): void {
    if (!Number.isFinite(timestampMs)) {
      throw new HilError('HIL_METRIC_INVALID', `frame timestamp ${String(timestampMs)} is not a finite number of ms`);
    }
    if (this.#firstMs === undefined) this.#firstMs = timestampMs;
    const previousMs = this.#lastMs;
    if (previousMs !== undefined) {
      if (timestampMs === previousMs) { this.#duplicates++; return; }
      if (timestampMs < previousMs) {
        throw new HilError('HIL_METRIC_INVALID', `frame timestamp ${timestampMs} ms is earlier than the previous one (${previousMs} ms); record one clock's timestamps in order`);
      }
    }
    this.#lastMs = timestampMs;
    if (this.#referenceMs === undefined) {
      if (this.#inWarmup(timestampMs)) { this.#discarded++; return; }
      this.#referenceMs = timestampMs;
      return;
    }
    this.#recordInterval(timestampMs - (previousMs as number));
  }

  /** Records a batch of timestamps in order (as a page probe delivers them). */
  recordFrames(timestampsMs: readonly number[]): void {
    for (const t of timestampsMs) this.recordFrame(t);
  }

  /**
   * Records one Long Animation Frame entry (`PerformanceLongAnimationFrameTiming`).
   * From the first call on, `slowRenders` counts these entries over 50 ms
   * instead of long rAF intervals. An entry during the warm-up (before the
   * first kept frame, judged by `startTimeMs` when given) is discarded.
   */
  recordLongAnimationFrame(durationMs: number, startTimeMs?: number): void {
    msToUs(durationMs, 'long animation frame duration');
    this.#loafs ??= 0;
    const ref = this.#referenceMs;
    if (ref === undefined || (startTimeMs !== undefined && startTimeMs < ref)) return;
    if (durationMs > LONG_ANIMATION_FRAME_MS) this.#loafs++;
  }

  /** Number of strokes of the drawing being played back, for {@link toPlaybackMetrics}. */
  setStrokeCount(strokeCount: number): void {
    if (!Number.isInteger(strokeCount) || strokeCount < 0) {
      throw new HilError('HIL_METRIC_INVALID', `stroke count ${String(strokeCount)} must be a whole number >= 0`);
    }
    this.#strokeCount = strokeCount;
  }

  /** Intervals measured after the warm-up. */
  get frames(): number { return this.#frames; }
  /** Frames discarded as warm-up (including the first frame of a time-based warm-up). */
  get warmupDiscarded(): number { return this.#discarded; }
  /** Timestamps ignored because they repeated the previous one. */
  get duplicateTimestamps(): number { return this.#duplicates; }
  /** Intervals over 1.5 budgets (vsyncs >= 2). */
  get lateFrames(): number { return this.#late; }
  /** Σvsyncs over the measured intervals. */
  get vsyncs(): number { return this.#vsyncs; }
  /** Which data `slowRenders` counts. */
  get slowRenderSource(): SlowRenderSource { return this.#loafs === undefined ? 'intervals' : 'long-animation-frames'; }
  /** Long animation frames over 50 ms (see {@link slowRenderSource}). */
  get slowRenders(): number { return this.#loafs ?? this.#slowIntervals; }
  /** Frame rate in fps, `displayHz × frames / Σvsyncs`; `undefined` before the first interval. */
  get frameRate(): number | undefined {
    return this.#frames === 0 ? undefined : (this.displayHz * this.#frames) / this.#vsyncs;
  }
  /** Frames per second of elapsed time after the warm-up; informational, not the contract metric. */
  get meanFps(): number | undefined {
    if (this.#frames === 0) return undefined;
    return this.#frames / (((this.#lastMs as number) - (this.#referenceMs as number)) / 1000);
  }
  /** Interval at percentile `p` in ms (HDR, 1 µs resolution), `undefined` before the first interval. */
  intervalPercentileMs(p: number): number | undefined {
    return valueAtPercentileMs(this.#histogram, p);
  }
  /** Longest interval in ms, `undefined` before the first interval. */
  get maxIntervalMs(): number | undefined {
    return this.#frames === 0 ? undefined : this.#histogram.maxValue / US_PER_MS;
  }

  /** Forgets every frame, LoAF entry and the stroke count; a new warm-up starts. */
  reset(): void {
    this.#histogram.reset();
    this.#firstMs = this.#referenceMs = this.#lastMs = this.#loafs = this.#strokeCount = undefined;
    this.#discarded = this.#duplicates = this.#frames = this.#vsyncs = this.#late = this.#slowIntervals = 0;
  }

  /** Every name {@link toMetrics} can produce with `prefix`. */
  metricNames(prefix = this.prefix): string[] {
    return ['frame_rate', 'mean_fps', 'frame_interval_p50_ms', 'frame_interval_p99_ms', 'frame_interval_max_ms', 'late_frames', 'frames', 'slow_renders']
      .map((s) => `${prefix}.${s}`);
  }

  /** Every name {@link toPlaybackMetrics} can produce. */
  playbackMetricNames(): string[] {
    return ['drawing_playback_fps', 'drawing_playback_late_frames', 'stroke_count'];
  }

  /**
   * `<prefix>.frame_rate`, `.mean_fps` (fps), `.frame_interval_p50_ms`,
   * `_p99_ms`, `_max_ms` (ms), `.late_frames`, `.frames`, `.slow_renders`
   * (count); `samples` = frames. With no interval measured only
   * `<prefix>.frames` = 0 appears, so invariants read "not evaluated".
   */
  toMetrics(prefix = this.prefix): Record<string, MetricValue> {
    const samples = this.#frames;
    const out: Record<string, MetricValue> = { [`${prefix}.frames`]: { value: samples, unit: 'count', samples } };
    if (samples === 0) return out;
    out[`${prefix}.frame_rate`] = { value: this.frameRate as number, unit: 'fps', samples };
    out[`${prefix}.mean_fps`] = { value: this.meanFps as number, unit: 'fps', samples };
    out[`${prefix}.frame_interval_p50_ms`] = { value: this.intervalPercentileMs(50) as number, unit: 'ms', samples };
    out[`${prefix}.frame_interval_p99_ms`] = { value: this.intervalPercentileMs(99) as number, unit: 'ms', samples };
    out[`${prefix}.frame_interval_max_ms`] = { value: this.maxIntervalMs as number, unit: 'ms', samples };
    out[`${prefix}.late_frames`] = { value: this.#late, unit: 'count', samples };
    out[`${prefix}.slow_renders`] = { value: this.slowRenders, unit: 'count', samples };
    return out;
  }

  /**
   * Playback metrics over the frames recorded: `drawing_playback_fps` (the
   * frame-rate definition above), `drawing_playback_late_frames`, and
   * `stroke_count` (from the argument or {@link setStrokeCount}; absent when
   * neither gave one; `samples` 1). Without intervals only `stroke_count` appears.
   */
  toPlaybackMetrics(strokeCount: number | undefined = this.#strokeCount): Record<string, MetricValue> {
    if (strokeCount !== undefined && !(Number.isInteger(strokeCount) && strokeCount >= 0)) {
      throw new HilError('HIL_METRIC_INVALID', `stroke count ${String(strokeCount)} must be a whole number >= 0`);
    }
    const out: Record<string, MetricValue> = {};
    if (strokeCount !== undefined) out.stroke_count = { value: strokeCount, unit: 'count', samples: 1 };
    const samples = this.#frames;
    if (samples === 0) return out;
    out.drawing_playback_fps = { value: this.frameRate as number, unit: 'fps', samples };
    out.drawing_playback_late_frames = { value: this.#late, unit: 'count', samples };
    return out;
  }

  #inWarmup(timestampMs: number): boolean {
    if (this.#warmupFrames !== undefined) return this.#discarded < this.#warmupFrames;
    if (this.#warmupMs !== undefined && this.#warmupMs > 0) return timestampMs - (this.#firstMs as number) < this.#warmupMs;
    return false;
  }

  #recordInterval(intervalMs: number): void {
    this.#histogram.recordValue(msToUs(intervalMs, 'frame interval'));
    // Halves round down so that "late" (over 1.5 budgets) is exactly "missed a vsync".
    const vsyncs = Math.max(1, Math.ceil(intervalMs / this.budgetMs - 0.5));
    this.#frames++;
    this.#vsyncs += vsyncs;
    if (vsyncs >= 2) this.#late++;
    if (intervalMs > LONG_ANIMATION_FRAME_MS) this.#slowIntervals++;
  }
}
