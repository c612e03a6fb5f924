/**
 * Profile scopes for spec authors (the contract's profiling methodology):
 *
 *   import { profiler } from 'mbot-hil';
 *
 *   {
 *     using span = profiler.span('parse_telemetry');
 *     parse(frame);
 *   } // the scope's duration is recorded here, even when parse() throws
 *
 *   expect(profiler.snapshot()).toMeetInvariant('I-APP-007'); // e.g. profile.parse_telemetry_p99_ms <= 2
 *
 * Each span name gets a latency recorder (HDR histogram, 1 µs resolution)
 * whose metrics are `profile.<name>_p50_ms`, `_p95_ms`, `_p99_ms`,
 * `_max_ms`, `_mean_ms`, `_count` and `_unclosed` (catalogued as a family,
 * see `catalogue.ts`). Durations are read on the clock in force: the clock
 * given to {@link createProfiler}, else the virtual clock installed when the
 * span opened (virtual ms: a spec that advances its clock measures the
 * simulated time the scope took), else real time. One profiler measures on
 * one kind of clock; its snapshot says which.
 *
 * `using` is explicit resource management (TypeScript 5.2+): Node 20 has
 * `Symbol.dispose`, and Vitest, tsx and esbuild lower the declaration for it.
 */
import { installedVirtualClock } from '../clock/virtual-clock.ts';
import type { Clock, ClockKind } from '../clock/clock.ts';
import { natives } from '../clock/natives.ts';
import { HilError } from '../errors.ts';
import { SPAN_NAME } from './catalogue.ts';
import { LatencyRecorder } from './latency-recorder.ts';
import { createSnapshot, type MetricsSnapshot, type MetricValue, type SnapshotContext } from './snapshot.ts';

/** One open scope; closing it (disposal, or `end()`) records its duration once. */
export interface ProfileSpan extends Disposable {
  readonly name: string;
  /** True once the duration was recorded. */
  readonly closed: boolean;
  /** Ms on the span's clock since it opened (its recorded duration once closed). */
  readonly elapsedMs: number;
  /** Closes the span and returns its duration in ms; later calls (and disposals) return the same value and record nothing. */
  end(): number;
}

/** Options of {@link createProfiler}. */
export interface ProfilerOptions {
  /** Read durations on this clock; default: the clock in force when each span opens (see the module comment). */
  clock?: Clock;
}

interface Reading {
  kind: ClockKind;
  now(): number;
}

function clockInForce(fixed: Clock | undefined): Reading {
  if (fixed) return { kind: fixed.kind, now: () => fixed.monotonicMs() };
  const virtual = installedVirtualClock();
  if (virtual) return { kind: 'virtual', now: () => virtual.monotonicMs() };
  return { kind: 'wall', now: natives.performanceNow };
}

/** Named scope timers; see the module comment. */
export class Profiler {
  readonly #fixed: Clock | undefined;
  readonly #recorders = new Map<string, LatencyRecorder>();
  readonly #open = new Map<string, number>();
  #kind: ClockKind | undefined;
  #generation = 0;

  constructor(options: ProfilerOptions = {}) {
    this.#fixed = options.clock;
  }

  /** The kind of clock the spans were timed on; undefined before the first span. */
  get clockKind(): ClockKind | undefined {
    return this.#kind;
  }

  /**
   * Opens a span named `name` (one lower_snake segment, e.g.
   * `parse_telemetry`). Throws HIL_METRIC_INVALID for a bad name, and
   * HIL_CLOCK_MISUSE when the clock in force is of another kind than the
   * one earlier spans were timed on (call {@link reset}, or make a profiler
   * per clock).
   */
  span(name: string): ProfileSpan {
    if (typeof name !== 'string' || !SPAN_NAME.test(name)) {
      throw new HilError('HIL_METRIC_INVALID', `profiler.span(${JSON.stringify(name)}): a span name is one lower_snake segment such as 'parse_telemetry' (it becomes profile.<name>_p99_ms)`);
    }
    const clock = clockInForce(this.#fixed);
    if (this.#kind !== undefined && this.#kind !== clock.kind) {
      throw new HilError('HIL_CLOCK_MISUSE', `profiler.span('${name}'): earlier spans were timed on the ${this.#kind} clock and the ${clock.kind} clock is in force now; durations on two clocks cannot share a histogram. Call profiler.reset() first, or use createProfiler() per clock`);
    }
    this.#kind = clock.kind;
    const recorder = this.#recorderOf(name);
    this.#open.set(name, (this.#open.get(name) ?? 0) + 1);
    const generation = this.#generation;
    const startMs = clock.now();
    let durationMs: number | null = null;
    const end = (): number => {
      if (durationMs !== null) return durationMs;
      durationMs = Math.max(0, clock.now() - startMs);
      // A span that outlived reset() belongs to the forgotten histograms.
      if (generation === this.#generation) {
        recorder.record(durationMs);
        this.#open.set(name, (this.#open.get(name) ?? 1) - 1);
      }
      return durationMs;
    };
    return {
      name,
      get closed() { return durationMs !== null; },
      get elapsedMs() { return durationMs ?? Math.max(0, clock.now() - startMs); },
      end,
      [Symbol.dispose]: () => { end(); },
    };
  }

  /**
   * Times `fn` (sync or async) as one span of `name`; the span closes when
   * `fn` returns, resolves or throws.
   */
  async time<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    using _span = this.span(name);
    return await fn();
  }

  /** The recorder behind span `name`, undefined before its first span. */
  recorder(name: string): LatencyRecorder | undefined {
    return this.#recorders.get(name);
  }

  /** Every span's metrics (see the module comment); `_unclosed` counts spans open right now. */
  metrics(): Record<string, MetricValue> {
    const out: Record<string, MetricValue> = {};
    for (const [name, r] of this.#recorders) {
      Object.assign(out, r.toMetrics());
      const open = this.#open.get(name) ?? 0;
      out[r.droppedName] = { value: open, unit: 'count', samples: open };
    }
    return out;
  }

  /** A snapshot of {@link metrics}; its clock is the one the spans were timed on (unless `context` says otherwise). */
  snapshot(context: SnapshotContext = {}): MetricsSnapshot {
    return createSnapshot(this.metrics(), { clock: { kind: this.#kind ?? 'wall' }, ...context });
  }

  /** Forgets every span (open ones record nothing into the new histograms) and the clock kind. */
  reset(): void {
    this.#generation++;
    this.#recorders.clear();
    this.#open.clear();
    this.#kind = undefined;
  }

  #recorderOf(name: string): LatencyRecorder {
    let r = this.#recorders.get(name);
    if (!r) {
      r = new LatencyRecorder({ prefix: `profile.${name}`, droppedName: `profile.${name}_unclosed` });
      this.#recorders.set(name, r);
    }
    return r;
  }
}

/** A new profiler (see {@link Profiler}). */
export function createProfiler(options: ProfilerOptions = {}): Profiler {
  return new Profiler(options);
}

/** The shared profiler of this process (one per Vitest worker): `using span = profiler.span('name')`. */
export const profiler: Profiler = createProfiler();
