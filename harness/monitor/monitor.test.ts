import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { createSnapshot, type MetricUnit } from '../metrics/snapshot.ts';
import type { HealthReport } from './health-model.ts';
import { clean, Monitor } from './monitor.ts';
import { parseMonitorOptions, type MonitorOptions } from './monitor-options.ts';
import type { ProbeError, WindowProbes } from './window-probes.ts';

const REPO = resolve(import.meta.dirname, '../..');
const contracts = loadContracts({ dir: resolve(REPO, 'contracts') });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'hil-monitor-'));

type Window = { metrics: Record<string, [number, MetricUnit]>; errors?: ProbeError[] } | 'throw';

/** Probes that return the given windows in order, each after `ms` real ms; `produces` the companion's metrics and the page's frame rate. */
function scripted(windows: Window[], ms = 5): WindowProbes & { measured: () => number } {
  let i = 0;
  return {
    produces: new Set(['websocket.latency_p99_ms', 'websocket.latency_p50_ms', 'ui.frame_rate', 'network.page_load_ms']),
    descriptions: ['companion ws://127.0.0.1:1/ (scripted)'],
    measured: () => i,
    async measure() {
      await new Promise((r) => setTimeout(r, ms));
      const w = windows[Math.min(i++, windows.length - 1)] as Window;
      if (w === 'throw') throw new Error('probe blew up');
      const metrics = Object.fromEntries(Object.entries(w.metrics).map(([k, [value, unit]]) => [k, { value, unit, samples: 50 }]));
      return { snapshot: createSnapshot(metrics, { target: { kind: 'external' } }), errors: w.errors ?? [] };
    },
    async close() {},
  };
}

function options(over: Partial<MonitorOptions> = {}): MonitorOptions {
  return {
    companion: 'ws://127.0.0.1:1/', token: null, dashboard: null, pid: null, windowMs: 200, durationMs: null, history: null,
    onAlert: null, onAlertTimeoutMs: 2000, clients: 1, contractFile: null, contractsDir: contracts.dir, reportsDir: tmp(), ...over,
  };
}

function sink() {
  let out = '';
  let err = '';
  return { io: { out: { write: (s: string) => { out += s; } }, err: { write: (s: string) => { err += s; } } }, out: () => out, err: () => err };
}

const ok = (p99: number, fps = 60): Window => ({ metrics: { 'websocket.latency_p99_ms': [p99, 'ms'], 'websocket.latency_p50_ms': [p99 / 3, 'ms'], 'ui.frame_rate': [fps, 'fps'], 'network.page_load_ms': [700, 'ms'] } });

/** Runs the monitor for `n` windows (a stop after the n-th). */
async function runWindows(windows: Window[], n: number, over: Partial<MonitorOptions> = {}) {
  const probes = scripted(windows);
  const s = sink();
  const o = options(over);
  let stop: (why: string) => void = () => {};
  const stopped = new Promise<string>((r) => { stop = r; });
  const watch = setInterval(() => { if (probes.measured() >= n) stop('SIGINT'); }, 2);
  try {
    const report = await new Monitor(o, contracts, probes, s.io).run(stopped);
    return { report, out: s.out(), err: s.err(), options: o };
  } finally {
    clearInterval(watch);
  }
}

