// Issue 11 item 6: no host input crashes the simulator. Buzzer toggles are
// timed by their place on the wire, a firmware fault is a trace event (never
// a throw out of a timer), and a ping-read blocks the loop no longer than
// the AVR's pulseIn/delayMicroseconds arithmetic allows.
import { Duplex, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createClock, type Clock, type ClockTimer, type VirtualClock } from '../../harness/clock/index.ts';
import { createSimulatedMbot, type SimulatedMbot } from '../index.ts';
import { CMD, SYSEX } from '../../harness/mbot/firmata-constants.ts';
import { McoreFirmware, type McoreHardware } from './mcore-firmware.ts';
import { advanceUntil, openRawHost, type RawHost } from './test-support.ts';
import { DEFAULT_TONE_MAX_HZ } from './tone-meter.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A clock whose timer callbacks are caught: what a timer throws lands in `errors` instead of crashing the process. */
function catchingClock(inner: Clock): { clock: Clock; errors: unknown[] } {
  const errors: unknown[] = [];
  const guard = (fn: () => void) => () => {
    try {
      fn();
    } catch (err) {
      errors.push(err);
    }
  };
  const clock = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'setTimeout') return (fn: () => void, ms: number): ClockTimer => target.setTimeout(guard(fn), ms);
      if (prop === 'setInterval') return (fn: () => void, ms: number): ClockTimer => target.setInterval(guard(fn), ms);
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { clock, errors };
}

/** 1,365 DIGITAL_MESSAGEs toggling the buzzer pin (8 = port 1 bit 0): 4,095 bytes, one PTY read's worth. */
function toggleBurst(): Buffer {
  const b: number[] = [];
  for (let i = 0; i < 1365; i++) b.push(CMD.DIGITAL_MESSAGE | 1, (i + 1) & 1, 0);
  return Buffer.from(b);
}

/** Serves `sim` on a PassThrough pair; returns the writer. */
function serveStream(sim: SimulatedMbot): PassThrough {
  const toSim = new PassThrough();
  const fromSim = new PassThrough();
  fromSim.resume();
  const stop = sim.serve(Duplex.from({ readable: toSim, writable: fromSim }));
  cleanups.push(stop);
  return toSim;
}

/** Firmata's 32-bit value as four 7-bit pairs (PingFirmata's layout). */
const be32Pairs = (v: number): number[] =>
  [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].flatMap((b) => [b & 0x7f, b >> 7]);

function pingRead(pin: number, pulseOutUs: number, timeoutUs: number): number[] {
  return [CMD.START_SYSEX, SYSEX.PING_READ, pin, 1, ...be32Pairs(pulseOutUs), ...be32Pairs(timeoutUs), CMD.END_SYSEX];
}

