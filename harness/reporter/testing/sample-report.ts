/**
 * A deterministic sample compliance report for the reporter's own tests and
 * for `npm run report:screenshot -- --sample`: the four invariants of
 * `feature_performance.yml` evaluated through the real recorders, matcher
 * evaluation and report builder, over synthetic (seeded) samples shaped
 * like the design notes describe (a 60 Hz display with late frames, a
 * naive 1,200-stroke playback near 58 fps, a heap with a slow leak). It is
 * not a measurement of any robot; reports built from it say "sample".
 */
import { resolve } from 'node:path';
import { loadContracts } from '../../contracts/index.ts';
import { evaluateInvariant } from '../../evaluation/evaluate.ts';
import { frameEvidence, latencyEvidence, memoryEvidence, playbackEvidence } from '../../metrics/evidence.ts';
import { MetricsCollector } from '../../metrics/collector.ts';
import type { MemorySample } from '../../metrics/memory-recorder.ts';
import type { TargetInfo } from '../../metrics/snapshot.ts';
import { compareToBaseline, makeBaseline } from '../baseline-compare.ts';
import { buildComplianceReport, type TestRecord } from '../build-report.ts';
import type { ComplianceReport } from '../report-model.ts';

const REPO = resolve(import.meta.dirname, '../../..');

/** A small seeded PRNG (mulberry32): the same seed gives the same report. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link sampleReport}. */
export interface SampleReportOptions {
  /** Name of the first test (the HTML test puts markup in it). */
  firstTestName?: string;
  /** Scales every latency (a "before optimisation" run uses e.g. 1.6). */
  latencyScale?: number;
  seed?: number;
}

const SIM: TargetInfo = { kind: 'sim', port: '/dev/ttyMBOTSIM0', firmware: { name: 'StandardFirmata.ino', version: '2.5' } };
const BENCH: TargetInfo = { kind: 'hardware', port: '/dev/ttyUSB0', firmware: { name: 'StandardFirmata.ino', version: '2.5' }, bench: 'bench-a' };

