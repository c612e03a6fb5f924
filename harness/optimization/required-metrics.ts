/**
 * Resolves the names a contract's `profiling_requirements.metrics` lists
 * (`websocket_latency_p99`, `memory_heap_used`, `network_page_load_time`)
 * to catalogue metrics (`websocket.latency_p99_ms`, `memory.heap_used_mb`,
 * `network.page_load_ms`), and says whether a run produced each one.
 *
 * Resolution, first hit wins: the name itself when catalogued; the name
 * with its first `_` made a dot (`ui_frame_rate` -> `ui.frame_rate`),
 * as is or with a unit suffix (`_ms`, `_mb`, `_kb`, `_fps`, `_count`,
 * `_percent`); and a trailing `_time` read as `_ms`
 * (`network_page_load_time` -> `network.page_load_ms`).
 */
import { getMetricDefinition } from '../metrics/catalogue.ts';
import type { RequiredMetric } from './model.ts';

/** A metric value as reports carry it (the unit as text). */
export interface MeasuredValue {
  value: number;
  unit: string;
  samples: number;
}

const SUFFIXES = ['', '_ms', '_mb', '_kb', '_fps', '_count', '_percent'];

/** The catalogue metric `required` stands for, or null. */
export function resolveRequiredMetric(required: string): string | null {
  if (getMetricDefinition(required)) return required;
  const dot = required.indexOf('_');
  const candidates: string[] = [];
  const dotted = dot > 0 ? `${required.slice(0, dot)}.${required.slice(dot + 1)}` : required;
  for (const base of [dotted, dotted.replace(/_time$/u, '_ms')]) for (const s of SUFFIXES) candidates.push(`${base}${s}`);
  // Only exact catalogue entries: a family pattern would accept names no recorder makes.
  return candidates.find((c) => getMetricDefinition(c)?.name === c) ?? null;
}

/** The names listed under `profiling_requirements.metrics`; [] when there are none. */
export function requiredMetricNames(section: unknown): string[] {
  const metrics = (section as { metrics?: unknown } | null | undefined)?.metrics;
  return Array.isArray(metrics) ? metrics.filter((m): m is string => typeof m === 'string') : [];
}

/**
 * One row per required name of `contract`: its catalogue metric, and
 * whether any of `snapshots` (every metric record the run produced) carried
 * it, with how many and the range of values.
 */
export function requiredMetricRows(contract: string, section: unknown, snapshots: readonly Readonly<Record<string, MeasuredValue>>[]): RequiredMetric[] {
  return requiredMetricNames(section).map((required) => {
    const metric = resolveRequiredMetric(required);
    const values = metric ? snapshots.map((s) => s[metric]).filter((v): v is MeasuredValue => v !== undefined) : [];
    return {
      contract,
      required,
      metric,
      produced: values.length > 0,
      snapshots: values.length,
      min: values.length ? Math.min(...values.map((v) => v.value)) : null,
      max: values.length ? Math.max(...values.map((v) => v.value)) : null,
      unit: metric ? (values[0]?.unit ?? getMetricDefinition(metric)?.unit ?? null) : null,
    };
  });
}
