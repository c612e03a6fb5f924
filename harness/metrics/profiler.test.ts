import { afterEach, describe, expect, test } from 'vitest';
import { createVirtualClock } from '../clock/virtual-clock.ts';
import type { VirtualClock } from '../clock/clock.ts';
import { natives } from '../clock/natives.ts';
import { getMetricDefinition } from './catalogue.ts';
import { MetricsCollector } from './collector.ts';
import { createProfiler, profiler } from './profiler.ts';

let clock: VirtualClock | undefined;
afterEach(() => {
  clock?.dispose();
  clock = undefined;
  profiler.reset();
});

describe('profiler.span with `using`', () => {
  test('records the scope\'s duration in virtual ms when a virtual clock is in force, also when the scope throws', async () => {
    clock = createVirtualClock({ install: true });
    const p = createProfiler();
    for (const ms of [5, 10, 40]) {
      using span = p.span('handle_command');
      await clock.advance(ms);
      expect(span.closed).toBe(false);
    }
    expect(() => {
      using _span = p.span('handle_command');
      throw new Error('boom');
    }).toThrow('boom');
    const m = p.metrics();
    expect(m['profile.handle_command_count']).toEqual({ value: 4, unit: 'count', samples: 4 });
    expect(m['profile.handle_command_max_ms']?.value).toBe(40);
    expect(m['profile.handle_command_p50_ms']?.value).toBeCloseTo(5, 1); // HDR reports the bucket's upper bound
    expect(m['profile.handle_command_unclosed']?.value).toBe(0);
    expect(p.snapshot().clock.kind).toBe('virtual');
    expect(p.clockKind).toBe('virtual');
  });

  test('times real ms without a virtual clock, and the shared profiler is the same API', async () => {
    {
      using _span = profiler.span('real_sleep');
      await new Promise((r) => natives.setTimeout(r, 30));
    }
    const max = profiler.metrics()['profile.real_sleep_max_ms']?.value ?? 0;
    expect(max).toBeGreaterThanOrEqual(29);
    expect(max).toBeLessThan(5000);
    expect(profiler.snapshot().clock.kind).toBe('wall');
  });

  test('counts spans that are still open as unclosed, not as durations, and end() is idempotent', async () => {
    clock = createVirtualClock();
    const p = createProfiler({ clock });
    const leaked = p.span('render');
    const done = p.span('render');
    await clock.advance(7);
    expect(done.end()).toBe(7);
    await clock.advance(3);
    expect(done.end()).toBe(7);
    done[Symbol.dispose]();
    let m = p.metrics();
    expect(m['profile.render_count']?.value).toBe(1);
    expect(m['profile.render_unclosed']?.value).toBe(1);
    expect(leaked.elapsedMs).toBe(10);
    leaked.end();
    m = p.metrics();
    expect(m['profile.render_unclosed']?.value).toBe(0);
    expect(m['profile.render_count']?.value).toBe(2);
  });

  test('time() wraps a function as one span', async () => {
    clock = createVirtualClock();
    const p = createProfiler({ clock });
    const v = await p.time('compute', async () => { await clock?.advance(12); return 42; });
    expect(v).toBe(42);
    expect(p.metrics()['profile.compute_max_ms']?.value).toBe(12);
  });

  test('rejects bad span names and a change of clock kind between spans', () => {
    const p = createProfiler();
    expect(() => p.span('Parse JSON')).toThrow(expect.objectContaining({ code: 'HIL_METRIC_INVALID' }));
    p.span('a').end();
    clock = createVirtualClock({ install: true });
    expect(() => p.span('a')).toThrow(expect.objectContaining({ code: 'HIL_CLOCK_MISUSE' }));
    p.reset();
    expect(() => p.span('a').end()).not.toThrow();
    expect(p.clockKind).toBe('virtual');
  });

  test('every name it produces is catalogued (a family) with the unit it carries, so a collector accepts it', () => {
    clock = createVirtualClock();
    const p = createProfiler({ clock });
    p.span('x').end();
    for (const [name, m] of Object.entries(p.metrics())) {
      expect(getMetricDefinition(name), name).toMatchObject({ unit: m.unit, source: 'Profiler' });
    }
    expect(() => new MetricsCollector().latency('profile.x', { droppedName: 'profile.x_unclosed' })).not.toThrow();
  });
});
