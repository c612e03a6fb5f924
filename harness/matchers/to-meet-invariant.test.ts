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
