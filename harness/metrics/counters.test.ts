import { describe, expect, it } from 'vitest';
import { Counters } from './counters.ts';

describe('Counters', () => {
  it('sums increments, with samples = number of increments', () => {
    const c = new Counters();
    c.increment('websocket.bytes_on_wire', 120, 'bytes');
    c.increment('websocket.bytes_on_wire', 80, 'bytes');
    c.declareCounter('ui.slow_renders');
    expect(c.toMetrics()).toEqual({
      'websocket.bytes_on_wire': { value: 200, unit: 'bytes', samples: 2 },
      'ui.slow_renders': { value: 0, unit: 'count', samples: 0 },
    });
  });

  it('keeps the last value of a gauge and computes rates per second', () => {
    const c = new Counters();
    c.set('memory.heap_used_mb', 12, 'mb');
    c.set('memory.heap_used_mb', 10, 'mb', 7);
    c.setRate('websocket.messages_per_s', 1500, 30_000);
    expect(c.get('memory.heap_used_mb')).toEqual({ value: 10, unit: 'mb', samples: 7 });
    expect(c.get('websocket.messages_per_s')).toEqual({ value: 50, unit: 'msg/s', samples: 1500 });
    expect(c.names()).toEqual(['memory.heap_used_mb', 'websocket.messages_per_s']);
  });

  it('refuses to change a name\'s kind or unit, a decrement, a bad name, a bad window', () => {
    const c = new Counters();
    c.increment('websocket.dropped');
    const invalid = expect.objectContaining({ code: 'HIL_METRIC_INVALID' });
    expect(() => c.set('websocket.dropped', 3, 'count')).toThrow(invalid);
    expect(() => c.increment('websocket.dropped', 1, 'bytes')).toThrow(invalid);
    expect(() => c.increment('websocket.dropped', -1)).toThrow(invalid);
    expect(() => c.increment('Bad-Name')).toThrow(invalid);
    expect(() => c.set('ui.frames', Number.NaN, 'count')).toThrow(invalid);
    expect(() => c.setRate('websocket.messages_per_s', 1, 0)).toThrow(invalid);
    c.set('ui.frame_rate', 60, 'fps');
    c.reset();
    expect(c.toMetrics()).toEqual({ 'websocket.dropped': { value: 0, unit: 'count', samples: 0 } });
  });
});
