import { HilError } from '../errors.ts';
import { METRIC_NAME, type MetricUnit, type MetricValue } from './snapshot.ts';

interface Entry {
  kind: 'counter' | 'gauge';
  value: number;
  unit: MetricUnit;
  samples: number;
}

/**
 * Named counters (monotonic sums) and gauges (last value set), each
 * producing one metric. A name keeps the kind and unit it was first used
 * with; using it otherwise throws `HIL_METRIC_INVALID`, because a counter
 * silently turned gauge would report nonsense.
 */
export class Counters {
  #entries = new Map<string, Entry>();

  /**
   * Adds `by` (finite, >= 0; default 1) to counter `name` (created at 0).
   * The metric's `samples` is the number of increments, e.g. messages for
   * `websocket.bytes_on_wire`.
   */
  increment(name: string, by = 1, unit: MetricUnit = 'count'): void {
    if (!(Number.isFinite(by) && by >= 0)) {
      throw new HilError('HIL_METRIC_INVALID', `counter "${name}" incremented by ${String(by)}; a counter only grows: pass a finite number >= 0, or use set() for a gauge`);
    }
    const e = this.#entry(name, 'counter', unit);
    e.value += by;
    e.samples++;
  }

  /**
   * Creates counter `name` at 0 (0 samples) unless it exists, so that a
   * counter that never fired reports 0 rather than being absent.
   */
  declareCounter(name: string, unit: MetricUnit = 'count'): void {
    this.#entry(name, 'counter', unit);
  }

  /** Sets gauge `name` to `value` (finite) in `unit`; `samples` is how many raw samples it summarises (default 1). */
  set(name: string, value: number, unit: MetricUnit, samples = 1): void {
    if (!Number.isFinite(value)) {
      throw new HilError('HIL_METRIC_INVALID', `gauge "${name}" set to ${String(value)}; a gauge value must be a finite number`);
    }
    const e = this.#entry(name, 'gauge', unit);
    e.value = value;
    e.samples = Math.max(0, Math.trunc(samples));
  }

  /**
   * Sets gauge `name` to `events / (windowMs / 1000)` per second (e.g.
   * `websocket.messages_per_s`), with `samples` = events. Throws
   * `HIL_METRIC_INVALID` for a window that is not > 0 ms.
   */
  setRate(name: string, events: number, windowMs: number, unit: MetricUnit = 'msg/s'): void {
    if (!(windowMs > 0 && Number.isFinite(windowMs))) {
      throw new HilError('HIL_METRIC_INVALID', `rate "${name}" over a window of ${String(windowMs)} ms; the window must be a finite number of ms > 0`);
    }
    this.set(name, events / (windowMs / 1000), unit, events);
  }

  /** Current value of `name` as a metric, or `undefined` when never used. */
  get(name: string): MetricValue | undefined {
    const e = this.#entries.get(name);
    return e && { value: e.value, unit: e.unit, samples: e.samples };
  }

  /** Names in first-use order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Starts a new window: counters go back to 0 (0 samples) and are still
   * reported, as declared ones are; gauges are forgotten until set again.
   */
  reset(): void {
    for (const [name, e] of this.#entries) {
      if (e.kind === 'gauge') this.#entries.delete(name);
      else { e.value = 0; e.samples = 0; }
    }
  }

  /** One metric per name used so far. */
  toMetrics(): Record<string, MetricValue> {
    const out: Record<string, MetricValue> = {};
    for (const [name, e] of this.#entries) out[name] = { value: e.value, unit: e.unit, samples: e.samples };
    return out;
  }

  #entry(name: string, kind: Entry['kind'], unit: MetricUnit): Entry {
    let e = this.#entries.get(name);
    if (!e) {
      if (!METRIC_NAME.test(name)) {
        throw new HilError('HIL_METRIC_INVALID', `metric name "${name}" is not dotted lower_snake_case (e.g. websocket.bytes_on_wire); rename it`);
      }
      e = { kind, value: 0, unit, samples: 0 };
      this.#entries.set(name, e);
    } else if (e.kind !== kind || e.unit !== unit) {
      throw new HilError('HIL_METRIC_INVALID', `"${name}" is a ${e.kind} in ${e.unit}; it cannot be used as a ${kind} in ${unit}`);
    }
    return e;
  }
}
