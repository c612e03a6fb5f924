import { afterEach, describe, expect, it } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { isHilError } from '../../harness/errors.ts';
import { createRng } from '../world/index.ts';
import { Trace } from '../mbot/trace.ts';
import { byteTimeMs, resolveLinkOptions, type LinkOptions } from './link-options.ts';
import { SerialLink } from './serial-link.ts';
import { receiveAtRate } from './uart-framing.ts';

let clock: VirtualClock;
let link: SerialLink;

function make(opts: LinkOptions = {}, seed = 7): { got: Array<{ atMs: number; bytes: number[] }>; trace: Trace } {
  clock = createClock('virtual');
  const trace = new Trace();
  // The timing figures below are worked out at 115200 baud.
  link = new SerialLink(clock, createRng(seed), { baudRate: 115200, ...opts }, trace);
  const got: Array<{ atMs: number; bytes: number[] }> = [];
  link.onDeliver('to-device', (b) => got.push({ atMs: clock.monotonicMs(), bytes: [...b] }));
  return { got, trace };
}

afterEach(() => {
  link?.dispose();
  clock?.dispose();
});

describe('serial link timing', () => {
  it('takes 10 bit times per byte: 115200 baud ≈ 86.8 µs a byte', () => {
    expect(byteTimeMs(115200) * 1000).toBeCloseTo(86.806, 2);
    expect(byteTimeMs(57600) * 1000).toBeCloseTo(173.611, 2);
  });

  it('runs at 57600 baud unless told otherwise (mBot Firmata over USB, StandardFirmata)', () => {
    expect(resolveLinkOptions(undefined).baudRate).toBe(57600);
  });

  it('delivers a write when its last byte has arrived (whole ms) and records each byte time', async () => {
    const { got, trace } = make();
    link.send('to-device', new Uint8Array(100).fill(0x55));
    await clock.advance(8);
    expect(got).toEqual([]);
    await clock.advance(1);
    expect(got).toHaveLength(1);
    expect(got[0]?.atMs).toBe(9); // 100 × 0.0868 = 8.68 ms
    const times = trace.entries().map((e) => e.atMs);
    expect(times[0]).toBeCloseTo(0.0868, 4);
    expect(times[99]).toBeCloseTo(8.6806, 3);
  });

  it('queues writes behind each other in one direction, not across directions', async () => {
    const { got, trace } = make();
    const back: number[] = [];
    link.onDeliver('to-host', () => back.push(clock.monotonicMs()));
    link.send('to-device', new Uint8Array(100));
    link.send('to-device', new Uint8Array(100));
    link.send('to-host', new Uint8Array(100));
    await clock.advance(30);
    expect(got.map((g) => g.atMs)).toEqual([9, 18]); // the second starts at 8.68 ms and ends at 17.36 ms
    expect(back).toEqual([9]);
    expect(trace.entries().filter((e) => e.dir === 'to-device').at(-1)?.atMs).toBeCloseTo(17.361, 3);
  });

  it('adds latency and seeded jitter without reordering', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const { got } = make({ latencyMs: 5, jitterMs: 20 }, seed);
      for (let i = 0; i < 20; i++) {
        link.send('to-device', Uint8Array.of(i));
        await clock.advance(1);
      }
      await clock.advance(100);
      const out = got.map((g) => g.atMs);
      expect(got.flatMap((g) => g.bytes)).toEqual([...Array(20).keys()]);
      link.dispose();
      clock.dispose();
      return out;
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[i - 1] ?? 0);
  });

  it('drops and corrupts at the configured rates, reproducibly', async () => {
    const { got, trace } = make({ dropRate: 0.1, corruptRate: 0.1 }, 11);
    const data = new Uint8Array(5000).fill(0);
    link.send('to-device', data);
    await clock.advance(500);
    const delivered = got.flatMap((g) => g.bytes);
    const entries = trace.entries();
    const lost = entries.filter((e) => e.delivered === null).length;
    const flipped = delivered.filter((b) => b !== 0);
    expect(lost).toBeGreaterThan(400);
    expect(lost).toBeLessThan(600);
    expect(delivered).toHaveLength(5000 - lost);
    expect(flipped.length).toBeGreaterThan(350);
    expect(flipped.length).toBeLessThan(550);
    // One bit flipped per corrupted byte.
    for (const b of flipped) expect(b.toString(2).replace(/0/g, '')).toHaveLength(1);
  });

  it('corruptNext / dropNext hit exactly the next n bytes', async () => {
    const { got } = make();
    link.corruptNext(2, 'to-device');
    link.dropNext(1, 'to-device');
    link.send('to-device', Uint8Array.of(0, 0, 0, 0, 0));
    await clock.advance(5);
    const b = got.flatMap((g) => g.bytes);
    expect(b).toHaveLength(4);
    expect(b.filter((x) => x !== 0)).toHaveLength(2);
  });

  it('a host at another baud rate: each side sends at its own rate and reads the other as a UART would', async () => {
    const { got, trace } = make();
    const back: number[][] = [];
    link.onDeliver('to-host', (b) => back.push([...b]));
    link.hostBaudRate = 57600;
    const sent = new Uint8Array(64).fill(0x90);
    link.send('to-device', sent);
    await clock.advance(12);
    // The host's bytes take its own byte time on the wire: 64 × 173.6 µs = 11.1 ms.
    expect(got.map((g) => g.atMs)).toEqual([12]);
    const expected = receiveAtRate(sent, 57600, 115200);
    expect(got.flatMap((g) => g.bytes)).toEqual(Array.from(expected.bytes));
    expect(got.flatMap((g) => g.bytes).filter((b) => b === 0x90)).toHaveLength(0);
    // The board's announce read by the 57600 host.
    const announce = Uint8Array.of(0xf9, 0x02, 0x05);
    link.send('to-host', announce);
    await clock.advance(2);
    expect(back.flat()).toEqual(Array.from(receiveAtRate(announce, 115200, 57600).bytes));
    expect(back.flat()).not.toContain(0xf9);
    // The trace keeps what was sent and, per write, what the receiver made of it.
    const events = trace.deviceEvents({ kind: 'uart-framing' });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ dir: 'to-device', senderBaud: 57600, receiverBaud: 115200, sent: 64, received: Array.from(expected.bytes), framingErrors: expected.framingErrors });
    expect(trace.entries()[0]).toMatchObject({ byte: 0x90 });
    expect(trace.entries()[0]?.delivered).not.toBe(0x90);
  });

  it('at matching rates nothing is decoded again and the trace holds no framing event', async () => {
    const { got, trace } = make();
    link.hostBaudRate = 115200;
    link.send('to-device', Uint8Array.of(0xf9));
    await clock.advance(2);
    expect(got.flatMap((g) => g.bytes)).toEqual([0xf9]);
    expect(trace.deviceEvents()).toEqual([]);
  });

  it('unplug loses bytes in flight and ignores sends until replug', async () => {
    const { got } = make();
    link.send('to-device', new Uint8Array(100));
    await clock.advance(3);
    link.unplug();
    link.send('to-device', Uint8Array.of(1));
    await clock.advance(20);
    expect(got).toEqual([]);
    expect(link.plugged).toBe(false);
    link.replug();
    link.send('to-device', Uint8Array.of(2));
    await clock.advance(2);
    expect(got.flatMap((g) => g.bytes)).toEqual([2]);
  });

  it('rejects bad options with HIL_SIM_INVALID_OPTION naming the option and range', () => {
    const bad: Array<[LinkOptions, RegExp]> = [
      [{ baudRate: 0 }, /link\.baudRate must be an integer in 300\.\.4000000/],
      [{ dropRate: 1.5 }, /link\.dropRate must be a number in 0\.\.1/],
      [{ jitterMs: -1 }, /link\.jitterMs/],
      [{ latencyMs: Number.NaN }, /link\.latencyMs/],
      [{ bogus: 1 } as LinkOptions, /link\.bogus must be one of the known options/],
    ];
    for (const [opts, re] of bad) {
      let err: unknown;
      try {
        resolveLinkOptions(opts);
      } catch (e) {
        err = e;
      }
      expect(isHilError(err, 'HIL_SIM_INVALID_OPTION')).toBe(true);
      expect((err as Error).message).toMatch(re);
    }
  });
});
