/**
 * `mbot-hil monitor`: run-time enforcement of a contract against a live
 * system. Each window it measures what it was pointed at (see
 * `window-probes.ts`), evaluates every invariant whose metrics those probes
 * produce, and prints one line. A failing invariant prints `ALERT <id>`
 * with the value, the threshold and the remediation once, when the
 * violation starts (`alert-tracker.ts`), and `RESOLVED <id>` when a window
 * passes again; `--on-alert` runs a command with the alert as JSON
 * (`alert-hook.ts`), `--history` appends one JSON object per window. At the
 * end of `--duration` or on Ctrl-C it prints and writes the health report
 * (`health-render.ts`) and resolves with the exit code (`MONITOR_EXIT`).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { natives } from '../clock/natives.ts';
import type { ContractSet, Invariant, LoadedContract } from '../contracts/types.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { formatNumber } from '../evaluation/format.ts';
import type { InvariantEvaluation } from '../evaluation/model.ts';
import { downsample } from '../metrics/evidence.ts';
import { getMetricDefinition } from '../metrics/catalogue.ts';
import { createSnapshot } from '../metrics/snapshot.ts';
import { parseOptimizationTargets } from '../optimization/targets.ts';
import { writeFileAtomic } from '../reporter/write-atomic.ts';
import { AlertTracker, timeInViolationMs, type AlertEvent, type AlertRecord } from './alert-tracker.ts';
import { runAlertHook } from './alert-hook.ts';
import { MONITOR_EXIT, type HealthReport, type MetricSeries } from './health-model.ts';
import { formatDuration, renderHealthHtml, renderHealthMarkdown } from './health-render.ts';
import type { MonitorOptions } from './monitor-options.ts';
import type { ProbeError, WindowProbes } from './window-probes.ts';

/** Where the monitor writes its lines. */
export interface MonitorIo {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
}

/** One invariant the probes can evaluate. */
interface Watched {
  contract: LoadedContract;
  invariant: Invariant;
}

/** Replaces control characters, so text from a contract or a URL cannot drive the terminal. */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/gu, '?');
}

const MAX_POINTS = 20_000;
const MAX_LISTED_ERRORS = 200;
/** Metrics drawn besides the ones invariants check, when measured. */
const CONTEXT_METRICS = ['websocket.latency_p50_ms', 'websocket.messages_per_s', 'network.page_load_ms', 'network.bundle_size_kb', 'memory.page_heap_used_mb', 'memory.rss_mb'];

/** Which invariants `produces` can evaluate, and why the others cannot. */
export function partitionInvariants(contracts: ContractSet, produces: ReadonlySet<string>): { watched: Watched[]; unwatched: { id: string; name: string; contract: string; reason: string }[] } {
  const watched: Watched[] = [];
  const unwatched: { id: string; name: string; contract: string; reason: string }[] = [];
  const option = (m: string): string => (m.startsWith('websocket.') ? '--companion' : m.startsWith('ui.') || m.startsWith('network.') || m.startsWith('memory.page_') ? '--dashboard' : m.startsWith('memory.') ? '--pid' : '');
  for (const contract of contracts.contracts) {
    for (const invariant of contract.invariants) {
      const missing = [...new Set(invariant.validation.flatMap((v) => v.compiled.metrics))].filter((m) => !produces.has(m));
      if (missing.length === 0) {
        watched.push({ contract, invariant });
        continue;
      }
      const how = [...new Set(missing.map(option).filter(Boolean))];
      unwatched.push({
        id: invariant.id, name: invariant.name, contract: contract.name,
        reason: `needs ${missing.join(', ')}${how.length ? `: give ${how.join(' and ')}` : ': no monitor probe produces it (a spec measures it)'}`,
      });
    }
  }
  return { watched, unwatched };
}

