import { describe, expect, test } from 'vitest';
import { applyEnvelope, createStore, TRAIL_CAP } from './page/telemetry.ts';

const env = (type: string, payload: unknown): unknown => ({ version: 2, type, payload, timestamp: 1_767_225_600_000 });

describe('the page decodes the companion V2 envelopes', () => {
  test('sensor and pose events fill the store; a batch counts its members', () => {
    const store = createStore();
    applyEnvelope(store, env('batch', { messages: [
      env('event', { event: 'sensors', data: { tick: 1, distanceCm: 42.5, light: 300, line: { left: true, right: false }, button: false } }),
      env('event', { event: 'pose', data: { xCm: 10, yCm: 20, headingDeg: 90 } }),
    ] }));
    expect(store.messages).toBe(2);
    expect(store.ultrasonicCm).toBe(42.5);
    expect(store.light).toBe(300);
    expect(store.line).toEqual({ left: true, right: false });
    expect(store.button).toBe(false);
    expect(store.pose).toEqual({ xCm: 10, yCm: 20, headingDeg: 90 });
    expect(store.trail).toEqual([{ xCm: 10, yCm: 20 }]);
  });

  test('a state snapshot and stroke events are read; unknown types and other versions are ignored', () => {
    const store = createStore();
    applyEnvelope(store, env('state', { pose: { xCm: 1, yCm: 2, headingDeg: 0 }, strokes: [{ id: 1, points: [[0, 0], [1, 1]] }] }));
    applyEnvelope(store, env('event', { event: 'stroke', data: { id: 2, points: [[2, 2], [3, 3]] } }));
    applyEnvelope(store, env('event', { event: 'ack', data: { id: 7 } }));
    applyEnvelope(store, { version: 1, type: 'event', payload: { event: 'pose', data: { xCm: 9, yCm: 9 } } });
    expect(store.pose).toEqual({ xCm: 1, yCm: 2, headingDeg: 0 });
    expect(store.penStrokes).toEqual([[{ xCm: 0, yCm: 0 }, { xCm: 1, yCm: 1 }], [{ xCm: 2, yCm: 2 }, { xCm: 3, yCm: 3 }]]);
  });

  test('a ping is answered with a pong carrying its payload', () => {
    const reply = applyEnvelope(createStore(), env('ping', { n: 1 }));
    expect(reply).toMatchObject({ version: 2, type: 'pong', payload: { n: 1 } });
  });

  test('the trail kept for redraws is capped while the total keeps counting', () => {
    const store = createStore();
    for (let i = 0; i < TRAIL_CAP + 10; i++) applyEnvelope(store, env('event', { event: 'pose', data: { xCm: i, yCm: 0, headingDeg: 0 } }));
    expect(store.trail).toHaveLength(TRAIL_CAP);
    expect(store.trailTotal).toBe(TRAIL_CAP + 10);
    expect(store.trail[0]).toEqual({ xCm: 10, yCm: 0 });
  });

  test('the robot link: from the state snapshot, then from robot_link events', () => {
    const store = createStore();
    expect(store.robotLink).toBeNull();
    applyEnvelope(store, env('state', { robot: { target: { kind: 'sim' }, profile: 'reference', link: 'lost' }, sensors: null }));
    expect(store.robotLink).toBe('lost');
    applyEnvelope(store, env('event', { event: 'robot_link', data: { state: 'up', message: 'reconnected' } }));
    expect(store.robotLink).toBe('up');
    applyEnvelope(store, env('event', { event: 'robot_link', data: { state: 'lost', code: 'HIL_PORT_DISCONNECTED', message: 'gone' } }));
    expect(store.robotLink).toBe('lost');
  });
});
