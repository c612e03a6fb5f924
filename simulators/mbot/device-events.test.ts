import { describe, expect, test } from 'vitest';
import { Trace } from './trace.ts';

describe('device events in the trace', () => {
  test('are listed in order and filtered, change the digest, and are forgotten by clear()', () => {
    const trace = new Trace();
    trace.record('to-device', 0, 0.1736, Uint8Array.of(0xf9), null);
    const bytesOnly = trace.digest();
    trace.deviceEvent({ kind: 'uart-rx-overflow', atMs: 3, dir: 'to-device', dropped: 5, capacity: 63 });
    trace.record('to-host', 1, 0.0868, Uint8Array.of(0xf9, 2, 5), null, { senderBaud: 115200, receiverBaud: 57600, received: Uint8Array.of(0x86), framingErrors: 1 });
    expect(trace.deviceEvents().map((e) => e.kind)).toEqual(['uart-rx-overflow', 'uart-framing']);
    expect(trace.deviceEvents({ kind: 'uart-framing' })).toEqual([
      { kind: 'uart-framing', atMs: 1 + 3 * 0.0868, dir: 'to-host', senderBaud: 115200, receiverBaud: 57600, sent: 3, received: [0x86], framingErrors: 1 },
    ]);
    expect(trace.deviceEvents({ dir: 'to-host' })).toHaveLength(1);
    expect(trace.deviceEventCount).toBe(2);
    const withEvents = trace.digest();
    expect(withEvents).not.toBe(bytesOnly);
    trace.clear();
    expect(trace.deviceEvents()).toEqual([]);
    trace.record('to-device', 0, 0.1736, Uint8Array.of(0xf9), null);
    expect(trace.digest()).toBe(bytesOnly);
  });

  test('beyond the cap they are counted and hashed, not stored', () => {
    const a = new Trace({ maxDeviceEvents: 2 });
    const b = new Trace({ maxDeviceEvents: 2 });
    for (let i = 0; i < 5; i++) a.deviceEvent({ kind: 'uart-rx-overflow', atMs: i, dir: 'to-device', dropped: 1, capacity: 63 });
    for (let i = 0; i < 5; i++) b.deviceEvent({ kind: 'uart-rx-overflow', atMs: i, dir: 'to-device', dropped: i === 4 ? 2 : 1, capacity: 63 });
    expect(a.deviceEvents()).toHaveLength(2);
    expect(a.deviceEventCount).toBe(5);
    expect(a.digest()).not.toBe(b.digest());
  });
});