describe('buzzer edges are timed by their place on the wire', () => {
  it('1 KiB reads of toggles at 4 Mbaud: no timer throws (whole-chunk stamps read 113 kHz and world.setTone threw)', async () => {
    const virtual = createClock('virtual');
    const { clock, errors } = catchingClock(virtual);
    const sim = createSimulatedMbot({ clock, resetDelayMs: 0, link: { baudRate: 4_000_000 } });
    cleanups.push(() => virtual.dispose(), () => sim.close());
    const toSim = serveStream(sim);
    await virtual.advance(2);
    const seen: number[] = [];
    for (let burst = 0; burst < 5; burst++) {
      const b = toggleBurst();
      for (let o = 0; o < b.length; o += 1024) {
        toSim.write(b.subarray(o, o + 1024));
        await virtual.advance(1);
      }
      for (let t = 0; t < 20; t++) {
        await virtual.advance(1);
        seen.push(sim.world.toneHz);
      }
    }
    expect(errors.map(String)).toEqual([]);
    expect(sim.trace.deviceEvents()).toEqual([]);
    // The wire carries 66.7 kHz of toggles: above the meter's range, so it reads its top.
    expect(Math.max(...seen)).toBe(DEFAULT_TONE_MAX_HZ);
  });

  it('reads the pitch the wire allows (960 Hz at the default 57600 baud, one toggle per 3 bytes), not the delivery timing', async () => {
    const clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, resetDelayMs: 0 });
    cleanups.push(() => clock.dispose(), () => sim.close());
    const toSim = serveStream(sim);
    await clock.advance(2);
    const seen: number[] = [];
    for (let burst = 0; burst < 5; burst++) {
      const b = toggleBurst();
      // As a PTY hands them over: reads of at most 1 KiB, as they come.
      for (let o = 0; o < b.length; o += 1024) {
        toSim.write(b.subarray(o, o + 1024));
        await clock.advance(1);
      }
      for (let t = 0; t < 400; t += 5) {
        await clock.advance(5);
        if (sim.world.toneHz > 0) seen.push(sim.world.toneHz);
      }
    }
    const wireHz = 57600 / 10 / 3 / 2;
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(Math.floor(wireHz * 0.99));
    expect(Math.max(...seen)).toBeLessThanOrEqual(Math.ceil(wireHz * 1.01));
  });

  it('toggles released at once after a blocking ping-read do not crash the meter (virtual clock)', async () => {
    const virtual = createClock('virtual');
    const { clock, errors } = catchingClock(virtual);
    const sim = createSimulatedMbot({ clock, resetDelayMs: 0 });
    cleanups.push(() => virtual.dispose(), () => sim.close());
    const toSim = serveStream(sim);
    await virtual.advance(2);
    // Pin 3: no ultrasonic, so pulseIn waits its whole 400 ms timeout while the burst queues up in the UART.
    toSim.write(Buffer.from(pingRead(3, 0, 400_000)));
    await virtual.advance(1);
    toSim.write(toggleBurst());
    // The block ends at ≈ 404.0 ms; one more toggle right after the backlog was worked off.
    await virtual.advance(403);
    // The burst left the pin high: this one is an edge.
    toSim.write(Buffer.from([CMD.DIGITAL_MESSAGE | 1, 0, 0]));
    await virtual.advance(10);
    expect(errors.map(String)).toEqual([]);
    expect(sim.world.toneHz).toBeLessThanOrEqual(20_000);
  });
});

describe('a firmware fault is a device-side trace event, never a throw', () => {
  function firmwareWith(hardware: Partial<McoreHardware>, clock: VirtualClock) {
    const sent: number[] = [];
    const faults: Array<{ atMs: number; message: string }> = [];
    const fw = new McoreFirmware({
      clock,
      hardware: {
        sync: () => undefined,
        analogRead: () => 0,
        digitalRead: () => 0,
        outputChanged: () => undefined,
        pingEchoUs: () => 0,
        pixelsShown: () => undefined,
        ...hardware,
      },
      send: (bytes) => sent.push(...bytes),
      firmwareName: 'T',
      resetDelayMs: 0,
      onFault: (f) => faults.push(f),
    });
    return { fw, sent, faults };
  }

  it('a board model that throws on an output change: the fault is reported and the next message is still served', async () => {
    const clock = createClock('virtual');
    cleanups.push(() => clock.dispose());
    const { fw, sent, faults } = firmwareWith({ outputChanged: () => { throw new RangeError('setTone frequencyHz must be 0..100000'); } }, clock);
    cleanups.push(() => fw.dispose());
    fw.reset();
    await clock.advance(1);
    sent.length = 0;
    faults.length = 0;
    expect(() => fw.receive(Uint8Array.from([CMD.DIGITAL_MESSAGE | 1, 1, 0, CMD.REPORT_VERSION]))).not.toThrow();
    expect(faults).toHaveLength(1);
    expect(faults[0]?.message).toMatch(/^digital-port: pin 8: setTone frequencyHz/);
    expect(sent.slice(0, 3)).toEqual([CMD.REPORT_VERSION, 2, 5]);
  });

  it('the simulator records such a fault in its trace', async () => {
    const clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, resetDelayMs: 0 });
    cleanups.push(() => clock.dispose(), () => sim.close());
    const host: RawHost = openRawHost(sim.binding, sim.path);
    cleanups.push(() => host.close());
    await advanceUntil(clock, () => host.messages.some((m) => m.kind === 'report-version'), 100, 1);
    host.messages.length = 0;
    // A world that refuses every tone stands in for any board-model bug a host byte could reach.
    const world = sim.world as unknown as { setTone(hz: number): void };
    const original = world.setTone;
    (sim.world as unknown as Record<string, unknown>).setTone = () => { throw new RangeError('no tone today'); };
    cleanups.push(() => { (sim.world as unknown as Record<string, unknown>).setTone = original; });
    host.write([...toggleBurst().subarray(0, 30), CMD.REPORT_VERSION]);
    await clock.advance(10);
    const events = sim.trace.deviceEvents();
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ kind: 'firmware-fault', message: expect.stringContaining('no tone today') });
    expect(host.messages.some((m) => m.kind === 'report-version')).toBe(true);
  });
});

