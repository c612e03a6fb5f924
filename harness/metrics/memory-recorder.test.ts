import { describe, expect, it } from 'vitest';
import { BYTES_PER_MB, MemoryRecorder, type MemorySample } from './memory-recorder.ts';
import { sampleThisProcess, startGcCounter } from './process-memory.ts';

const MB = BYTES_PER_MB;
const MINUTE_MS = 60_000;

/**
 * A two-hour soak sampled every minute, leaking `leakMbPerHour` on top of
 * 50 MB. Every 5th sample follows a forced GC and sits on the line; the
 * others carry 0..20 MB of garbage in a sawtooth, which biases a fit over
 * all samples.
 */
function soak(leakMbPerHour: number, withGc = true): MemorySample[] {
  const out: MemorySample[] = [];
  for (let i = 0; i <= 120; i++) {
    const atMs = 1_700_000_000_000 + i * MINUTE_MS; // epoch-sized times: the fit must stay precise
    const live = 50 + (leakMbPerHour * i) / 60;
    const afterGc = withGc && i % 5 === 0;
    const garbage = afterGc ? 0 : (i % 5) * 5 + (i > 60 ? 3 : 0);
    out.push({ atMs, heapUsedBytes: (live + garbage) * MB, heapTotalBytes: (live + 40) * MB, rssBytes: (live + 90) * MB, afterGc, gcCount: i * 2 });
  }
  return out;
}

describe('MemoryRecorder', () => {
  it('recovers a known linear leak (MB/h) from the after-GC samples', () => {
    const r = new MemoryRecorder();
    for (const s of soak(10)) r.record(s);
    const g = r.growth();
    expect(g?.slopeFromGcSamples).toBe(true);
    expect(g?.points).toBe(25);
    expect(g?.mbPerHour).toBeCloseTo(10, 9);
    expect(r.toMetrics()['memory.growth_mb_per_hour']).toEqual({ value: g?.mbPerHour, unit: 'mb/h', samples: 25 });
  });

  it('falls back to all samples without after-GC samples, and says so', () => {
    const r = new MemoryRecorder();
    for (const s of soak(10, false)) r.record(s);
    const g = r.growth();
    expect(g?.slopeFromGcSamples).toBe(false);
    expect(g?.points).toBe(121);
    // The garbage step at the one-hour mark biases the fit upwards.
    expect(g?.mbPerHour).toBeGreaterThan(10);
    expect(r.toMetrics()['memory.after_gc_samples']?.value).toBe(0);
  });

  it('reports the peak (not the last) heap used in MiB, with heap total, RSS and GC count', () => {
    const r = new MemoryRecorder();
    const samples = soak(0);
    for (const s of samples) r.record(s);
    r.record({ atMs: samples.at(-1)!.atMs + MINUTE_MS, heapUsedBytes: 10 * MB, afterGc: true });
    const m = r.toMetrics();
    // The largest sawtooth tooth after the hour: 50 + 4 × 5 + 3 MB.
    expect(m['memory.heap_used_mb']).toEqual({ value: 73, unit: 'mb', samples: 122 });
    expect(r.last?.heapUsedBytes).toBe(10 * MB);
    expect(r.max).toBe(73 * MB);
    expect(m['memory.heap_total_mb']).toEqual({ value: 90, unit: 'mb', samples: 121 });
    expect(m['memory.rss_mb']).toEqual({ value: 140, unit: 'mb', samples: 121 });
    expect(m['memory.gc_count']).toEqual({ value: 240, unit: 'count', samples: 121 });
    expect(m['memory.after_gc_samples']?.value).toBe(26);
  });

  it('reports a page as memory.page_heap_used_mb only', () => {
    const r = new MemoryRecorder({ scope: 'page' });
    r.record({ atMs: 0, heapUsedBytes: 30 * MB, afterGc: false });
    r.record({ atMs: 1000, heapUsedBytes: 42.5 * MB, afterGc: false });
    expect(r.toMetrics()).toEqual({ 'memory.page_heap_used_mb': { value: 42.5, unit: 'mb', samples: 2 } });
    expect(r.metricNames()).toEqual(['memory.page_heap_used_mb']);
  });

  it('produces no metric without samples, and no slope or GC count from one sample', () => {
    const r = new MemoryRecorder();
    expect(r.toMetrics()).toEqual({});
    expect(r.growth()).toBeUndefined();
    r.record({ atMs: 0, heapUsedBytes: MB, afterGc: true, gcCount: 3 });
    expect(Object.keys(r.toMetrics()).sort()).toEqual(['memory.after_gc_samples', 'memory.heap_used_mb']);
  });

  it('rejects a malformed sample with HIL_METRIC_INVALID', () => {
    const r = new MemoryRecorder();
    for (const bad of [
      { atMs: Number.NaN, heapUsedBytes: 1, afterGc: false },
      { atMs: 0, heapUsedBytes: -1, afterGc: false },
      { atMs: 0, heapUsedBytes: 1, rssBytes: Number.POSITIVE_INFINITY, afterGc: false },
    ]) {
      expect(() => r.record(bad)).toThrow(expect.objectContaining({ code: 'HIL_METRIC_INVALID' }));
    }
    expect(r.count).toBe(0);
  });
});

describe('sampleThisProcess', () => {
  it('reads process.memoryUsage() and says whether a GC was forced', () => {
    const s = sampleThisProcess(123);
    expect(s.atMs).toBe(123);
    expect(s.heapUsedBytes).toBeGreaterThan(0);
    expect(s.rssBytes).toBeGreaterThanOrEqual(s.heapUsedBytes);
    expect(s.afterGc).toBe(typeof globalThis.gc === 'function');
    expect(sampleThisProcess(124, { forceGc: false }).afterGc).toBe(false);
  });

  it('takes the GC count from a GC counter', () => {
    const counter = startGcCounter();
    try {
      const s = sampleThisProcess(0, { gcCounter: counter, forceGc: false });
      expect(s.gcCount).toBe(counter.count);
      expect(s.gcCount).toBeGreaterThanOrEqual(0);
    } finally {
      counter.stop();
    }
  });
});
