import { describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { invariantEvaluationSchema } from '../evaluation/model.ts';
import { resolve } from 'node:path';
import {
  checkEvidence,
  downsample,
  EVIDENCE_MAX_POINTS,
  frameEvidence,
  latencyEvidence,
  memoryEvidence,
  playbackEvidence,
} from './evidence.ts';
import { LatencyRecorder } from './latency-recorder.ts';
import { BYTES_PER_MB } from './memory-recorder.ts';
import { createSnapshot, mergeSnapshots } from './snapshot.ts';

describe('downsample', () => {
  test('keeps at most max points and each bucket\'s spike', () => {
    const pts = Array.from({ length: 10_000 }, (_, i) => [i, i === 4321 ? 999 : 1] as [number, number]);
    const out = downsample(pts, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out).toContainEqual([4321, 999]);
    expect(downsample([[0, 1], [1, 2]], 500)).toEqual([[0, 1], [1, 2]]);
  });
  test('mean mode averages x and y per bucket', () => {
    expect(downsample([[0, 0], [1, 2], [2, 4], [3, 6]], 2, 'mean')).toEqual([[0.5, 1], [2.5, 5]]);
  });
});

describe('latencyEvidence', () => {
  test('reads the recorder\'s histogram: bins sum to 1, curve ends at the max', () => {
    const rec = new LatencyRecorder();
    for (let i = 0; i < 10_000; i++) rec.record(5 + (i % 100) / 10);
    rec.record(80);
    const e = latencyEvidence(rec, { bins: 20 });
    expect(e.count).toBe(10_001);
    expect(e.bins).toHaveLength(20);
    expect(e.bins.reduce((s, b) => s + b.share, 0)).toBeCloseTo(1, 6);
    expect(e.bins[0]!.fromMs).toBeCloseTo(5, 1);
    expect(e.curve.at(-1)).toEqual({ percentile: 100, valueMs: 80 });
    // Almost every value sits in the first bins (5..14.9 ms of a 5..80 ms range).
    expect(e.bins.slice(0, 3).reduce((s, b) => s + b.share, 0)).toBeGreaterThan(0.99);
  });
  test('takes raw values too, and is empty for no values', () => {
    expect(latencyEvidence([1, 2, 3]).count).toBe(3);
    expect(latencyEvidence([])).toEqual({ count: 0, bins: [], curve: [] });
    expect(latencyEvidence([4, 4, 4]).bins).toEqual([{ fromMs: 4, toMs: 5, share: 1 }]);
  });
});

describe('frameEvidence', () => {
  test('applies the warm-up, marks late frames over 1.5 budgets, bounds the trace', () => {
    const ts: number[] = [];
    let t = 0;
    for (let i = 0; i < 3000; i++) { t += i % 500 === 499 ? 50 : 1000 / 60; ts.push(t); }
    const e = frameEvidence(ts, { warmupFrames: 10 });
    expect(e.frames).toBe(3000 - 11);
    expect(e.budgetMs).toBeCloseTo(16.667, 3);
    expect(e.lateAboveMs).toBeCloseTo(25, 6);
    expect(e.lateFrames).toBe(6);
    expect(e.late.every(([, iv]) => iv === 50)).toBe(true);
    expect(e.trace.length).toBeLessThanOrEqual(EVIDENCE_MAX_POINTS);
    expect(e.trace.filter(([, iv]) => iv === 50)).toHaveLength(6);
    expect(e.downsampled).toBe(true);
  });
  test('ignores repeated timestamps and rejects out-of-order ones', () => {
    expect(frameEvidence([0, 16, 16, 32]).frames).toBe(2);
    expect(() => frameEvidence([0, 16, 8])).toThrow(/HIL_METRIC_INVALID/);
  });
});

describe('playbackEvidence', () => {
  test('gives fps per window with the vsync definition: 60 when smooth, lower where a frame is late', () => {
    const ts: number[] = [];
    let t = 1000;
    for (let i = 0; i < 120; i++) { t += i === 60 ? 100 : 1000 / 60; ts.push(t); }
    const e = playbackEvidence(ts, { windowMs: 250, strokeCount: 1200, strokesDrawn: [[1000, 0], [3000, 1200]] });
    expect(e.strokeCount).toBe(1200);
    expect(e.series[0]![1]).toBeCloseTo(60, 6);
    expect(Math.min(...e.series.map(([, fps]) => fps))).toBeLessThan(45);
    expect(e.strokes![0]![0]).toBeLessThan(0);
  });
});

describe('memoryEvidence', () => {
  test('series in MB, after-GC points, and the growth line the recorder fits', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => ({
      atMs: 1_000_000 + i * 3600, // one hour in 1000 samples
      heapUsedBytes: (50 + i / 100 + (i % 10 === 0 ? 0 : 3)) * BYTES_PER_MB,
      afterGc: i % 10 === 0,
    }));
    const e = memoryEvidence(samples);
    expect(e.samples).toBe(1000);
    expect(e.series.length).toBeLessThanOrEqual(EVIDENCE_MAX_POINTS);
    expect(e.afterGc).toHaveLength(100);
    expect(e.fit).toMatchObject({ fromGcSamples: true, points: 100 });
    expect(e.fit!.slopeMbPerHour).toBeCloseTo(10, 1);
    expect(e.fit!.interceptMb).toBeCloseTo(50, 1);
    expect(memoryEvidence([]).fit).toBeNull();
  });
});

describe('evidence on snapshots and evaluations', () => {
  const contracts = loadContracts({ dir: resolve(import.meta.dirname, '../../contracts') });

  test('is optional: a snapshot without it has no evidence key', () => {
    expect('evidence' in createSnapshot({})).toBe(false);
  });

  test('travels from the snapshot into the evaluation as plain JSON', () => {
    const evidence = { latency: latencyEvidence([1, 2, 3, 40]) };
    const snap = createSnapshot({ 'websocket.latency_p99_ms': { value: 40, unit: 'ms', samples: 4 } }, { target: { kind: 'sim' }, evidence });
    const found = contracts.findInvariant('I-PERF-001')!;
    const e = evaluateInvariant(found.contract, found.invariant, snap);
    expect(e.evidence?.latency?.count).toBe(4);
    expect(invariantEvaluationSchema.parse(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });

  test('is validated: an oversized series or NaN is refused with HIL_METRIC_INVALID', () => {
    const big = { memory: { ...memoryEvidence([]), series: Array.from({ length: 501 }, (_, i) => [i, 1]) } };
    expect(() => checkEvidence(big)).toThrow(/HIL_METRIC_INVALID.*memory\.series/);
    expect(() => createSnapshot({}, { evidence: { frames: { ...frameEvidence([0, 16]), budgetMs: Number.NaN } } })).toThrow(/HIL_METRIC_INVALID/);
    expect(() => checkEvidence({ sound: {} })).toThrow(/HIL_METRIC_INVALID/);
  });

  test('merges by kind, later wins', () => {
    const a = createSnapshot({}, { evidence: { latency: latencyEvidence([1]) } });
    const b = createSnapshot({}, { evidence: { frames: frameEvidence([0, 16, 32]) } });
    const m = mergeSnapshots([a, b]);
    expect(Object.keys(m.evidence ?? {}).sort()).toEqual(['frames', 'latency']);
  });
});
