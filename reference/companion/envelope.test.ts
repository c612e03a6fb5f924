/**
 * The wire bytes the companion sends: `encodeFrame` (bytes filled per
 * client from shared bodies) must produce exactly the JSON a plain
 * `JSON.stringify` of the envelope describes, for one message and for a
 * batch, with sequence numbers and stamps of every length.
 */
import { describe, expect, test } from 'vitest';
import { encodeFrame, frameText, outgoing } from './envelope.ts';

const sensors = outgoing('event', { event: 'sensors', data: { tick: 7, distanceCm: 87.4, note: 'héllo ✓' } }, 1_767_225_600_123_456, { droppable: true });
const pose = outgoing('event', { event: 'pose', data: { tick: 7, xCm: -1.25 } }, 5, { droppable: true });

describe('encodeFrame', () => {
  test.each([1, 9, 10, 99, 100, 123_456, 2 ** 31, Number.MAX_SAFE_INTEGER - 1])('one message, sequence %i: the message itself', (sequence) => {
    const bytes = encodeFrame([{ message: sensors, sequence }], 0, 1, 0);
    expect(bytes.toString('utf8')).toBe(frameText(sensors, sequence));
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({
      version: 2, sequence, type: 'event', payload: { event: 'sensors', data: { tick: 7, distanceCm: 87.4, note: 'héllo ✓' } },
      timestamp: 1_767_225_600_123, timestampMicros: 1_767_225_600_123_456,
    });
  });

  test.each([0, 7, 999, 1_000, 1_767_225_600_123_456.25])('a batch stamped %d µs wraps its messages in order', (batchMicros) => {
    // Taken from the middle of a queue, as a session does.
    const queue = [{ message: pose, sequence: 8 }, { message: sensors, sequence: 9 }, { message: pose, sequence: 10 }, { message: sensors, sequence: 12 }, { message: pose, sequence: 13 }];
    const bytes = encodeFrame(queue, 1, 4, batchMicros);
    expect(encodeFrame(queue, 1, 4, batchMicros, false).equals(bytes), 'own memory, same bytes').toBe(true);
    const micros = Math.round(batchMicros);
    expect(bytes.toString('utf8')).toBe(JSON.stringify({
      version: 2, type: 'batch',
      payload: { messages: [JSON.parse(frameText(sensors, 9)), JSON.parse(frameText(pose, 10)), JSON.parse(frameText(sensors, 12))] },
      timestamp: Math.floor(micros / 1000), timestampMicros: micros,
    }));
  });
});
