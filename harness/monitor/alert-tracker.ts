/**
 * The monitor's alert state: one alert per invariant at a time. A window
 * whose evaluation fails opens an alert (an `alert` event) unless one is
 * already open; later failing windows only update it (worst value, windows
 * in violation); the first passing window closes it (a `resolved` event).
 * A window that could not evaluate the invariant changes nothing: an open
 * alert stays open, a quiet invariant stays quiet. Pure: times are given.
 */
import type { InvariantEvaluation } from '../evaluation/model.ts';

/** The value that broke (or, once resolved, was worst for) an invariant's check. */
export interface AlertValue {
  /** The metric, or `(expression)` for a check that compares no lone metric with a number. */
  metric: string;
  value: number | null;
  unit: string;
  /** The operator with the metric on the left, e.g. `<=`. */
  op: string;
  threshold: number | null;
  check: string;
}

/** One alert, open or closed. */
export interface AlertRecord {
  invariant: string;
  name: string;
  contract: string;
  severity: string | null;
  /** The failing check's `failure_mode` (e.g. `alert`). */
  failureMode: string | null;
  remediation: string | null;
  /** Epoch ms at the start of the first violating window. */
  startedAtMs: number;
  /** Epoch ms at the start of the first passing window after it; null while open. */
  endedAtMs: number | null;
  startWindow: number;
  endWindow: number | null;
  /** Windows whose evaluation failed while it was open. */
  violatingWindows: number;
  first: AlertValue;
  worst: AlertValue;
}

/** What the monitor prints (and hands to `--on-alert` for `alert`). */
export interface AlertEvent {
  kind: 'alert' | 'resolved';
  window: number;
  atMs: number;
  alert: AlertRecord;
}

/** One evaluated window. */
export interface WindowEvaluations {
  window: number;
  startedAtMs: number;
  endedAtMs: number;
  evaluations: readonly InvariantEvaluation[];
}

/** The failing comparison with a metric and threshold, first in check order; null for a check without one. */
export function failingValue(e: InvariantEvaluation): AlertValue | null {
  for (const c of e.checks) {
    if (c.verdict !== 'fail') continue;
    for (const cmp of c.comparisons) {
      if (cmp.passed !== false || !cmp.metric || cmp.threshold === undefined) continue;
      const m = c.measured[cmp.metric];
      if (m) return { metric: cmp.metric, value: m.value, unit: m.unit, op: cmp.metricOp ?? cmp.op, threshold: cmp.threshold, check: c.check };
    }
  }
  return null;
}

function failingCheck(e: InvariantEvaluation): InvariantEvaluation['checks'][number] | undefined {
  return e.checks.find((c) => c.verdict === 'fail');
}

/** True when `b` is further on the wrong side of its threshold than `a` (same metric). */
function worse(a: AlertValue, b: AlertValue): boolean {
  if (a.metric !== b.metric || a.value === null || b.value === null) return false;
  return a.op.startsWith('<') ? b.value > a.value : a.op.startsWith('>') ? b.value < a.value : false;
}

/** See the module comment. */
export class AlertTracker {
  readonly #open = new Map<string, AlertRecord>();
  readonly #all: AlertRecord[] = [];

  /** Applies one window; returns the events it caused, in invariant order. */
  update(w: WindowEvaluations): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const e of w.evaluations) {
      const id = e.invariant.id;
      const open = this.#open.get(id);
      if (e.verdict === 'fail') {
        const value = failingValue(e) ?? { metric: '(expression)', value: null, unit: '', op: '', threshold: null, check: failingCheck(e)?.check ?? '' };
        if (open) {
          open.violatingWindows++;
          if (worse(open.worst, value)) open.worst = value;
          continue;
        }
        const check = failingCheck(e);
        const record: AlertRecord = {
          invariant: id, name: e.invariant.name, contract: e.contract.name, severity: e.invariant.severity,
          failureMode: check?.failureMode ?? null, remediation: check?.remediation ?? null,
          startedAtMs: w.startedAtMs, endedAtMs: null, startWindow: w.window, endWindow: null, violatingWindows: 1,
          first: value, worst: value,
        };
        this.#open.set(id, record);
        this.#all.push(record);
        events.push({ kind: 'alert', window: w.window, atMs: w.endedAtMs, alert: record });
      } else if (e.verdict === 'pass' && open) {
        open.endedAtMs = w.startedAtMs;
        open.endWindow = w.window;
        this.#open.delete(id);
        events.push({ kind: 'resolved', window: w.window, atMs: w.endedAtMs, alert: open });
      }
    }
    return events;
  }

  /** Invariant ids with an open alert. */
  get active(): string[] {
    return [...this.#open.keys()];
  }

  /** Every alert so far, in the order they opened. */
  get alerts(): readonly AlertRecord[] {
    return this.#all;
  }
}

/** Ms an alert has been (or was) in violation, up to `nowMs` while open. */
export function timeInViolationMs(a: AlertRecord, nowMs: number): number {
  return Math.max(0, (a.endedAtMs ?? nowMs) - a.startedAtMs);
}
