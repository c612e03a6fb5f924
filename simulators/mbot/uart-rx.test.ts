// The ATmega328P's 64-byte serial receive buffer (63 usable): host bytes that
// arrive while the firmware's loop is blocked in pulseIn() wait there, and
// what does not fit is lost, as on the chip.
import { afterEach, describe, expect, test } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { createSimulatedMbot, type SimulatedMbot } from './simulated-mbot.ts';
import { CMD, encode7BitPairs, SYSEX } from '../../harness/mbot/firmata-constants.ts';
import { openRawHost, type RawHost } from './test-support.ts';
import { RX_BUFFER_CAPACITY, UartRx, type RxReader } from './uart-rx.ts';

let clock: VirtualClock;
let sim: SimulatedMbot;
let host: RawHost;

afterEach(async () => {
  await host?.close();
  await sim?.close();
  clock?.dispose();
});

/** PING_READ on a pin with nothing attached: the loop sits in pulseIn() for the whole timeout. */
function pingRequest(pin: number, timeoutUs: number): number[] {
  const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return [CMD.START_SYSEX, SYSEX.PING_READ, pin, 1, ...encode7BitPairs(be32(5)), ...encode7BitPairs(be32(timeoutUs)), CMD.END_SYSEX];
}

async function booted(): Promise<void> {
  clock = createClock('virtual');
  sim = createSimulatedMbot({ clock, resetDelayMs: 0 });
  host = openRawHost(sim.binding, sim.path);
  await clock.advance(30);
  host.messages.length = 0;
}

const versionReplies = (): number => host.messages.filter((m) => m.kind === 'report-version').length;

describe('the board\'s serial receive buffer', () => {
  test('200 version queries sent during a 60 ms ping-read: 63 are answered afterwards, 137 are lost and recorded', async () => {
    await booted();
    // Pin 12 has no ultrasonic: pulseIn() waits out its 60 ms timeout.
    host.write(pingRequest(12, 60_000));
    await clock.advance(5);
    // 200 single-byte queries in 4-byte writes, as a host keeps writing: 34.7 ms on the wire, all inside the block.
    for (let i = 0; i < 50; i++) host.write([CMD.REPORT_VERSION, CMD.REPORT_VERSION, CMD.REPORT_VERSION, CMD.REPORT_VERSION]);
    await clock.advance(200);
    expect(host.messages.filter((m) => m.kind === 'sysex' && m.command === SYSEX.PING_READ)).toHaveLength(1);
    expect(versionReplies()).toBe(RX_BUFFER_CAPACITY);
    expect(sim.status().rxDroppedBytes).toBe(200 - RX_BUFFER_CAPACITY);
    const events = sim.trace.deviceEvents({ kind: 'uart-rx-overflow' });
    expect(events.reduce((n, e) => n + (e.kind === 'uart-rx-overflow' ? e.dropped : 0), 0)).toBe(200 - RX_BUFFER_CAPACITY);
    expect(events[0]).toMatchObject({ dir: 'to-device', capacity: 63 });
    // The board goes on: a later query is answered.
    host.messages.length = 0;
    host.write([CMD.REPORT_VERSION]);
    await clock.advance(5);
    expect(versionReplies()).toBe(1);
  });

  test('the same 200 queries with the loop running are all answered and nothing is recorded', async () => {
    await booted();
    for (let i = 0; i < 50; i++) host.write([CMD.REPORT_VERSION, CMD.REPORT_VERSION, CMD.REPORT_VERSION, CMD.REPORT_VERSION]);
    await clock.advance(200);
    expect(versionReplies()).toBe(200);
    expect(sim.status().rxDroppedBytes).toBe(0);
    expect(sim.trace.deviceEvents()).toEqual([]);
  });

  test('what fits waits and runs after the block, in order, behind the ping reply', async () => {
    await booted();
    host.write([...pingRequest(12, 60_000), CMD.REPORT_VERSION]);
    await clock.advance(5);
    host.write([CMD.START_SYSEX, SYSEX.REPORT_FIRMWARE, CMD.END_SYSEX]);
    await clock.advance(20);
    expect(host.messages).toEqual([]);
    await clock.advance(100);
    expect(host.messages.map((m) => (m.kind === 'sysex' ? `sysex ${m.command.toString(16)}` : m.kind))).toEqual(['sysex 75', 'report-version', 'sysex 79']);
    expect(sim.status().rxDroppedBytes).toBe(0);
  });

  test('a reset empties the buffer: bytes waiting for a blocked loop are gone after the reboot', async () => {
    await booted();
    host.write([...pingRequest(12, 60_000), CMD.REPORT_VERSION, CMD.REPORT_VERSION]);
    await clock.advance(10);
    sim.faults.pressReset();
    await clock.advance(200);
    // One announce from the reboot; the two queued queries died with the reset.
    expect(versionReplies()).toBe(1);
  });
});

describe('UartRx on its own', () => {
  function fakeReader(blockAfter: number, blockMs: number): RxReader & { got: number[] } {
    const got: number[] = [];
    let until = -Infinity;
    return {
      got,
      get loopBlockedUntilMs() {
        return until;
      },
      receive(bytes) {
        let i = 0;
        while (i < bytes.length && !(clock.monotonicMs() < until)) {
          got.push(bytes[i] as number);
          if (got.length === blockAfter) until = clock.monotonicMs() + blockMs;
          i++;
        }
        return i;
      },
    };
  }

  test('keeps 63 bytes while the reader is blocked, drops the rest, hands them over when it runs again', async () => {
    clock = createClock('virtual');
    const reader = fakeReader(1, 10);
    const drops: Array<[number, number]> = [];
    const rx = new UartRx(clock, reader, (n, at) => drops.push([n, at]));
    rx.deliver(Uint8Array.from({ length: 100 }, (_, i) => i));
    expect(reader.got).toEqual([0]);
    expect(rx.buffered).toBe(63);
    expect(drops).toEqual([[36, 0]]);
    await clock.advance(10);
    expect(reader.got).toEqual([...Array(64).keys()]);
    expect(rx.buffered).toBe(0);
    rx.dispose();
  });
});
