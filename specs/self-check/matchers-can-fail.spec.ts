/**
 * The harness must be able to fail. Each of the four invariants is fed
 * metrics built by the real recorders from samples that violate it; the
 * matcher must reject them with a message naming the invariant, the check,
 * the measured value and the remediation. Negated and nested expectations
 * keep the suite green, and the report lists these as self-checks.
 */
import { describe, expect, test } from 'vitest';
import 'mbot-hil/matchers';
import { MetricsCollector } from 'mbot-hil';

function failureOf(run: () => void): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the matcher accepted metrics that violate the invariant: the harness cannot fail');
}

describe('every performance invariant can fail', () => {
  test('I-PERF-001: p99 latency of 80 ms is rejected', () => {
    const c = new MetricsCollector();
    const latency = c.latency('websocket.latency');
    // 97 % of messages at 5 ms, 3 % stalled at 80 ms: p99 lands in the stall.
    for (let i = 0; i < 1000; i++) latency.record(i % 100 < 97 ? 5 : 80);
    const snap = c.snapshot();
    expect(snap).not.toMeetInvariant('I-PERF-001');
    const message = failureOf(() => expect(snap).toMeetInvariant('I-PERF-001'));
    expect(message).toMatch(/I-PERF-001 "WebSocket Latency Target"/);
    expect(message).toMatch(/websocket\.latency_p99_ms = 80(\.\d+)? ms \(threshold <= 50, 1000 samples\) VIOLATED/);
    expect(message).toContain('remediation: Enable message batching, compression, and connection pooling');
  });

  test('I-PERF-002: a UI that misses every other vsync is rejected', () => {
    const c = new MetricsCollector();
    const frames = c.frames('ui', { displayHz: 60 });
    let t = 0;
    for (let i = 0; i < 300; i++) {
      frames.recordFrame(t);
      t += i % 2 === 0 ? 1000 / 60 : 2000 / 60;
    }
    const snap = c.snapshot();
    expect(snap).not.toMeetInvariant('I-PERF-002');
    const message = failureOf(() => expect(snap).toMeetInvariant('I-PERF-002'));
    expect(message).toMatch(/ui\.frame_rate = 40(\.\d+)? fps \(threshold >= 60, \d+ samples\) VIOLATED/);
    expect(message).toContain('remediation: Optimize rendering with memoization, offscreen canvas, or WebGL');
  });

  test('I-PERF-003: a heap peaking at 130 MB is rejected', () => {
    const c = new MetricsCollector();
    const memory = c.memory('memory');
    for (let i = 0; i <= 10; i++) memory.record({ atMs: i * 60_000, heapUsedBytes: (80 + i * 5) * 1024 * 1024, afterGc: true });
    const snap = c.snapshot();
    expect(snap).not.toMeetInvariant('I-PERF-003');
    const message = failureOf(() => expect(snap).toMeetInvariant('I-PERF-003'));
    expect(message).toMatch(/memory\.heap_used_mb = 130 mb \(threshold <= 100, 11 samples\) VIOLATED/);
    expect(message).toContain('remediation: Apply quantization, pruning, or enable garbage collection');
  });

  test('I-PERF-004: playback at 30 fps, and a drawing of too few strokes, are each rejected', () => {
    const slow = new MetricsCollector();
    const playback = slow.playback({ displayHz: 60 });
    for (let i = 0; i < 120; i++) playback.recordFrame(i * (1000 / 30));
    playback.setStrokeCount(1200);
    const slowSnap = slow.snapshot();
    expect(slowSnap).not.toMeetInvariant('I-PERF-004');
    expect(failureOf(() => expect(slowSnap).toMeetInvariant('I-PERF-004'))).toMatch(/drawing_playback_fps = 30 fps \(threshold >= 60, \d+ samples\) VIOLATED/);

    const small = new MetricsCollector();
    const smooth = small.playback({ displayHz: 60 });
    for (let i = 0; i < 120; i++) smooth.recordFrame(i * (1000 / 60));
    smooth.setStrokeCount(999);
    const smallSnap = small.snapshot();
    expect(smallSnap).not.toMeetInvariant('I-PERF-004');
    const message = failureOf(() => expect(smallSnap).toMeetInvariant('I-PERF-004'));
    expect(message).toMatch(/drawing_playback_fps = 60 fps \(threshold >= 60, \d+ samples\) ok/);
    expect(message).toMatch(/stroke_count = 999 count \(threshold >= 1000, \d+ samples\) VIOLATED/);
    expect(message).toContain('remediation: Use offscreen canvas, reduce stroke complexity, or enable GPU acceleration');
  });

  test('the whole contract fails when any invariant does', () => {
    const all = { 'websocket.latency_p99_ms': 12, 'ui.frame_rate': 60, 'memory.heap_used_mb': 101, drawing_playback_fps: 60, stroke_count: 1200 };
    expect(all).not.toMeetContract('feature_performance');
    expect(failureOf(() => expect(all).toMeetContract('feature_performance'))).toMatch(/I-PERF-003 "Memory Usage Limit"[^\n]*verdict: FAIL/);
  });
});
