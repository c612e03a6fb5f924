import { HilError } from '../errors.ts';
import { getMetricDefinition } from './catalogue.ts';
import { Counters } from './counters.ts';
import { FrameRecorder, type FrameRecorderOptions } from './frame-recorder.ts';
import { LatencyRecorder, type LatencyRecorderOptions } from './latency-recorder.ts';
import { MemoryRecorder, type MemoryRecorderOptions } from './memory-recorder.ts';
import { createSnapshot, type MetricsSnapshot, type MetricUnit, type MetricValue, type SnapshotContext } from './snapshot.ts';

/** Options of {@link MetricsCollector}. */
export interface MetricsCollectorOptions {
  /**
   * Accept metric names the catalogue does not list (default false). Off,
   * an unlisted name throws `HIL_METRIC_UNKNOWN` as soon as the recorder or
   * counter is created, so a typo fails at once instead of making an
   * invariant read "not evaluated" after a long run. Turn it on for ad-hoc
   * exploration only; listed names are still checked for their unit.
   */
  allowUnlisted?: boolean;
}

/** A handle on one counter of a collector. */
export interface CounterHandle {
  readonly name: string;
  /** Adds `by` (>= 0, default 1). */
  increment(by?: number): void;
  /** Current sum. */
  readonly value: number;
}

/** A handle on one gauge of a collector. */
export interface GaugeHandle {
  readonly name: string;
  /** Sets the value; `samples` = raw samples it summarises (default 1). */
  set(value: number, samples?: number): void;
  /** Sets `events / seconds of windowMs`, `samples` = events. */
  setRate(events: number, windowMs: number): void;
}

type Registered =
  | { kind: 'latency'; recorder: LatencyRecorder }
  | { kind: 'frames'; recorder: FrameRecorder }
  | { kind: 'playback'; recorder: FrameRecorder }
  | { kind: 'memory'; recorder: MemoryRecorder };

/**
 * Owns the named recorders of one measurement and turns them into a
 * {@link MetricsSnapshot}. Recorder accessors are get-or-create: the same
 * prefix returns the same recorder, and options apply only when it is
 * created. Every produced name must be in the metric catalogue (see
 * {@link MetricsCollectorOptions.allowUnlisted}) with the catalogue's unit.
 */
export class MetricsCollector {
  readonly allowUnlisted: boolean;
  /** The collector's counters and gauges (names are checked at snapshot time when used directly). */
  readonly counters = new Counters();
  #recorders = new Map<string, Registered>();

  constructor(options: MetricsCollectorOptions = {}) {
    this.allowUnlisted = options.allowUnlisted ?? false;
  }

  /** The latency recorder of `prefix` (default `websocket.latency`). */
  latency(prefix = 'websocket.latency', options: Omit<LatencyRecorderOptions, 'prefix'> = {}): LatencyRecorder {
    return this.#getOrCreate('latency', prefix, () => new LatencyRecorder({ ...options, prefix }));
  }

  /** The frame recorder of `prefix` (default `ui`), reported through `toMetrics`. */
  frames(prefix = 'ui', options: Omit<FrameRecorderOptions, 'prefix'> = {}): FrameRecorder {
    return this.#getOrCreate('frames', prefix, () => new FrameRecorder({ ...options, prefix }));
  }

  /**
   * The drawing-playback frame recorder, reported through
   * `toPlaybackMetrics` (`drawing_playback_fps`, ..., `stroke_count`: give
   * the stroke count with `setStrokeCount`).
   */
  playback(options: Omit<FrameRecorderOptions, 'prefix'> = {}): FrameRecorder {
    return this.#getOrCreate('playback', 'drawing_playback', () => new FrameRecorder(options));
  }

  /** The memory recorder of `prefix` (default `memory`) and scope (default `process`; `page` for a dashboard page). */
  memory(prefix = 'memory', options: Omit<MemoryRecorderOptions, 'prefix'> = {}): MemoryRecorder {
    const scope = options.scope ?? 'process';
    return this.#getOrCreate('memory', `${prefix}#${scope}`, () => new MemoryRecorder({ prefix, scope }));
  }