function verdictText(e: InvariantEvaluation): string {
  const head = e.verdict === 'pass' ? 'ok' : e.verdict === 'fail' ? 'FAIL' : 'n/a';
  if (e.verdict === 'not-evaluated') return `${e.invariant.id} n/a (missing ${e.missing.join(', ')})`;
  const parts: string[] = [];
  for (const c of e.checks) {
    for (const cmp of c.comparisons) {
      const m = cmp.metric ? c.measured[cmp.metric] : null;
      if (cmp.metric && m && cmp.threshold !== undefined) parts.push(`${cmp.metric} ${formatNumber(m.value)} ${m.unit} (${cmp.metricOp ?? cmp.op} ${formatNumber(cmp.threshold)})`);
    }
  }
  return `${e.invariant.id} ${head} ${parts.join(', ')}`.trimEnd();
}

function alertValueText(a: AlertRecord, which: 'first' | 'worst'): string {
  const v = a[which];
  return v.value === null ? `check \`${v.check}\` is false` : `${v.metric} = ${formatNumber(v.value)} ${v.unit}, threshold ${v.op} ${formatNumber(v.threshold)}`;
}

/** The JSON an `--on-alert` command reads on its standard input. */
export function alertPayload(e: AlertEvent, nowMs: number): Record<string, unknown> {
  const a = e.alert;
  return {
    schema: 'mbot-hil/monitor-alert@1',
    event: e.kind,
    invariant: a.invariant, name: a.name, contract: a.contract, severity: a.severity, failureMode: a.failureMode,
    metric: a.first.metric, value: a.first.value, unit: a.first.unit, op: a.first.op, threshold: a.first.threshold, check: a.first.check,
    remediation: a.remediation,
    window: e.window, startedAt: new Date(a.startedAtMs).toISOString(), at: new Date(nowMs).toISOString(),
  };
}

/** A run of the monitor (see the module comment). */
export class Monitor {
  readonly #tracker = new AlertTracker();
  readonly #series = new Map<string, { unit: string; points: [number, number][]; violations: [number, number][] }>();
  readonly #verdicts: HealthReport['verdicts'] = {};
  readonly #errors: HealthReport['probeErrors'] = [];
  #errorCount = 0;
  readonly #hookFailures: HealthReport['hookFailures'] = [];
  readonly #hooks = new Set<Promise<void>>();
  #windows = 0;
  #historyFailed = false;

  constructor(
    private readonly options: MonitorOptions,
    private readonly contracts: ContractSet,
    private readonly probes: WindowProbes,
    private readonly io: MonitorIo,
  ) {}

