/**
 * An mBot whose mCore runs a real firmware image: the emulated ATmega328P,
 * its serial line to a host and the world wired to its pins, on the chip's
 * own timeline (no clock: the caller says how far to run). The clocked
 * device (`avr-mbot-device.ts`) and the conformance suite both drive it.
 */
import type { WiringProfile } from '../../harness/mbot/mcore-pins.ts';
import type { World } from '../world/types.ts';
import { Atmega328p, CYCLES_PER_MS } from './atmega328p.ts';
import { AvrBoard } from './avr-board.ts';
import { AvrUart } from './avr-uart.ts';
import type { FlashImage } from './intel-hex.ts';

/** Longest stretch the chip runs without the world being stepped and its inputs refreshed, ms. */
export const INPUT_REFRESH_MS = 1;

/** Chip, line and world together. */
export class AvrMbotCore {
  readonly chip: Atmega328p;
  readonly uart: AvrUart;
  readonly board: AvrBoard;
  /** Bytes for the host whose frames ended, with their end times (chip ms); filled by `advanceTo`, emptied by the caller. */
  readonly toHost: { byte: number; atMs: number }[] = [];

  constructor(image: FlashImage, readonly world: World, wiring: WiringProfile) {
    this.chip = new Atmega328p(image);
    this.uart = new AvrUart(this.chip);
    this.board = new AvrBoard(this.chip, world, wiring);
  }

  /** The chip's time, ms since power-on. */
  get nowMs(): number {
    return this.chip.timeMs;
  }

  /** Hardware reset (DTR pulse, reset button): the firmware starts over; bytes in flight are lost. The world keeps going. */
  reset(): void {
    this.chip.reset();
    this.uart.clear();
    this.uart.attachTransmitter();
    this.board.reattach();
  }

  /** Host bytes, sent now (see `AvrUart.hostWrite`). */
  hostWrite(bytes: ArrayLike<number>): void {
    this.uart.hostWrite(bytes);
  }

  /**
   * Runs the chip to `ms` in slices of {@link INPUT_REFRESH_MS}: the world
   * steps and the inputs are refreshed before each slice, the motor outputs
   * read after it. Bytes that reached the host go to `toHost`.
   */
  advanceTo(ms: number): void {
    while (this.chip.timeMs < ms) {
      const sliceEnd = Math.min(ms, Math.floor(this.chip.timeMs / INPUT_REFRESH_MS + 1) * INPUT_REFRESH_MS);
      this.board.applyInputs(this.chip.timeMs);
      this.chip.runUntil(sliceEnd * CYCLES_PER_MS);
      this.board.readOutputs();
      this.collect();
    }
  }

  private collect(): void {
    if (this.uart.hostBaud === undefined) {
      this.uart.takeForHost(this.chip.cycles);
      return;
    }
    const timed = this.uart.ratesAgreeNow() ? this.uart.takeTimedForHost(this.chip.cycles) : undefined;
    if (timed !== undefined) {
      for (const t of timed) this.toHost.push({ byte: t.byte, atMs: t.endCycle / CYCLES_PER_MS });
      return;
    }
    const at = this.chip.timeMs;
    for (const byte of this.uart.takeForHost(this.chip.cycles)) this.toHost.push({ byte, atMs: at });
  }
}
