import { describe, expect, test } from 'vitest';
import './register.ts';
import { createSnapshot } from '../metrics/snapshot.ts';
import type { InvariantEvaluation } from '../evaluation/model.ts';

const good = {
  'websocket.latency_p99_ms': 41.2,
  'ui.frame_rate': 60,
  'memory.heap_used_mb': 72.5,
  drawing_playback_fps: 60,
  stroke_count: 1200,
};

function lastEvaluation(meta: { hilEvaluations?: InvariantEvaluation[] }): InvariantEvaluation {
  const list = meta.hilEvaluations ?? [];
  const e = list[list.length - 1];
  if (!e) throw new Error('no evaluation attached');
  return e;
}

describe('toMeetInvariant', () => {
  test('passes when every check holds, and attaches a plain-JSON evaluation to task.meta', ({ task }) => {
    expect({ 'websocket.latency_p99_ms': 41.2 }).toMeetInvariant('I-PERF-001');
    const e = lastEvaluation(task.meta);
    expect(e.verdict).toBe('pass');
    expect(e.invariant).toMatchObject({ id: 'I-PERF-001', name: 'WebSocket Latency Target' });
    expect(e.checks[0]?.comparisons[0]).toMatchObject({ metric: 'websocket.latency_p99_ms', op: '<=', threshold: 50, leftValue: 41.2, passed: true });
    expect(JSON.parse(JSON.stringify(task.meta))).toEqual(task.meta);
  });

  test('fails with id, name, check, threshold, measured value, samples, target, clock and remediation', () => {
    const snap = createSnapshot(
      { 'websocket.latency_p99_ms': { value: 73.4, unit: 'ms', samples: 12000 } },
      { target: { kind: 'none', port: '/dev/ttyUSB0', firmware: { name: 'StandardFirmata.ino', version: '2.5' } }, clock: { kind: 'virtual' }, seed: 7 },
    );
    let message = '';
    try {
      expect(snap).toMeetInvariant('I-PERF-001');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('I-PERF-001 "WebSocket Latency Target"');
    expect(message).toContain('websocket.latency_p99_ms <= 50.0');
    expect(message).toContain('websocket.latency_p99_ms = 73.4 ms (threshold <= 50, 12000 samples) VIOLATED');
    expect(message).toContain('port /dev/ttyUSB0');
    expect(message).toContain('firmware StandardFirmata.ino 2.5');
    expect(message).toContain('clock: virtual');
    expect(message).toContain('seed: 7');
    expect(message).toContain('remediation: Enable message batching, compression, and connection pooling');
    expect(message).toContain('failure mode: alert');
  });

  test('.not passes on a violation and fails on a pass', () => {
    expect({ 'ui.frame_rate': 45 }).not.toMeetInvariant('I-PERF-002');
    expect(() => expect({ 'ui.frame_rate': 60 }).not.toMeetInvariant('I-PERF-002')).toThrowError(/to be violated; verdict: PASS/);
  });

  test('a missing metric is "not evaluated" and fails plain and negated, unless allowed', ({ task }) => {
    expect(() => expect({ 'ui.frame_rate': 60 }).toMeetInvariant('I-PERF-004')).toThrowError(/not evaluated: missing metric\(s\): drawing_playback_fps, stroke_count/);
    expect(() => expect({ 'ui.frame_rate': 60 }).not.toMeetInvariant('I-PERF-004')).toThrowError(/verdict: NOT-EVALUATED/);
    expect({ 'ui.frame_rate': 60 }).toMeetInvariant('I-PERF-004', { allowMissing: true });
    const e = lastEvaluation(task.meta);
    expect(e).toMatchObject({ verdict: 'not-evaluated', missing: ['drawing_playback_fps', 'stroke_count'], allowMissing: true });
  });

  test('a failing check is never masked by allowMissing', () => {
    expect(() => expect({ drawing_playback_fps: 58, stroke_count: 1200 }).toMeetInvariant('I-PERF-004', { allowMissing: true })).toThrowError(/VIOLATED/);
  });

  test('compound checks report every comparison', ({ task }) => {
    expect(() => expect({ drawing_playback_fps: 61, stroke_count: 900 }).toMeetInvariant('I-PERF-004')).toThrowError(/stroke_count = 900 count \(threshold >= 1000/);
    const e = lastEvaluation(task.meta);
    expect(e.checks[0]?.comparisons.map((c) => c.passed)).toEqual([true, false]);
  });

  test('bad input throws HIL_MATCHER_BAD_INPUT even under .not, and is recorded as not evaluated', ({ task }) => {
    expect(() => expect('fast').toMeetInvariant('I-PERF-001')).toThrowError(/HIL_MATCHER_BAD_INPUT/);
    expect(() => expect({ 'websocket.latency_p99_ms': Number.NaN }).not.toMeetInvariant('I-PERF-001')).toThrowError(/HIL_MATCHER_BAD_INPUT: metric values must be finite numbers/);
    expect(() => expect(null).not.toMeetInvariant('I-PERF-001')).toThrowError(/HIL_MATCHER_BAD_INPUT/);
    expect(() => expect({ 'Bad Name': 1 }).toMeetInvariant('I-PERF-001')).toThrowError(/HIL_MATCHER_BAD_INPUT.*dotted lower_snake_case/);
    const e = lastEvaluation(task.meta);
    expect(e.verdict).toBe('not-evaluated');
    expect(e.reason).toMatch(/HIL_MATCHER_BAD_INPUT/);
  });

  test('an unknown invariant id names the ids that exist', () => {
    expect(() => expect(good).toMeetInvariant('I-PERF-999')).toThrowError(/HIL_INVARIANT_NOT_FOUND.*known ids: I-PERF-001, I-PERF-002, I-PERF-003, I-PERF-004/);
  });
});

describe('toMeetContract', () => {
  test('passes when every invariant of the contract holds; by file stem or by name', ({ task }) => {
    expect(good).toMeetContract('feature_performance');
    expect(good).toMeetContract('Performance Optimization');
    expect(task.meta.hilEvaluations?.map((e) => e.invariant.id)).toEqual([
      'I-PERF-001', 'I-PERF-002', 'I-PERF-003', 'I-PERF-004',
      'I-PERF-001', 'I-PERF-002', 'I-PERF-003', 'I-PERF-004',
    ]);
  });

  test('fails when one invariant fails, naming it', () => {
    expect(() => expect({ ...good, 'memory.heap_used_mb': 130 }).toMeetContract('feature_performance')).toThrowError(/I-PERF-003 "Memory Usage Limit".*\n[\s\S]*memory.heap_used_mb = 130 mb \(threshold <= 100/);
    expect({ ...good, 'memory.heap_used_mb': 130 }).not.toMeetContract('feature_performance');
  });

  test('an unknown contract names the contracts that exist', () => {
    expect(() => expect(good).toMeetContract('nope')).toThrowError(/HIL_CONTRACT_NOT_FOUND.*feature_performance \("Performance Optimization"\)/);
  });
});

// Hostile and forged input (issue 12). Before this file's fixes: the forged
// NaN and Infinity snapshots passed `.not`, the 'Bad Name!' sim snapshot
// passed, allowMissing 1/'yes' let `.not` pass on a missing metric, a
// non-string label passed, and null metrics, a missing clock, getters and
// Proxies threw uncoded TypeErrors.
// The look-alikes below claim target `sim`: a plain (non-negated) assertion on one
// would count in `npm test`'s own gate (a bad input as "not evaluated" on sim, a
// pass as a sim pass without a measurement), so they are asserted under `.not`,
// which refuses bad input alike and keeps the evaluation a self-check.
describe('received values are validated like any measurement, under .not too', () => {
  const forged = (metrics: unknown, extra: Record<string, unknown> = {}) => ({
    kind: 'mbot-hil/metrics-snapshot', metrics, target: { kind: 'sim' }, clock: { kind: 'wall' }, seed: null, takenAt: '2026-12-01T00:00:00.000Z', ...extra,
  });
  const p99 = (value: unknown) => ({ 'websocket.latency_p99_ms': { value, unit: 'ms', samples: 1 } });
  const badInput = (run: () => void) => expect(run).toThrowError(/^HIL_MATCHER_BAD_INPUT: /);

  test('a forged snapshot with NaN or Infinity fails plain and under .not', () => {
    for (const v of [Number.NaN, Infinity, -Infinity, '41', null]) {
      badInput(() => expect(forged(p99(v))).not.toMeetInvariant('I-PERF-001'));
      badInput(() => expect(forged(p99(v), { target: { kind: 'none' } })).toMeetInvariant('I-PERF-001'));
    }
    expect(() => expect(forged(p99(Number.NaN))).not.toMeetInvariant('I-PERF-001')).toThrowError(/websocket\.latency_p99_ms"\]\.value must be a finite number, got NaN/);
  });

  test('names, units, samples, target and clock of a snapshot look-alike are checked', () => {
    badInput(() => expect(forged({ ...p99(10), 'Bad Name!': { value: 1, unit: 'ms', samples: 1 } })).not.toMeetInvariant('I-PERF-001'));
    expect(() => expect(forged({ ...p99(10), 'my.own_metric': { value: 1, unit: 'ms', samples: 1 } })).not.toMeetInvariant('I-PERF-001')).toThrowError(/not in the metric catalogue, but the snapshot claims a sim measurement/);
    badInput(() => expect(forged({ 'websocket.latency_p99_ms': { value: 10, unit: 'parsecs', samples: 1 } })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged({ 'websocket.latency_p99_ms': { value: 10, unit: 'ms', samples: -1 } })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged({ 'websocket.latency_p99_ms': { value: 10, unit: 'ms', samples: 0.5 } })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(null)).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(p99(10), { clock: undefined })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(p99(10), { clock: { kind: 'sundial' } })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(p99(10), { target: { kind: 'robot' } })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(p99(10), { target: { kind: 'sim', port: 7 } })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(p99(10), { takenAt: 'yesterday' })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(p99(10), { seed: 1n })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(p99(10), { sneaky: true })).not.toMeetInvariant('I-PERF-001'));
    // A well-formed look-alike (what a JSON round trip of a real snapshot gives) is accepted:
    // judged, not refused, so `.not` passes on its real violation.
    expect(forged(p99(80))).not.toMeetInvariant('I-PERF-001');
    expect(JSON.parse(JSON.stringify(createSnapshot(p99(80) as never, { target: { kind: 'sim' } })))).not.toMeetInvariant('I-PERF-001');
  });

  test('bad input is recorded as not evaluated on the target it claims, so a caught error still counts in the gate', ({ task }) => {
    badInput(() => expect(forged(p99(Number.NaN))).not.toMeetInvariant('I-PERF-001'));
    expect(lastEvaluation(task.meta)).toMatchObject({ verdict: 'not-evaluated', negated: true, target: { kind: 'sim' } });
    badInput(() => expect(forged(p99(Number.NaN), { target: { kind: 'hardware', port: '/dev/ttyUSB0' } })).not.toMeetInvariant('I-PERF-001'));
    expect(lastEvaluation(task.meta).target).toEqual({ kind: 'hardware' });
    // What cannot be read without calling into the value claims nothing: target none.
    const getterTarget = forged(p99(Number.NaN), { target: { get kind() { return 'sim'; } } });
    for (const x of [getterTarget, forged(p99(Number.NaN), { target: new Proxy({ kind: 'sim' }, {}) }), forged(p99(10), { target: { kind: 'robot' } }), { 'websocket.latency_p99_ms': Number.NaN }, 'fast']) {
      badInput(() => expect(x).not.toMeetInvariant('I-PERF-001'));
      expect(lastEvaluation(task.meta).target).toEqual({ kind: 'none' });
    }
  });

  test('allowMissing must be a boolean, label a string, and no unknown option', () => {
    for (const allowMissing of [1, 'yes', {}, null]) {
      badInput(() => expect({ 'ui.frame_rate': 60 }).not.toMeetInvariant('I-PERF-004', { allowMissing } as never));
      badInput(() => expect({ 'ui.frame_rate': 60 }).toMeetInvariant('I-PERF-004', { allowMissing } as never));
    }
    badInput(() => expect({ 'websocket.latency_p99_ms': 10 }).toMeetInvariant('I-PERF-001', { label: 42 } as never));
    badInput(() => expect({ 'websocket.latency_p99_ms': 10 }).toMeetInvariant('I-PERF-001', { alowMissing: true } as never));
    badInput(() => expect({ 'websocket.latency_p99_ms': 10 }).toMeetInvariant('I-PERF-001', 'fast' as never));
  });

  test('throwing getters, Proxies, cycles and BigInt give HIL_MATCHER_BAD_INPUT, and no getter is ever called', () => {
    let called = 0;
    const getter = { get 'websocket.latency_p99_ms'() { called++; throw new Error('boom'); } };
    badInput(() => expect(getter).not.toMeetInvariant('I-PERF-001'));
    const nestedGetter = forged({ 'websocket.latency_p99_ms': { get value() { called++; return 10; }, unit: 'ms', samples: 1 } });
    badInput(() => expect(nestedGetter).not.toMeetInvariant('I-PERF-001'));
    expect(called).toBe(0);
    const trap = new Proxy({}, { ownKeys() { throw new Error('trap'); }, get() { throw new Error('trap'); } });
    badInput(() => expect(trap).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(forged(new Proxy(p99(10), {}))).not.toMeetInvariant('I-PERF-001'));
    const cycle: Record<string, unknown> = { 'websocket.latency_p99_ms': 10 };
    cycle.self = cycle;
    badInput(() => expect(cycle).not.toMeetInvariant('I-PERF-001'));
    const evidence: Record<string, unknown> = {};
    evidence.latency = evidence;
    badInput(() => expect(forged(p99(10), { evidence })).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect({ 'websocket.latency_p99_ms': 10n }).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(10n).not.toMeetInvariant('I-PERF-001'));
    badInput(() => expect(new Map([['websocket.latency_p99_ms', 10]])).not.toMeetInvariant('I-PERF-001'));
  });

  test('an evaluation keeps only the metrics its checks read, plus what the spec attaches', ({ task }) => {
    const many: Record<string, number> = { 'websocket.latency_p99_ms': 10 };
    for (let i = 0; i < 5000; i++) many[`noise.m${i}`] = i;
    expect(many).toMeetInvariant('I-PERF-001');
    expect(Object.keys(lastEvaluation(task.meta).metrics)).toEqual(['websocket.latency_p99_ms']);
    expect({ 'websocket.latency_p99_ms': 10, 'websocket.latency_p50_ms': 4, 'websocket.dropped': 0 }).toMeetInvariant('I-PERF-001', { attach: ['websocket.latency_p50_ms', 'not.there'] });
    expect(Object.keys(lastEvaluation(task.meta).metrics)).toEqual(['websocket.latency_p50_ms', 'websocket.latency_p99_ms']);
    // Past 10,000 metrics the object is refused instead of copied into the report
    // (the 10^6-key figures: harness/evaluation/measure-received.ts).
    const huge: Record<string, number> = { 'websocket.latency_p99_ms': 10 };
    for (let i = 0; i < 10_000; i++) huge[`m${i}`] = i;
    expect(() => expect(huge).not.toMeetInvariant('I-PERF-001')).toThrowError(/HIL_MATCHER_BAD_INPUT: the received object has 10001 entries; a snapshot holds at most 10000 metrics/);
  });
});