/** Builds the sample report (see the file comment). */
export function sampleReport(options: SampleReportOptions = {}): ComplianceReport {
  const rand = prng(options.seed ?? 1);
  const scale = options.latencyScale ?? 1;
  const contracts = loadContracts({ dir: resolve(REPO, 'contracts') });
  const ctx = (target: TargetInfo) => ({ target, clock: { kind: target.kind === 'sim' ? 'virtual' as const : 'wall' as const }, seed: target.kind === 'sim' ? 1 : null, takenAt: '2026-11-26T10:00:00.000Z' });
  const evaluate = (id: string, snapshot: ReturnType<MetricsCollector['snapshot']>, label?: string) => {
    const found = contracts.findInvariant(id);
    if (!found) throw new Error(`sample report: ${id} is not in contracts/`);
    // Attaches every metric of the snapshot, as a spec does with `attach` to get the report's metric bars.
    return evaluateInvariant(found.contract, found.invariant, snapshot, { cwd: REPO, attach: Object.keys(snapshot.metrics), ...(label ? { label } : {}) });
  };

  // I-PERF-001: latency on the simulator (fine) and on a bench (a slow tail).
  const latency = (target: TargetInfo, tailMs: number, n: number) => {
    const m = new MetricsCollector();
    const rec = m.latency();
    for (let i = 0; i < n; i++) {
      const base = 4 + rand() * 6 + (rand() < 0.05 ? rand() * 14 : 0);
      rec.record((rand() < 0.012 ? base + tailMs * (0.7 + rand() * 0.6) : base) * scale);
    }
    return m.snapshot({ ...ctx(target), evidence: { latency: latencyEvidence(rec) } });
  };
  // I-PERF-002: 60 Hz frames with a few dropped vsyncs.
  const frames = () => {
    const m = new MetricsCollector();
    const rec = m.frames('ui', { warmupFrames: 30 });
    const ts: number[] = [];
    let t = 1000;
    for (let i = 0; i < 1800; i++) {
      t += (1000 / 60) * (rand() < 0.01 ? 2 + Math.floor(rand() * 3) : 1) + (rand() - 0.5) * 0.6;
      ts.push(t);
    }
    rec.recordFrames(ts);
    return m.snapshot({ ...ctx(SIM), evidence: { frames: frameEvidence(ts, { warmupFrames: 30 }) } });
  };
  // I-PERF-003: ten minutes of heap samples every second, a forced GC every 30 s.
  const memory = () => {
    const m = new MetricsCollector();
    const rec = m.memory();
    const samples: MemorySample[] = [];
    for (let s = 0; s <= 600; s++) {
      const afterGc = s % 30 === 0;
      const heapMb = 58 + s * 0.004 + (afterGc ? 0 : (s % 30) * 0.6 + rand() * 2);
      samples.push({ atMs: 5_000_000 + s * 1000, heapUsedBytes: heapMb * 1024 * 1024, afterGc });
    }
    for (const x of samples) rec.record(x);
    return m.snapshot({ ...ctx(SIM), evidence: { memory: memoryEvidence(samples) } });
  };
  // I-PERF-004: a naive redraw of 1,200 strokes: mostly 60 fps with stalls as the canvas fills.
  const playback = () => {
    const m = new MetricsCollector();
    const rec = m.playback({ warmupFrames: 10 });
    rec.setStrokeCount(1200);
    const ts: number[] = [];
    const drawn: [number, number][] = [];
    let t = 0;
    for (let i = 0; i < 600; i++) {
      const load = i / 600;
      t += rand() < 0.02 + load * 0.05 ? (1000 / 60) * (2 + Math.floor(rand() * 5)) : 1000 / 60;
      ts.push(t);
      if (i % 10 === 0) drawn.push([t, Math.min(1200, Math.round(i * 2))]);
    }
    rec.recordFrames(ts);
    return m.snapshot({ ...ctx(SIM), evidence: { playback: playbackEvidence(ts, { warmupFrames: 10, strokeCount: 1200, strokesDrawn: drawn }) } });
  };
  // A bench run without evidence: the report falls back to metric bars.
  const benchMemory = () => {
    const m = new MetricsCollector();
    const rec = m.memory();
    for (let s = 0; s < 60; s++) rec.record({ atMs: s * 1000, heapUsedBytes: (71 + rand() * 9) * 1024 * 1024, heapTotalBytes: 96 * 1024 * 1024, afterGc: false });
    return m.snapshot(ctx(BENCH));
  };

  const test = (name: string, project: string, file: string, evaluations: unknown[], state: TestRecord['state']): TestRecord =>
    ({ project, file, name, fullName: `performance > ${name}`, state, durationMs: 1200 + Math.round(rand() * 800), errors: [], evaluations });
  const first = options.firstTestName ?? 'telemetry latency holds under 100 clients';
  const tests: TestRecord[] = [
    test(first, 'sim', 'specs/performance/latency.spec.ts', [evaluate('I-PERF-001', latency(SIM, 20, 6000), '100 clients')], 'passed'),
    test('telemetry latency on the bench', 'hardware', 'specs/performance/latency.spec.ts', [evaluate('I-PERF-001', latency(BENCH, 70, 3000))], 'failed'),
    test('dashboard holds 60 fps', 'sim', 'specs/performance/ui.spec.ts', [evaluate('I-PERF-002', frames())], 'failed'),
    test('dashboard frame rate on the bench', 'hardware', 'specs/performance/ui.spec.ts', [evaluate('I-PERF-002', new MetricsCollector().snapshot(ctx(BENCH)))], 'failed'),
    test('companion heap over a 10 minute soak', 'sim', 'specs/performance/memory.spec.ts', [evaluate('I-PERF-003', memory())], 'passed'),
    test('companion heap on the bench', 'hardware', 'specs/performance/memory.spec.ts', [evaluate('I-PERF-003', benchMemory())], 'passed'),
    test('1200-stroke drawing plays back smoothly', 'sim', 'specs/performance/playback.spec.ts', [evaluate('I-PERF-004', playback())], 'failed'),
  ];
  return buildComplianceReport({
    tests,
    contracts,
    contractsDir: contracts.dir,
    contractProblems: [],
    run: {
      status: 'failed', statusReason: 'sample report (synthetic data, not a measurement)', startedAt: '2026-11-26T10:00:00.000Z', finishedAt: '2026-11-26T10:03:12.000Z',
      commit: 'sample', vitest: '4.1.12', projects: ['sim', 'hardware'], merged: true, shard: null,
    },
    cwd: REPO,
  });
}

/**
 * The sample report compared with a "before optimisation" sample whose
 * latencies were 1.6 times longer (the team's "baseline vs optimized"
 * table): latency improves by about 37.5 %, everything else is unchanged.
 */
export function sampleReportWithBaseline(options: SampleReportOptions = {}): ComplianceReport {
  const after = sampleReport(options);
  const before = sampleReport({ ...options, latencyScale: 1.6 * (options.latencyScale ?? 1) });
  return { ...after, baseline: compareToBaseline(after, makeBaseline(before, new Date('2026-11-20T09:00:00.000Z')), { file: 'reports/baseline.json' }) };
}
