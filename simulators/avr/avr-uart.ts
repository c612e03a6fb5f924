/**
 * The serial line between a host and the emulated ATmega328P's USART0, with
 * the timing of the wire: a host byte reaches the firmware when its stop bit
 * ends (10 bit times at the host's rate after the line was free), a firmware
 * byte reaches the host when its frame ends (10 bit times at the firmware's
 * own UBRR0/U2X0 rate after the firmware wrote UDR0). When the two rates do
 * not agree closely enough, each side reads what its UART would sample
 * (`uart-line.ts`): garbage, as on a bench with the wrong baud rate.
 */
import { CPU_HZ, type Atmega328p } from './atmega328p.ts';
import { BITS_PER_FRAME, decodeUartBurst, ratesAgree } from './uart-line.ts';

/** A byte on its way to the host, with the cycle its frame ends. */
interface TxByte {
  byte: number;
  endCycle: number;
  baud: number;
}

/** The firmware's exact USART rate from UBRR0 and U2X0 (avr8js rounds it down to an integer). */
function firmwareBaud(mcu: Atmega328p): number {
  const { ubrr, u2x } = mcu.uartSetting;
  return CPU_HZ / ((u2x ? 8 : 16) * (ubrr + 1));
}

/** One host's serial line to the chip. */
export class AvrUart {
  /** The host's baud rate, or undefined while no host listens (firmware bytes are then lost). */
  hostBaud: number | undefined;
  private rxLineFreeAt = 0;
  private tx: TxByte[] = [];
  /** Host bytes that reached the firmware's UART and firmware bytes that left it, for tests and traces. */
  readonly counters = { toFirmware: 0, lostAtFirmware: 0, toHost: 0 };

  constructor(private readonly mcu: Atmega328p) {
    this.attachTransmitter();
  }

  /** Re-attaches to the chip after it was reset (a reset rebuilds the chip's peripherals). */
  attachTransmitter(): void {
    this.mcu.onTransmit = (byte, cycle) => {
      const baud = firmwareBaud(this.mcu);
      this.tx.push({ byte, endCycle: cycle + (BITS_PER_FRAME * CPU_HZ) / baud, baud });
    };
  }

  /**
   * Bytes the host writes at the chip's current cycle (run the chip up to
   * the host's "now" first). They go out back to back after whatever the
   * host sent before; each reaches the firmware as its frame ends. The
   * firmware's receiver must be on by then, or the byte is lost (a booting
   * board drops what it is sent).
   */
  hostWrite(bytes: ArrayLike<number>): void {
    const baud = this.hostBaud;
    if (baud === undefined || bytes.length === 0) return;
    const cyclesPerFrame = (BITS_PER_FRAME * CPU_HZ) / baud;
    const start = Math.max(this.mcu.cycles, this.rxLineFreeAt);
    const burstEnd = start + bytes.length * cyclesPerFrame;
    this.rxLineFreeAt = burstEnd;
    const target = this.mcu.baudRate > 0 ? firmwareBaud(this.mcu) : baud;
    const received = decodeUartBurst(bytes, baud, target);
    for (let i = 0; i < received.length; i++) {
      const byte = received[i] ?? 0;
      const at = Math.min(burstEnd, start + (i + 1) * cyclesPerFrame);
      this.mcu.at(at, () => {
        if (this.mcu.receiveByte(byte)) this.counters.toFirmware++;
        else this.counters.lostAtFirmware++;
      });
    }
  }

  /** True when the host's rate and the firmware's current rate decode each other's frames exactly (see `ratesAgree`). */
  ratesAgreeNow(): boolean {
    const host = this.hostBaud;
    if (host === undefined) return false;
    const fw = firmwareBaud(this.mcu);
    return ratesAgree(fw, host) && ratesAgree(host, fw);
  }

  /** Forgets bytes in flight in both directions (a reset or the cable pulled). */
  clear(): void {
    this.tx = [];
    this.rxLineFreeAt = 0;
  }

  /**
   * Firmware bytes whose frames ended by `cycle`, as the host's UART reads
   * them (decoded as one burst when the rates disagree), or an empty array.
   * Without a host they are dropped.
   */
  takeForHost(cycle: number): number[] {
    let n = 0;
    while (n < this.tx.length && (this.tx[n]?.endCycle ?? Infinity) <= cycle) n++;
    if (n === 0) return [];
    const done = this.tx.splice(0, n);
    const host = this.hostBaud;
    if (host === undefined) return [];
    const sent = done.map((t) => t.byte);
    const bytes = decodeUartBurst(sent, done[0]?.baud ?? host, host);
    this.counters.toHost += bytes.length;
    return bytes;
  }

  /** Like {@link takeForHost}, keeping each byte's end cycle (the conformance suite's timing). Rates must agree. */
  takeTimedForHost(cycle: number): { byte: number; endCycle: number }[] {
    let n = 0;
    while (n < this.tx.length && (this.tx[n]?.endCycle ?? Infinity) <= cycle) n++;
    const done = this.tx.splice(0, n);
    if (this.hostBaud !== undefined && done.length > 0 && !ratesAgree(done[0]?.baud ?? 0, this.hostBaud)) {
      throw new RangeError(`takeTimedForHost: the host at ${this.hostBaud} baud cannot read the firmware at ${done[0]?.baud} baud`);
    }
    return done.map((t) => ({ byte: t.byte, endCycle: t.endCycle }));
  }
}