  /** A counter (reported at 0 until incremented). Throws `HIL_METRIC_UNKNOWN` for an unlisted name. */
  counter(name: string, unit: MetricUnit = 'count'): CounterHandle {
    this.#checkNames([name]);
    const counters = this.counters;
    counters.declareCounter(name, unit);
    return {
      name,
      increment: (by = 1) => counters.increment(name, by, unit),
      get value() { return counters.get(name)?.value ?? 0; },
    };
  }

  /** A gauge (absent until set). Throws `HIL_METRIC_UNKNOWN` for an unlisted name. */
  gauge(name: string, unit: MetricUnit): GaugeHandle {
    this.#checkNames([name]);
    const counters = this.counters;
    return {
      name,
      set: (value, samples) => counters.set(name, value, unit, samples),
      setRate: (events, windowMs) => counters.setRate(name, events, windowMs, unit),
    };
  }

  /**
   * Every metric of every recorder and counter, checked against the
   * catalogue. Throws `HIL_METRIC_UNKNOWN` for an unlisted name (unless
   * allowed), `HIL_METRIC_INVALID` for a unit that differs from the
   * catalogue's or a name produced twice.
   */
  metrics(): Record<string, MetricValue> {
    const out: Record<string, MetricValue> = {};
    const add = (metrics: Record<string, MetricValue>, from: string): void => {
      for (const [name, m] of Object.entries(metrics)) {
        if (name in out) {
          throw new HilError('HIL_METRIC_INVALID', `metric "${name}" is produced twice (again by ${from}); give one of the recorders another prefix`);
        }
        out[name] = m;
      }
    };
    for (const [key, r] of this.#recorders) {
      add(r.kind === 'playback' ? r.recorder.toPlaybackMetrics() : r.recorder.toMetrics(), `the ${r.kind} recorder "${key}"`);
    }
    add(this.counters.toMetrics(), 'the counters');
    this.#checkNames(Object.keys(out));
    for (const [name, m] of Object.entries(out)) {
      const def = getMetricDefinition(name);
      if (def && def.unit !== m.unit) {
        throw new HilError('HIL_METRIC_INVALID', `metric "${name}" was produced in ${m.unit} but the catalogue defines it in ${def.unit}; convert the value before recording it`);
      }
    }
    return out;
  }

  /** A snapshot of {@link metrics} with the given context (target, clock, seed, time). */
  snapshot(context: SnapshotContext = {}): MetricsSnapshot {
    return createSnapshot(this.metrics(), context);
  }

  /** Resets every recorder and forgets every counter; recorders stay registered. */
  reset(): void {
    for (const r of this.#recorders.values()) r.recorder.reset();
    this.counters.reset();
  }

  #getOrCreate<K extends Registered['kind'], R extends Extract<Registered, { kind: K }>['recorder']>(
    kind: K, prefix: string, create: () => R,
  ): R {
    const key = `${kind}:${prefix}`;
    const existing = this.#recorders.get(key);
    if (existing) return existing.recorder as R;
    const recorder = create();
    this.#checkNames(kind === 'playback' ? (recorder as FrameRecorder).playbackMetricNames() : recorder.metricNames());
    this.#recorders.set(key, { kind, recorder } as Registered);
    return recorder;
  }

  #checkNames(names: readonly string[]): void {
    if (this.allowUnlisted) return;
    const unknown = names.filter((n) => getMetricDefinition(n) === undefined);
    if (unknown.length > 0) {
      throw new HilError('HIL_METRIC_UNKNOWN', `metric name(s) ${unknown.map((n) => `"${n}"`).join(', ')} are not in the metric catalogue (harness/metrics/catalogue.ts); add a definition there, use a catalogued prefix, or create the collector with { allowUnlisted: true } for ad-hoc metrics`);
    }
  }
}