  /**
   * Runs windows until `--duration` passes or `stop` resolves (with the
   * signal's name); a window cut short by `stop` is dropped. Writes and
   * returns the health report.
   */
  async run(stop: Promise<string>): Promise<HealthReport> {
    const { watched, unwatched } = partitionInvariants(this.contracts, this.probes.produces);
    const startedAtMs = natives.Date.now();
    const o = this.options;
    this.io.out.write(`mbot-hil monitor: ${o.durationMs === null ? 'until Ctrl-C' : `for ${formatDuration(o.durationMs)}`}, ${formatDuration(o.windowMs)} windows\n`);
    for (const d of this.probes.descriptions) this.io.out.write(`  watching ${clean(d)}\n`);
    this.io.out.write(`  invariants: ${watched.map((w) => clean(w.invariant.id)).join(', ') || 'none'}\n`);
    for (const u of unwatched) this.io.out.write(`  not watched: ${clean(u.id)} (${clean(u.reason)})\n`);
    let stoppedBy: string | null = null;
    const stopped = stop.then((why) => { stoppedBy = why; return null; });

    while (stoppedBy === null && (o.durationMs === null || natives.Date.now() - startedAtMs < o.durationMs)) {
      const window = this.#windows + 1;
      const t0 = natives.Date.now();
      let measured: Awaited<ReturnType<WindowProbes['measure']>> | null;
      try {
        measured = await Promise.race([this.probes.measure(o.windowMs), stopped]);
      } catch (err) {
        // A probe that throws instead of reporting: the window is lost, the monitor goes on (after a window's pause, never in a tight loop).
        measured = { snapshot: createSnapshot({}, { clock: { kind: 'wall' } }), errors: [{ probe: 'monitor', message: (err as Error).message }] };
        await Promise.race([new Promise((r) => natives.setTimeout(r, o.windowMs)), stopped]);
        if (stoppedBy !== null) break;
      }
      if (measured === null) break;
      // A probe that gives up at once (a companion gone: connection refused at each window's reconnect) must
      // not turn the windows into a tight loop printing and appending thousands of lines a second: a window
      // lasts its length whatever the probes did in it. (A stop during that rest ends the loop after this
      // window: its measurement is complete.)
      const restMs = o.windowMs - (natives.Date.now() - t0);
      if (restMs > 0) await Promise.race([new Promise((r) => natives.setTimeout(r, restMs)), stopped]);
      const t1 = natives.Date.now();
      this.#windows = window;
      const evaluations = watched.map((w) => evaluateInvariant(w.contract, w.invariant, measured.snapshot, { label: `monitor window ${window}` }));
      const events = this.#tracker.update({ window, startedAtMs: t0, endedAtMs: t1, evaluations });
      this.#record(window, (t0 - startedAtMs) / 1000, measured.snapshot.metrics, evaluations, measured.errors);
      const line = [`window ${window} ${new Date(t1).toISOString()} ${formatDuration(t1 - t0)}`, ...evaluations.map(verdictText)];
      this.io.out.write(`${clean(line.join(' · '))}\n`);
      for (const e of measured.errors) this.io.err.write(`PROBE window ${window} ${e.probe}: ${clean(e.message)}\n`);
      for (const e of events) this.#announce(e, t1);
      this.#appendHistory(window, t0, t1, measured.snapshot.metrics, evaluations, events, measured.errors);
    }
    const endedAtMs = natives.Date.now();
    // Hooks are bounded by their timeout: wait for them so their failures reach the report.
    await Promise.allSettled([...this.#hooks]);
    const report = this.#report(watched, unwatched, startedAtMs, endedAtMs, stoppedBy ?? 'duration');
    this.#write(report, startedAtMs);
    return report;
  }

  #announce(e: AlertEvent, nowMs: number): void {
    const a = e.alert;
    if (e.kind === 'alert') {
      this.io.out.write(clean(`ALERT ${a.invariant} ${a.name}: ${alertValueText(a, 'first')} (window ${e.window}, severity ${a.severity ?? 'n/a'}, failure_mode ${a.failureMode ?? 'n/a'}). Remediation: ${a.remediation ?? 'none given in the contract'}`) + '\n');
      if (this.options.onAlert) this.#runHook(e, nowMs);
    } else {
      this.io.out.write(clean(`RESOLVED ${a.invariant} ${a.name} after ${formatDuration(timeInViolationMs(a, nowMs))} in violation over ${a.violatingWindows} window(s); worst ${alertValueText(a, 'worst')}`) + '\n');
    }
  }

  #runHook(e: AlertEvent, nowMs: number): void {
    const command = this.options.onAlert as string;
    const p = runAlertHook(command, alertPayload(e, nowMs), this.options.onAlertTimeoutMs).then((r) => {
      if (r.ok) return;
      this.#hookFailures.push({ invariant: e.alert.invariant, window: e.window, failure: r.failure ?? 'failed', stderr: r.stderr });
      this.io.err.write(`ON-ALERT FAILED ${clean(e.alert.invariant)} (window ${e.window}): HIL_ALERT_HOOK_FAILED: ${clean(r.failure ?? 'failed')}${r.stderr ? `: ${clean(r.stderr.trim().slice(-300))}` : ''}\n`);
    });
    this.#hooks.add(p);
    void p.finally(() => this.#hooks.delete(p));
  }

  #record(window: number, tSec: number, metrics: Record<string, { value: number; unit: string }>, evaluations: readonly InvariantEvaluation[], errors: readonly ProbeError[]): void {
    const failing = new Set<string>();
    for (const e of evaluations) {
      const v = (this.#verdicts[e.invariant.id] ??= { pass: 0, fail: 0, notEvaluated: 0 });
      if (e.verdict === 'pass') v.pass++;
      else if (e.verdict === 'fail') v.fail++;
      else v.notEvaluated++;
      if (e.verdict === 'fail') for (const c of e.checks) if (c.verdict === 'fail') for (const m of Object.keys(c.measured)) failing.add(m);
    }
    const drawn = new Set([...evaluations.flatMap((e) => e.checks.flatMap((c) => Object.keys(c.measured))), ...CONTEXT_METRICS]);
    for (const name of drawn) {
      const m = metrics[name];
      if (!m) continue;
      const s = this.#series.get(name) ?? { unit: m.unit, points: [], violations: [] };
      s.points.push([tSec, m.value]);
      if (failing.has(name)) s.violations.push([tSec, m.value]);
      // A monitor may run for days: past the bound, keep every other point (the chart downsamples anyway).
      if (s.points.length > MAX_POINTS) s.points = s.points.filter((_, i) => i % 2 === 0);
      if (s.violations.length > MAX_POINTS) s.violations = s.violations.filter((_, i) => i % 2 === 0);
      this.#series.set(name, s);
    }
    for (const e of errors) {
      this.#errorCount++;
      if (this.#errors.length < MAX_LISTED_ERRORS) this.#errors.push({ window, probe: e.probe, message: e.message });
    }
  }

  #appendHistory(window: number, t0: number, t1: number, metrics: Record<string, unknown>, evaluations: readonly InvariantEvaluation[], events: readonly AlertEvent[], errors: readonly ProbeError[]): void {
    if (!this.options.history) return;
    const invariants: Record<string, { verdict: string; missing: string[] }> = {};
    for (const e of evaluations) invariants[e.invariant.id] = { verdict: e.verdict, missing: e.missing };
    const line = {
      schema: 'mbot-hil/monitor-window@1', window, startedAt: new Date(t0).toISOString(), endedAt: new Date(t1).toISOString(), durationMs: t1 - t0,
      metrics, invariants, events: events.map((e) => ({ kind: e.kind, invariant: e.alert.invariant })), activeAlerts: this.#tracker.active, errors,
    };
    try {
      appendFileSync(this.options.history, `${JSON.stringify(line)}\n`);
    } catch (err) {
      if (!this.#historyFailed) this.io.err.write(`HISTORY ${clean(this.options.history)} not written: ${clean((err as Error).message)} (the monitor goes on)\n`);
      this.#historyFailed = true;
    }
  }

  #lines(metric: string, watched: readonly Watched[]): MetricSeries['lines'] {
    const lines: MetricSeries['lines'] = [];
    for (const w of watched) {
      for (const v of w.invariant.validation) {
        for (const c of v.compiled.comparisons) {
          if (c.metric === metric && c.threshold !== undefined) lines.push({ label: `${w.invariant.id} ${c.metricOp ?? c.op} ${formatNumber(c.threshold)}`, value: c.threshold, kind: 'threshold' });
        }
      }
    }
    for (const c of this.contracts.contracts) {
      for (const d of parseOptimizationTargets(c.sections.optimization_targets)) {
        for (const b of d.budgets) if (b.metric === metric) lines.push({ label: `${d.domain} budget ${b.direction === 'lower' ? '<=' : '>='} ${formatNumber(b.limit)}`, value: b.limit, kind: 'budget' });
      }
    }
    return lines;
  }

  #report(watched: readonly Watched[], unwatched: HealthReport['unwatched'], startedAtMs: number, endedAtMs: number, stoppedBy: string): HealthReport {
    const alerts = this.#tracker.alerts.map((a) => ({ ...a, active: a.endedAtMs === null, timeInViolationMs: timeInViolationMs(a, endedAtMs) }));
    const reasons: string[] = [];
    if (alerts.length > 0) reasons.push(`${alerts.length} alert(s): ${[...new Set(alerts.map((a) => a.invariant))].join(', ')}${alerts.some((a) => a.active) ? ' (some still active at the end)' : ''}`);
    if (this.#errorCount > 0) reasons.push(`${this.#errorCount} probe error(s): some windows could not measure what is watched`);
    if (this.#windows === 0) reasons.push('no window completed: nothing was measured');
    if (watched.length === 0) reasons.push('no invariant could be watched with the probes given');
    const exitCode = alerts.length > 0 ? MONITOR_EXIT.alerted : reasons.length > 0 ? MONITOR_EXIT.unmeasured : MONITOR_EXIT.healthy;
    const series: MetricSeries[] = [...this.#series.entries()].map(([metric, s]) => {
      const values = s.points.map(([, v]) => v);
      return {
        metric, unit: s.unit || (getMetricDefinition(metric)?.unit ?? ''),
        points: downsample(s.points, 500), violations: downsample(s.violations, 500),
        lines: this.#lines(metric, watched),
        min: Math.min(...values), max: Math.max(...values), last: values[values.length - 1] as number,
      };
    });
    return {
      schema: 'mbot-hil/monitor-health@1',
      healthy: exitCode === MONITOR_EXIT.healthy,
      exitCode,
      reasons,
      startedAt: new Date(startedAtMs).toISOString(),
      endedAt: new Date(endedAtMs).toISOString(),
      durationMs: endedAtMs - startedAtMs,
      windowMs: this.options.windowMs,
      windows: this.#windows,
      stoppedBy,
      probes: [...this.probes.descriptions],
      contracts: this.contracts.contracts.map((c) => `${c.name} (${c.header.name})`),
      watched: watched.map((w) => ({ id: w.invariant.id, name: w.invariant.name, contract: w.contract.name, checks: w.invariant.validation.map((v) => v.check) })),
      unwatched,
      alerts,
      verdicts: this.#verdicts,
      probeErrors: this.#errors,
      probeErrorCount: this.#errorCount,
      hookFailures: this.#hookFailures,
      series,
    };
  }

  #write(r: HealthReport, startedAtMs: number): void {
    const stamp = new Date(startedAtMs).toISOString().replace(/[:.]/gu, '-');
    const base = join(this.options.reportsDir, `monitor-${stamp}`);
    const files: string[] = [];
    try {
      writeFileAtomic(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
      files.push(`${base}.json`);
      writeFileAtomic(`${base}.md`, renderHealthMarkdown(r));
      files.push(`${base}.md`);
      writeFileAtomic(`${base}.html`, renderHealthHtml(r));
      files.push(`${base}.html`);
    } catch (err) {
      this.io.err.write(`error ${clean((err as Error).message)}\n`);
    }
    const summary = r.healthy
      ? `HEALTHY: ${r.windows} window(s), no alert`
      : `UNHEALTHY: ${r.reasons.join('; ')}`;
    this.io.out.write(`${clean(summary)}\n`);
    for (const a of r.alerts) {
      this.io.out.write(clean(`  ${a.invariant} ${a.name}: from ${new Date(a.startedAtMs).toISOString()} to ${a.active ? 'the end (still active)' : new Date(a.endedAtMs as number).toISOString()}, ${formatDuration(a.timeInViolationMs)} in violation, worst ${alertValueText(a, 'worst')}`) + '\n');
    }
    for (const f of files) this.io.out.write(`  report: ${clean(f)}\n`);
    this.io.out.write(`exit code ${r.exitCode}\n`);
  }
}
