import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from './latency-recorder.ts';

// HDR with 3 significant digits reports a value within 1/1024 of itself (the bucket's upper bound).
const HDR_REL = 1 / 1024;
const expectWithinHdr = (actual: number | undefined, expected: number): void => {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(expected * HDR_REL);
};

describe('LatencyRecorder', () => {
  it('reads the percentiles of a uniform 1..10000 µs distribution within HDR precision', () => {
    const r = new LatencyRecorder();
    for (let us = 1; us <= 10_000; us++) r.record(us / 1000);
    expect(r.count).toBe(10_000);
    expectWithinHdr(r.percentileMs(50), 5.0);
    expectWithinHdr(r.percentileMs(95), 9.5);
    expectWithinHdr(r.percentileMs(99), 9.9);
    expect(r.maxMs).toBe(10);
    expectWithinHdr(r.meanMs, 5.0005);
  });

  it('reads every percentile of a constant distribution as the constant (capped at the exact max)', () => {
    const r = new LatencyRecorder();
    for (let i = 0; i < 1000; i++) r.record(12.345);
    for (const p of [0.1, 50, 95, 99, 99.9, 100]) expect(r.percentileMs(p)).toBe(12.345);
    expect(r.maxMs).toBe(12.345);
    expectWithinHdr(r.meanMs, 12.345);
  });

  it('produces the websocket.latency_* metrics with samples = count', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 100; i++) r.record(i);
    r.recordDrop();
    const m = r.toMetrics();
    expect(Object.keys(m).sort()).toEqual([
      'websocket.dropped', 'websocket.latency_count', 'websocket.latency_max_ms', 'websocket.latency_mean_ms',
      'websocket.latency_p50_ms', 'websocket.latency_p95_ms', 'websocket.latency_p99_ms',
    ]);
    // 99 ms sits in a 64 µs bucket (98.944..99.007 ms); HDR reports its upper bound.
    expect(m['websocket.latency_p99_ms']).toEqual({ value: 99.007, unit: 'ms', samples: 100 });
    expect(m['websocket.latency_max_ms']).toEqual({ value: 100, unit: 'ms', samples: 100 });
    expect(m['websocket.latency_count']).toEqual({ value: 100, unit: 'count', samples: 100 });
    expect(m['websocket.dropped']).toEqual({ value: 1, unit: 'count', samples: 1 });
  });

  it('produces no percentile metric when nothing arrived, so the invariant is not evaluated', () => {
    const r = new LatencyRecorder();
    r.recordDrop(3);
    expect(r.toMetrics()).toEqual({
      'websocket.latency_count': { value: 0, unit: 'count', samples: 0 },
      'websocket.dropped': { value: 3, unit: 'count', samples: 3 },
    });
    expect(r.percentileMs(99)).toBeUndefined();
    expect(r.maxMs).toBeUndefined();
    expect(r.meanMs).toBeUndefined();
    expect(r.histogramBuckets(8)).toEqual([]);
    expect(r.toJSON()).toEqual({ count: 0, dropped: 3, curve: [] });
  });

  describe('coordinated omission: a 1 s stall of a 100 Hz sender over 10 s', () => {
    const intervalMs = 10;
    const serviceMs = 1;
    const stall = { fromMs: 5000, toMs: 6000 };
    // Every message due during the stall is answered only when it ends.
    const arrival = (dueMs: number): number =>
      (dueMs >= stall.fromMs && dueMs < stall.toMs ? stall.toMs : dueMs) + serviceMs;

    it('shows in p99 when recorded from the intended send time', () => {
      const r = new LatencyRecorder();
      for (let i = 0; i < 1000; i++) r.recordFromIntended(i * intervalMs, arrival(i * intervalMs));
      // 100 messages waited 1001, 991, ... 11 ms; the 10th worst of 1000 is 901 ms.
      expectWithinHdr(r.percentileMs(99), 901);
      expect(r.maxMs).toBe(1001);
    });

    it('is hidden when a closed-loop client records only what it actually sent', () => {
      const r = new LatencyRecorder();
      // The client waits for each reply: one message sees the stall, the 99 due meanwhile are never sent.
      for (let t = 0; t < 10_000; ) {
        const latency = arrival(t) - t;
        r.record(latency);
        t = Math.max(t + intervalMs, Math.ceil((t + latency) / intervalMs) * intervalMs);
      }
      expect(r.count).toBe(900);
      expect(r.percentileMs(99)).toBe(1);
      expect(r.maxMs).toBe(1001);
    });

    it('is restored by recordCorrected (HDR expected-interval correction)', () => {
      const r = new LatencyRecorder();
      for (let i = 0; i < 900; i++) r.recordCorrected(1, intervalMs);
      r.recordCorrected(1001, intervalMs);
      // 1001, 991, ..., 11: the same 100 values the intended-time recording saw.
      expect(r.count).toBe(1000);
      expectWithinHdr(r.percentileMs(99), 901);
    });
  });

  it('rejects a negative or non-finite latency with HIL_METRIC_INVALID', () => {
    const r = new LatencyRecorder();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => r.record(bad)).toThrow(expect.objectContaining({ code: 'HIL_METRIC_INVALID' }));
    }
    expect(() => r.recordFromIntended(100, 99)).toThrow(/same clock/);
    expect(() => r.recordDrop(-1)).toThrow(expect.objectContaining({ code: 'HIL_METRIC_INVALID' }));
    expect(() => r.percentileMs(101)).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID' }));
    expect(r.count).toBe(0);
  });

  it('derives the drop counter name from the prefix', () => {
    expect(new LatencyRecorder({ prefix: 'serial.latency' }).droppedName).toBe('serial.dropped');
    expect(new LatencyRecorder({ prefix: 'latency' }).droppedName).toBe('latency_dropped');
    const r = new LatencyRecorder({ prefix: 'serial.latency' });
    r.record(2);
    expect(Object.keys(r.toMetrics())).toContain('serial.latency_p99_ms');
    expect(r.metricNames()).toContain('serial.dropped');
  });

  it('gives a monotonic percentile curve from p0 to p100 (= max) and plain-JSON toJSON', () => {
    const r = new LatencyRecorder();
    for (let us = 1; us <= 10_000; us++) r.record(us / 1000);
    const curve = r.histogramBuckets(9);
    expect(curve).toHaveLength(9);
    expect(curve[0]?.percentile).toBe(0);
    expect(curve.at(-1)).toEqual({ percentile: 100, valueMs: 10 });
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.percentile).toBeGreaterThan(curve[i - 1]!.percentile);
      expect(curve[i]!.valueMs).toBeGreaterThanOrEqual(curve[i - 1]!.valueMs);
    }
    // Levels reach 1 - 1/n: 99.99 % for 10^4 samples, just before p100.
    expect(curve.at(-2)?.percentile).toBeCloseTo(100 * (1 - 10 ** (-4 * 7 / 8)), 10);
    const json = r.toJSON();
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expectWithinHdr(json.p999Ms, 9.99);
    expect(() => r.histogramBuckets(1)).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID' }));
  });

  it('forgets everything on reset', () => {
    const r = new LatencyRecorder();
    r.record(5);
    r.recordDrop();
    r.reset();
    expect(r.count).toBe(0);
    expect(r.dropped).toBe(0);
    expect(r.toMetrics()['websocket.latency_p99_ms']).toBeUndefined();
  });
});
