/**
 * A blocked Arduino loop: while PingFirmata sits in pulseIn() nothing else
 * runs, so bytes arriving meanwhile wait in the UART buffer and input changes
 * go unnoticed. This keeps "busy until", the deferred bytes and the pending
 * digital scan / analog sample, and hands them back (on the injected Clock)
 * when the block ends.
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';

/** What waited for the end of the block. */
export interface Deferred {
  /** Bytes that arrived while blocked, in order. */
  bytes: Uint8Array;
  /** A digital-input scan was due while blocked. */
  scan: boolean;
  /** An analog sample was due while blocked (the loop samples as soon as it runs again). */
  sample: boolean;
}

/**
 * The blocked state of the firmware's loop. Obligation: `cancel()` on reset/dispose.
 * Deferred bytes are kept one byte each (a growing byte buffer), so even the
 * longest block the firmware allows (268 s of pulseIn, ≈ 3 MB at 115200
 * baud) costs about what arrived, not 8 bytes a byte.
 */
export class LoopBlock {
  private untilMs = -Infinity;
  private bytes = new Uint8Array(64);
  private byteCount = 0;
  private scan = false;
  private sample = false;
  private timer: ClockTimer | undefined;
  // One callback for every resume (no closure per block).
  private readonly resume = (): void => {
    this.timer = undefined;
    const deferred = { bytes: this.bytes.slice(0, this.byteCount), scan: this.scan, sample: this.sample };
    this.releaseBytes();
    this.scan = false;
    this.sample = false;
    this.onResume(deferred);
  };

  constructor(
    private readonly clock: Clock,
    private readonly onResume: (deferred: Deferred) => void,
  ) {}

  /** Clock monotonic ms until which the loop is blocked (-Infinity when it is not). */
  get blockedUntilMs(): number {
    return this.untilMs;
  }

  /** True while blocked at the clock's now. */
  get blocked(): boolean {
    return this.clock.monotonicMs() < this.untilMs;
  }

  /** Blocks the loop for `durationMs` from now. */
  blockFor(durationMs: number): void {
    this.untilMs = this.clock.monotonicMs() + durationMs;
  }

  /** Keeps a byte for after the block. */
  deferByte(b: number): void {
    if (this.byteCount === this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    this.bytes[this.byteCount++] = b;
    this.arm();
  }

  /** Remembers that a digital scan is due after the block. */
  deferScan(): void {
    this.scan = true;
    this.arm();
  }

  /** Remembers that an analog sample is due after the block. */
  deferSample(): void {
    this.sample = true;
    this.arm();
  }

  /** Forgets the block and everything deferred (reset, dispose). */
  cancel(): void {
    try {
      this.clock.clearTimeout(this.timer);
    } catch {
      // A disposed clock has no timers left.
    }
    this.timer = undefined;
    this.untilMs = -Infinity;
    this.releaseBytes();
    this.scan = false;
    this.sample = false;
  }

  /** Empties the deferred bytes, dropping a buffer a long block grew. */
  private releaseBytes(): void {
    this.byteCount = 0;
    if (this.bytes.length > 64) this.bytes = new Uint8Array(64);
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    const delayMs = Math.max(0, Math.ceil(this.untilMs - this.clock.monotonicMs()));
    this.timer = this.clock.setTimeout(this.resume, delayMs);
  }
}
