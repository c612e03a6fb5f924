/**
 * The monitor's health report (`reports/monitor-<time>.json`, `.md`,
 * `.html`): healthy or not, each alert with its start, end, worst value and
 * time in violation, what could not be measured, and the metrics over time.
 * Plain JSON.
 */
import type { AlertRecord } from './alert-tracker.ts';

/** Exit codes of `mbot-hil monitor`. */
export const MONITOR_EXIT = Object.freeze({
  /** Every window measured what it watches and no alert fired. */
  healthy: 0,
  /** It could not start (companion unreachable, no browser, no inspector) or failed at run time. */
  error: 1,
  /** Bad options (nothing was started). */
  usage: 2,
  /** At least one alert fired during the run. */
  alerted: 3,
  /** No alert fired, but some windows could not measure a watched invariant (probe errors): health unknown for them. */
  unmeasured: 4,
});

/** A metric over the run: `[seconds since start, value]` points (downsampled to at most 500), with the lines to draw. */
export interface MetricSeries {
  metric: string;
  unit: string;
  points: [number, number][];
  /** Points of windows where an invariant checking this metric failed. */
  violations: [number, number][];
  /** Thresholds (invariants) and budgets (optimization targets) on this metric. */
  lines: { label: string; value: number; kind: 'threshold' | 'budget' }[];
  min: number;
  max: number;
  last: number;
}

/** An alert as the report shows it. */
export interface ReportedAlert extends AlertRecord {
  /** True when it was still open when the monitor stopped. */
  active: boolean;
  timeInViolationMs: number;
}

/** The whole health report. */
export interface HealthReport {
  schema: 'mbot-hil/monitor-health@1';
  healthy: boolean;
  exitCode: number;
  /** Why it is not healthy; empty when healthy. */
  reasons: string[];
  startedAt: string;
  endedAt: string;
  durationMs: number;
  windowMs: number;
  windows: number;
  stoppedBy: string;
  probes: string[];
  contracts: string[];
  watched: { id: string; name: string; contract: string; checks: string[] }[];
  unwatched: { id: string; name: string; contract: string; reason: string }[];
  alerts: ReportedAlert[];
  verdicts: Record<string, { pass: number; fail: number; notEvaluated: number }>;
  probeErrors: { window: number; probe: string; message: string }[];
  /** Probe errors in all (the list above keeps the first 200). */
  probeErrorCount: number;
  hookFailures: { invariant: string; window: number; failure: string; stderr: string }[];
  series: MetricSeries[];
}
