/**
 * The receive side of the ATmega328P's serial port as the Arduino core runs
 * it: the USART interrupt stores each byte in a 64-byte ring buffer
 * (SERIAL_RX_BUFFER_SIZE on a chip with 2 KB of RAM), and the firmware's loop
 * reads the buffer when it runs. The ring keeps one slot free to tell full
 * from empty, so it holds 63 bytes; a byte arriving when it is full is
 * dropped (the newest is lost, the buffered ones stay). Nothing overflows
 * while the loop runs (StandardFirmata drains the buffer every pass, far
 * faster than 57600 baud fills it); it overflows when the loop is blocked,
 * e.g. in pulseIn() for a ping-read, and the host keeps writing.
 *
 * Timing model: bytes are judged when the link delivers them (the first
 * whole ms after their last bit, see serial-link.ts), which is when the
 * emulated loop sees them. A single delivery of more than 63 bytes queued
 * behind a blocking command therefore loses the excess at once, where the
 * real chip, reading them as they trickle in, would lose only those arriving
 * during the block; Firmata hosts write a few bytes at a time, so the two
 * agree in practice.
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';

/** SERIAL_RX_BUFFER_SIZE of the Arduino core on an ATmega328P. */
export const RX_BUFFER_SIZE = 64;

/** Bytes the ring holds at most (one slot stays free). */
export const RX_BUFFER_CAPACITY = RX_BUFFER_SIZE - 1;

/** The firmware's side of the buffer. */
export interface RxReader {
  /**
   * Reads bytes from the buffer and returns how many it took; it stops after
   * a command that blocks its loop, leaving the rest in the buffer. When the
   * bytes come straight off the wire, `lastByteAtMs` and `byteMs` say when
   * each arrived (byte i at `lastByteAtMs - (n - 1 - i) * byteMs`); bytes
   * that waited in the buffer come without them (they are read now).
   */
  receive(bytes: Uint8Array, lastByteAtMs?: number, byteMs?: number): number;
  /** Clock monotonic ms until which the loop is blocked (-Infinity when it runs). */
  readonly loopBlockedUntilMs: number;
}

/** The receive buffer between the link and the firmware. Obligation: `dispose()` when done. */
export class UartRx {
  private readonly ring = new Uint8Array(RX_BUFFER_CAPACITY);
  private length = 0;
  private timer: ClockTimer | undefined;
  private disposed = false;
  /** Bytes dropped because the buffer was full, since creation. */
  droppedTotal = 0;
  private readonly drainLater = (): void => {
    this.timer = undefined;
    this.drain();
  };

  /**
   * @param onOverflow called once per delivery that lost bytes, with how many
   *   it lost and the clock time (the board records it in its trace).
   */
  constructor(
    private readonly clock: Clock,
    private readonly reader: RxReader,
    private readonly onOverflow: (dropped: number, atMs: number) => void,
  ) {}

  /** Bytes waiting in the buffer. */
  get buffered(): number {
    return this.length;
  }

  /** Bytes that reached the chip's RX pin, in order; the wire times, when known, are passed on (see RxReader). */
  deliver(bytes: Uint8Array, lastByteAtMs?: number, byteMs?: number): void {
    if (this.disposed || bytes.length === 0) return;
    // A loop that just came out of its block reads what waited first.
    if (this.length > 0 && !this.blocked()) this.drain();
    let from = 0;
    if (this.length === 0 && !this.blocked()) {
      from = this.reader.receive(bytes, lastByteAtMs, byteMs);
      if (from >= bytes.length) return;
    }
    const waiting = bytes.length - from;
    const kept = Math.min(waiting, RX_BUFFER_CAPACITY - this.length);
    this.ring.set(bytes.subarray(from, from + kept), this.length);
    this.length += kept;
    if (kept < waiting) {
      this.droppedTotal += waiting - kept;
      this.onOverflow(waiting - kept, this.clock.monotonicMs());
    }
    this.arm();
  }

  /** Empties the buffer (the board reset). */
  reset(): void {
    this.cancel();
    this.length = 0;
  }

  /** Cancels the timer; the buffer is dead afterwards. Idempotent. */
  dispose(): void {
    this.reset();
    this.disposed = true;
  }

  private blocked(): boolean {
    return this.clock.monotonicMs() < this.reader.loopBlockedUntilMs;
  }

  /** Hands the buffer to the loop if it runs; what it leaves (it blocked again) stays. */
  private drain(): void {
    if (this.length === 0 || this.disposed) return;
    if (!this.blocked()) {
      const waiting = this.ring.slice(0, this.length);
      this.length = 0;
      const taken = this.reader.receive(waiting);
      if (taken < waiting.length) {
        this.ring.set(waiting.subarray(taken));
        this.length = waiting.length - taken;
      }
    }
    this.arm();
  }

  /** Wakes up when the loop's block ends, while bytes wait. */
  private arm(): void {
    if (this.timer !== undefined || this.length === 0 || this.disposed) return;
    const delayMs = Math.max(0, Math.ceil(this.reader.loopBlockedUntilMs - this.clock.monotonicMs()));
    this.timer = this.clock.setTimeout(this.drainLater, delayMs);
  }

  private cancel(): void {
    try {
      this.clock.clearTimeout(this.timer);
    } catch {
      // A disposed clock has no timers left.
    }
    this.timer = undefined;
  }
}
