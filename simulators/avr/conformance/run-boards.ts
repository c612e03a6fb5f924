/**
 * Plays one host timeline to each board and collects what comes back, with
 * times in ms since the board's reset:
 *
 * - the real firmware: an `AvrMbotCore` (emulated ATmega328P + the world on
 *   its pins), host at 57600 baud, run on the chip's own cycle count;
 * - the simulator: `createSimulatedMbot` with its default options except the
 *   firmware name (the oracle's), the link at 57600 baud and a reset delay
 *   equal to the oracle's measured boot, on a virtual clock it owns (not
 *   installed: nothing else in the process is touched), served on a stream.
 *
 * Both boot from a reset at 0 and announce at about 1.88 s; the timeline
 * starts after both announces, so the version blink is run once per suite,
 * not per scenario (see the suite for how long that takes).
 */
import { Duplex } from 'node:stream';
import { createVirtualClock } from '../../../harness/clock/index.ts';
import { createSimulatedMbot } from '../../mbot/simulated-mbot.ts';
import { WIRING_PROFILES } from '../../../harness/mbot/mcore-pins.ts';
import { createWorld } from '../../world/index.ts';
import { AvrMbotCore } from '../avr-mbot-core.ts';
import type { FlashImage } from '../intel-hex.ts';
import type { TimedByte } from './reply-messages.ts';

/** A host write at an absolute time (ms after reset). */
export interface TimedWrite {
  atMs: number;
  bytes: readonly number[];
}

/** Host baud rate of the suite: StandardFirmata's and Johnny-Five's 57600. */
export const SUITE_BAUD = 57_600;
/** World seed of both boards. */
export const SUITE_SEED = 1;

/** What a board sent, and when its announce (REPORT_FIRMWARE's END_SYSEX) was complete. */
export interface BoardRun {
  bytes: TimedByte[];
  announceDoneMs: number;
  /** The emulated chip's USART setting at the end (firmware side only). */
  uart?: { ubrr: number; u2x: boolean; baud: number };
}

function announceEnd(bytes: readonly TimedByte[]): number | undefined {
  // REPORT_FIRMWARE is F0 79 ... F7; the announce is done at its F7.
  let inFirmware = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]?.byte;
    if (b === 0x79 && bytes[i - 1]?.byte === 0xf0) inFirmware = true;
    else if (b === 0xf7 && inFirmware) return bytes[i]?.atMs;
  }
  return undefined;
}

/** Runs `writes` against the firmware image until `endMs`. */
export function runFirmware(image: FlashImage, writes: readonly TimedWrite[], endMs: number): BoardRun {
  const core = new AvrMbotCore(image, createWorld({ seed: SUITE_SEED }), WIRING_PROFILES['johnny-five-examples']);
  core.uart.hostBaud = SUITE_BAUD;
  for (const w of [...writes].sort((a, b) => a.atMs - b.atMs)) {
    core.advanceTo(w.atMs);
    core.hostWrite(w.bytes);
  }
  core.advanceTo(endMs);
  const bytes = core.toHost.map((b) => ({ byte: b.byte, atMs: b.atMs }));
  return { bytes, announceDoneMs: announceEnd(bytes) ?? Number.NaN, uart: { ...core.chip.uartSetting, baud: core.chip.baudRate } };
}

/** Options of {@link runSimulator}. */
export interface SimRunOptions {
  /** REPORT_FIRMWARE name (the oracle's, so only deliberate differences remain). */
  firmwareName: string;
  /** Reset-to-announce delay, ms (the oracle's measured boot). */
  resetDelayMs: number;
}

/** Runs `writes` against the simulator until `endMs`. */
export async function runSimulator(writes: readonly TimedWrite[], endMs: number, opts: SimRunOptions): Promise<BoardRun> {
  const clock = createVirtualClock();
  const bytes: TimedByte[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      const at = clock.monotonicMs();
      for (const b of chunk) bytes.push({ byte: b, atMs: at });
      done();
    },
  });
  const sim = createSimulatedMbot({
    clock,
    seed: SUITE_SEED,
    firmwareName: opts.firmwareName,
    resetDelayMs: opts.resetDelayMs,
    link: { baudRate: SUITE_BAUD },
  });
  try {
    const stop = sim.serve(stream);
    for (const w of [...writes].sort((a, b) => a.atMs - b.atMs)) {
      await clock.advance(w.atMs - clock.monotonicMs());
      stream.push(Buffer.from(w.bytes));
    }
    await clock.advance(endMs - clock.monotonicMs());
    stop();
  } finally {
    await sim.close();
    clock.dispose();
  }
  return { bytes, announceDoneMs: announceEnd(bytes) ?? Number.NaN };
}
