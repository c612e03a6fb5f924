// StandardFirmata's loop reads every byte the UART holds before it samples
// (loop(): `while (Firmata.available()) Firmata.processInput();` comes
// before the sampling check). A REPORT_ANALOG off that arrives 0.65 ms before
// a due sample therefore stops that sample on the real firmware (seen in the
// conformance suite against StandardFirmata 2.4 in avr8js when its timeline
// put the off in the same ms as a sample). The simulator's link hands host
// bytes over at the next whole ms, the same ms as the sample: the host's
// bytes must be taken in first.
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createVirtualClock, type VirtualClock } from '../../harness/clock/index.ts';
import { CMD } from '../../harness/mbot/firmata-constants.ts';
import { FirmataParser } from './firmata-parser.ts';
import { createSimulatedMbot, type SimulatedMbot } from './simulated-mbot.ts';

let clock: VirtualClock | undefined;
let sim: SimulatedMbot | undefined;
afterEach(async () => {
  await sim?.close();
  clock?.dispose();
  sim = undefined;
  clock = undefined;
});

/** Serves a simulator on a stream; returns the host's write and the arrival times (ms) of analog reports. */
function served(): { write: (bytes: number[]) => void; analogAtMs: number[] } {
  clock = createVirtualClock();
  const c = clock;
  const analogAtMs: number[] = [];
  const parser = new FirmataParser({ direction: 'to-host', maxSysexBytes: 4096 }, (m) => {
    if (m.kind === 'analog') analogAtMs.push(c.monotonicMs());
  });
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      for (const b of chunk) parser.push(b);
      done();
    },
  });
  sim = createSimulatedMbot({ clock: c, seed: 1, resetDelayMs: 100, link: { baudRate: 57_600 } });
  sim.serve(stream);
  return { write: (bytes) => stream.push(Buffer.from(bytes)), analogAtMs };
}

describe('host bytes that arrive before a due sample are read before it', () => {
  it('REPORT_ANALOG off arriving 0.65 ms before a sample stops that sample', async () => {
    const { write, analogAtMs } = served();
    const c = clock as VirtualClock;
    await c.advance(200);
    write([CMD.REPORT_ANALOG | 0, 1]);
    await c.advance(50);
    // The value at once, then one report per 19 ms; each reaches the host 1 ms after its sample (3 bytes on the wire).
    expect(analogAtMs.length).toBeGreaterThanOrEqual(3);
    const lastSampleMs = (analogAtMs.at(-1) as number) - 1;
    const nextSampleMs = lastSampleMs + 19;
    await c.advance(nextSampleMs - 1 - c.monotonicMs());
    // Two bytes take 0.35 ms at 57600: the off is in the UART at nextSampleMs - 0.65.
    write([CMD.REPORT_ANALOG | 0, 0]);
    const before = analogAtMs.length;
    await c.advance(60);
    expect(analogAtMs.slice(before), `a sample went out at ${nextSampleMs} ms after the off arrived`).toEqual([]);
  });

  it('a longer SAMPLING_INTERVAL arriving 0.13 ms before a due sample postpones it to the new interval', async () => {
    const { write, analogAtMs } = served();
    const c = clock as VirtualClock;
    await c.advance(200);
    write([CMD.START_SYSEX, 0x7a, 10, 0, CMD.END_SYSEX, CMD.REPORT_ANALOG | 0, 1]);
    await c.advance(50);
    const lastSampleMs = (analogAtMs.at(-1) as number) - 1;
    const nextSampleMs = lastSampleMs + 10;
    await c.advance(nextSampleMs - 1 - c.monotonicMs());
    // Five bytes take 0.87 ms: SAMPLING_INTERVAL 19 is in the UART before the loop's pass at nextSampleMs,
    // which then finds millis() - previousMillis (10) not above 19: the next sample is 19 ms after the last grid point.
    write([CMD.START_SYSEX, 0x7a, 19, 0, CMD.END_SYSEX]);
    const before = analogAtMs.length;
    await c.advance(25);
    expect(analogAtMs.slice(before).map((t) => t - 1)).toEqual([lastSampleMs + 19]);
  });
});

