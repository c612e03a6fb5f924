import { describe, expect, it } from 'vitest';
import { MetricsCollector } from './collector.ts';
import { BYTES_PER_MB } from './memory-recorder.ts';

const BUDGET_60 = 1000 / 60;

/** Feeds every recorder of `c` a small, known data set. */
function fill(c: MetricsCollector): void {
  const latency = c.latency();
  for (let i = 1; i <= 200; i++) latency.recordFromIntended(i * 10, i * 10 + (i % 20) + 1);
  latency.recordDrop();
  const ui = c.frames('ui', { warmupFrames: 5 });
  for (let i = 0; i <= 125; i++) ui.recordFrame(i * BUDGET_60);
  const playback = c.playback();
  for (let i = 0; i <= 60; i++) playback.recordFrame(i * BUDGET_60);
  playback.setStrokeCount(1200);
  const memory = c.memory();
  memory.record({ atMs: 0, heapUsedBytes: 40 * BYTES_PER_MB, afterGc: true });
  memory.record({ atMs: 60_000, heapUsedBytes: 45 * BYTES_PER_MB, afterGc: true });
  c.memory('memory', { scope: 'page' }).record({ atMs: 0, heapUsedBytes: 25 * BYTES_PER_MB, afterGc: false });
  c.counter('websocket.bytes_on_wire', 'bytes').increment(4096);
  c.gauge('websocket.messages_per_s', 'msg/s').setRate(200, 2000);
}

describe('MetricsCollector', () => {
  it('produces every metric the user contract reads, with the context it was given', () => {
    const c = new MetricsCollector();
    fill(c);
    const s = c.snapshot({ target: { kind: 'sim' }, clock: { kind: 'virtual' }, seed: 42, takenAt: '2025-01-01T00:00:00.000Z' });
    expect(s.target).toEqual({ kind: 'sim' });
    expect(s.clock).toEqual({ kind: 'virtual' });
    expect(s.seed).toBe(42);
    expect(s.metrics['websocket.latency_p99_ms']?.value).toBe(20);
    expect(s.metrics['websocket.latency_p99_ms']?.samples).toBe(200);
    expect(s.metrics['ui.frame_rate']).toEqual({ value: 60, unit: 'fps', samples: 120 });
    expect(s.metrics['memory.heap_used_mb']).toEqual({ value: 45, unit: 'mb', samples: 2 });
    expect(s.metrics['memory.growth_mb_per_hour']?.value).toBeCloseTo(300, 9);
    expect(s.metrics['memory.page_heap_used_mb']?.value).toBe(25);
    expect(s.metrics.drawing_playback_fps).toEqual({ value: 60, unit: 'fps', samples: 60 });
    expect(s.metrics.stroke_count?.value).toBe(1200);
    expect(s.metrics['websocket.dropped']?.value).toBe(1);
    expect(s.metrics['websocket.messages_per_s']?.value).toBe(100);
    expect(s.metrics['websocket.bytes_on_wire']?.value).toBe(4096);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('leaves percentiles out of the snapshot when nothing was measured', () => {
    const c = new MetricsCollector();
    c.latency();
    c.frames();
    const s = c.snapshot();
    expect(Object.keys(s.metrics).sort()).toEqual(['ui.frames', 'websocket.dropped', 'websocket.latency_count']);
  });

  it('returns the same recorder for the same prefix', () => {
    const c = new MetricsCollector();
    expect(c.latency()).toBe(c.latency('websocket.latency'));
    expect(c.frames('ui')).toBe(c.frames());
    expect(c.memory()).not.toBe(c.memory('memory', { scope: 'page' }));
  });

  it('throws HIL_METRIC_UNKNOWN for an uncatalogued name as soon as it is used', () => {
    const c = new MetricsCollector();
    const unknown = expect.objectContaining({ code: 'HIL_METRIC_UNKNOWN' });
    expect(() => c.latency('serial.latency')).toThrow(unknown);
    expect(() => c.frames('dashboard')).toThrow(unknown);
    expect(() => c.counter('websocket.reconnects')).toThrow(unknown);
    c.counters.increment('websocket.reconnects');
    expect(() => c.snapshot()).toThrow(unknown);
  });

  it('accepts unlisted names with allowUnlisted, still checking listed units', () => {
    const c = new MetricsCollector({ allowUnlisted: true });
    c.latency('serial.latency').record(3);
    c.counter('websocket.reconnects').increment();
    expect(c.snapshot().metrics['serial.latency_p99_ms']?.value).toBe(3);
    c.gauge('websocket.bytes_on_wire', 'count').set(5);
    expect(() => c.metrics()).toThrow(expect.objectContaining({ code: 'HIL_METRIC_INVALID' }));
  });

  it('refuses a name produced twice', () => {
    const c = new MetricsCollector();
    c.latency();
    c.counter('websocket.dropped');
    expect(() => c.metrics()).toThrow(/produced twice/);
  });

  it('resets every recorder and counter but keeps them registered', () => {
    const c = new MetricsCollector();
    fill(c);
    c.reset();
    expect(c.snapshot().metrics).toEqual({
      'websocket.latency_count': { value: 0, unit: 'count', samples: 0 },
      'websocket.dropped': { value: 0, unit: 'count', samples: 0 },
      'ui.frames': { value: 0, unit: 'count', samples: 0 },
      'websocket.bytes_on_wire': { value: 0, unit: 'bytes', samples: 0 },
    });
  });
});