describe('pulse timeouts are bounded as the AVR bounds them', () => {
  async function versionLatencyAfterPing(pulseOutUs: number, timeoutUs: number, stepMs: number): Promise<number> {
    const clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, resetDelayMs: 0 });
    cleanups.push(() => clock.dispose(), () => sim.close());
    const host = openRawHost(sim.binding, sim.path);
    cleanups.push(() => host.close());
    await advanceUntil(clock, () => host.messages.some((m) => m.kind === 'report-version'), 100, 1);
    host.messages.length = 0;
    const t0 = clock.monotonicMs();
    host.write([...pingRead(3, pulseOutUs, timeoutUs), CMD.REPORT_VERSION]);
    for (let waited = 0; waited < 5_000_000; waited += stepMs) {
      if (host.messages.some((m) => m.kind === 'report-version')) break;
      await clock.advance(stepMs);
    }
    return clock.monotonicMs() - t0;
  }

  it('a 0xFFFFFFFF µs timeout blocks ≈ 268.4 s (pulseIn counts it in 32-bit cycles: timeout mod 2^28 µs), not 71.6 min', async () => {
    const ms = await versionLatencyAfterPing(0, 0xffffffff, 1000);
    expect(ms).toBeGreaterThanOrEqual(268_000);
    expect(ms).toBeLessThanOrEqual(270_000);
  });

  it('a 0xFFFFFFFF µs trigger pulse lasts ≈ 16.4 ms (delayMicroseconds takes 16 bits and counts quarter µs in 16 bits)', async () => {
    const ms = await versionLatencyAfterPing(0xffffffff, 1000, 1);
    // 2 µs + 16,383 µs pulse + 1 ms timeout + the bytes' wire time (about 7 ms at 57600 baud).
    expect(ms).toBeGreaterThanOrEqual(17);
    expect(ms).toBeLessThanOrEqual(26);
  });
});

describe('host bytes wait in the host stream, not in the simulator', () => {
  it('a served stream writing faster than the wire is paused above 4 KiB on the wire and resumed as it drains; every byte arrives', async () => {
    const clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, resetDelayMs: 0 });
    cleanups.push(() => clock.dispose(), () => sim.close());
    const toSim = new PassThrough();
    const fromSim = new PassThrough();
    fromSim.resume();
    const duplex = Duplex.from({ readable: toSim, writable: fromSim });
    cleanups.push(sim.serve(duplex));
    await clock.advance(10);
    // 64 KiB of stray data bytes (the firmware drops them): 11.4 s on the wire at 57600 baud.
    for (let i = 0; i < 64; i++) toSim.write(Buffer.alloc(1024));
    await clock.advance(1);
    expect(duplex.isPaused()).toBe(true);
    // The trace records bytes as they go on the wire: the 4 KiB high-water mark plus one read of the stream (16 KiB here).
    expect(sim.trace.totalBytes).toBeLessThan(24 * 1024);
    await clock.advance(12_000);
    expect(duplex.isPaused()).toBe(false);
    expect(sim.trace.totalBytes).toBeGreaterThanOrEqual(64 * 1024);
  });
});