describe('the monitor loop', () => {
  test('prints one line per window, ALERT once when a violation starts, RESOLVED when it ends, and exits 3', async () => {
    const { report, out } = await runWindows([ok(4), ok(80), ok(120), ok(5), ok(6)], 5, { durationMs: 60_000 });
    const lines = out.split('\n');
    expect(lines.filter((l) => /^window \d+ /.test(l))).toHaveLength(report.windows);
    expect(lines.find((l) => l.startsWith('window 1 '))).toMatch(/I-PERF-001 ok websocket\.latency_p99_ms 4 ms \(<= 50\) · I-PERF-002 ok ui\.frame_rate 60 fps \(>= 60\)$/);
    expect(lines.filter((l) => l.startsWith('ALERT '))).toEqual(['ALERT I-PERF-001 WebSocket Latency Target: websocket.latency_p99_ms = 80 ms, threshold <= 50 (window 2, severity important, failure_mode alert). Remediation: Enable message batching, compression, and connection pooling']);
    expect(lines.filter((l) => l.startsWith('RESOLVED '))).toEqual([expect.stringMatching(/^RESOLVED I-PERF-001 WebSocket Latency Target after [\d.]+ s in violation over 2 window\(s\); worst websocket\.latency_p99_ms = 120 ms, threshold <= 50$/)]);
    expect(lines).toContain('  not watched: I-PERF-003 (needs memory.heap_used_mb: give --pid)');
    expect(report).toMatchObject({ healthy: false, exitCode: 3, stoppedBy: 'SIGINT' });
    expect(report.alerts).toEqual([expect.objectContaining({ invariant: 'I-PERF-001', startWindow: 2, endWindow: 4, violatingWindows: 2, active: false, worst: expect.objectContaining({ value: 120 }) })]);
    expect(report.verdicts['I-PERF-001']).toMatchObject({ fail: 2 });
    expect(out).toMatch(/exit code 3\n$/);
  });

  test('a healthy run exits 0 and its report, Markdown and HTML files are written, the metrics drawn with their thresholds', async () => {
    const { report, out, options: o } = await runWindows([ok(4), ok(5), ok(3)], 3);
    expect(report).toMatchObject({ healthy: true, exitCode: 0, windows: 3, alerts: [] });
    expect(out).toContain('HEALTHY: 3 window(s), no alert');
    const files = readdirSync(o.reportsDir).sort();
    expect(files.map((f) => f.replace(/monitor-.*\./, 'monitor-T.'))).toEqual(['monitor-T.html', 'monitor-T.json', 'monitor-T.md']);
    const json = JSON.parse(readFileSync(join(o.reportsDir, files[1] as string), 'utf8')) as HealthReport;
    expect(json.series.find((s) => s.metric === 'websocket.latency_p99_ms')).toMatchObject({ min: 3, max: 5, last: 3, lines: [{ label: 'I-PERF-001 <= 50', value: 50, kind: 'threshold' }] });
    expect(json.series.find((s) => s.metric === 'network.page_load_ms')?.lines).toEqual([{ label: 'network budget <= 2000', value: 2000, kind: 'budget' }]);
    const page = readFileSync(join(o.reportsDir, files[0] as string), 'utf8');
    expect(page).toContain('HEALTHY');
    expect(page.match(/data-chart="monitor-series"/g)?.length).toBe(json.series.length);
    expect(readFileSync(join(o.reportsDir, files[2] as string), 'utf8')).toMatch(/^# Monitor health: HEALTHY/);
  });

  test('--history: one JSON object per window, every line parses', async () => {
    const history = join(tmp(), 'monitor.ndjson');
    writeFileSync(history, '');
    const { report } = await runWindows([ok(4), ok(70), ok(3)], 3, { history });
    const lines = readFileSync(history, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(report.windows);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[1]).toMatchObject({ schema: 'mbot-hil/monitor-window@1', window: 2, invariants: { 'I-PERF-001': { verdict: 'fail' } }, events: [{ kind: 'alert', invariant: 'I-PERF-001' }], activeAlerts: ['I-PERF-001'] });
    expect(parsed[1].metrics['websocket.latency_p99_ms']).toEqual({ value: 70, unit: 'ms', samples: 50 });
  });

  test('windows a probe could not measure make the run exit 4 without an alert; a throwing probe costs its window only', async () => {
    const { report, err } = await runWindows([ok(4), { metrics: {}, errors: [{ probe: 'companion', message: 'no telemetry arrived' }] }, 'throw', ok(5)], 4);
    expect(report).toMatchObject({ exitCode: 4, alerts: [], probeErrorCount: 2 });
    expect(report.verdicts['I-PERF-001']).toMatchObject({ pass: 2, notEvaluated: 2 });
    expect(err).toContain('PROBE window 2 companion: no telemetry arrived');
    expect(err).toContain('PROBE window 3 monitor: probe blew up');
  });

  test('a probe that fails at once (a companion gone: connection refused) still gets a window\'s length, not a tight loop', async () => {
    const gone: Window = { metrics: {}, errors: [{ probe: 'companion', message: 'HIL_PROBE_CONNECT_FAILED: connect ECONNREFUSED' }] };
    const probes = scripted([gone], 0);
    const s = sink();
    const report = await new Monitor(options({ durationMs: 1000 }), contracts, probes, s.io).run(new Promise<string>(() => {}));
    // 200 ms windows over 1 s: about 5 (was 7,903 windows in 3 s against a companion that had exited, two lines each).
    expect(report.windows).toBeGreaterThanOrEqual(3);
    expect(report.windows).toBeLessThanOrEqual(6);
    expect(report.exitCode).toBe(4);
  });

  test('--on-alert runs with the alert JSON; a failing command is reported and the monitor goes on', async () => {
    const dir = tmp();
    const got = join(dir, 'alert.json');
    const { report: good } = await runWindows([ok(90), ok(3)], 2, { onAlert: `cat > '${got}'` });
    expect(JSON.parse(readFileSync(got, 'utf8'))).toMatchObject({ schema: 'mbot-hil/monitor-alert@1', event: 'alert', invariant: 'I-PERF-001', value: 90, threshold: 50, op: '<=', remediation: 'Enable message batching, compression, and connection pooling', window: 1 });
    expect(good.hookFailures).toEqual([]);
    const { report, err } = await runWindows([ok(90), ok(3), ok(95)], 3, { onAlert: 'echo broken >&2; exit 5' });
    expect(err).toMatch(/ON-ALERT FAILED I-PERF-001 \(window 1\): HIL_ALERT_HOOK_FAILED: exit code 5: broken/);
    expect(report.windows).toBe(3);
    expect(report.hookFailures).toHaveLength(2);
  });

  test('--duration ends the run by itself; a stop before any window still writes a report (exit 4)', async () => {
    const { report } = await runWindows([ok(4)], 1_000_000, { durationMs: 300 });
    expect(report.stoppedBy).toBe('duration');
    expect(report.windows).toBeGreaterThanOrEqual(1);
    const probes = scripted([ok(4)], 1000);
    const early = await new Monitor(options(), contracts, probes, sink().io).run(Promise.resolve('SIGINT'));
    expect(early).toMatchObject({ windows: 0, exitCode: 4, reasons: ['no window completed: nothing was measured'] });
  });

  test('text from a contract or a URL cannot drive the terminal', () => {
    expect(clean('I-PERF-001 \u001b[2J\u001b]0;pwned\u0007 ok\r\n')).toBe('I-PERF-001 ?[2J?]0;pwned? ok??');
  });
});

describe('monitor options', () => {
  test('lists every problem at once, before anything starts', () => {
    const dir = tmp();
    let message = '';
    try {
      parseMonitorOptions({ companion: 'http://x', dashboard: 'javascript:alert(1)', pid: String(process.pid), window: '50', duration: '100', history: join(dir, 'nope', 'h.ndjson'), 'on-alert': ' ', contract: join(dir, 'missing.yml') }, {}, dir);
    } catch (err) {
      expect(err).toMatchObject({ code: 'HIL_CONFIG_INVALID' });
      message = (err as Error).message;
    }
    for (const part of ['--companion must be a ws or wss URL', '--dashboard must be a http or https or file URL', `--pid ${process.pid} is this monitor itself`, '--window must be a whole number from 200', '--history', 'the folder', '--on-alert must be a command', '--contract', 'no such file']) {
      expect(message).toContain(part);
    }
    expect(() => parseMonitorOptions({}, {}, dir)).toThrow(/nothing to watch/);
    expect(() => parseMonitorOptions({ companion: 'ws://127.0.0.1:1/', window: '1000', duration: '500' }, {}, dir)).toThrow(/shorter than one window/);
    expect(() => parseMonitorOptions({ pid: '4194300' }, {}, dir)).toThrow(/no such process/);
  });

  test('defaults: 2 s windows until Ctrl-C, token from HIL_COMPANION_TOKEN, reports to HIL_REPORTS_DIR or ./reports', () => {
    const dir = tmp();
    expect(parseMonitorOptions({ companion: 'ws://127.0.0.1:1/' }, { HIL_COMPANION_TOKEN: 't0k' }, dir)).toMatchObject({ windowMs: 2000, durationMs: null, token: 't0k', reportsDir: join(dir, 'reports'), history: null, clients: 1 });
    expect(parseMonitorOptions({ companion: 'ws://127.0.0.1:1/', 'reports-dir': 'out' }, { HIL_REPORTS_DIR: 'x' }, dir).reportsDir).toBe(join(dir, 'out'));
  });
});
