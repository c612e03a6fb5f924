/**
 * The firmware's reply bytes of one loop pass, gathered and sent as one
 * write (`flush`), as the firmware's Serial buffer would hand them to the
 * UART. Grows by doubling; never shrinks.
 */
import type { ReplyWriter } from './firmata-replies.ts';

export class ReplyBuffer implements ReplyWriter {
  private out = new Uint8Array(64);
  private outLen = 0;

  constructor(private readonly send: (bytes: Uint8Array) => void) {}

  /** Appends reply bytes (each stored modulo 256, as Uint8Array.from would). */
  put(bytes: readonly number[]): void {
    const n = bytes.length;
    this.reserve(n);
    for (let i = 0; i < n; i++) this.out[this.outLen + i] = bytes[i] as number;
    this.outLen += n;
  }

  /** Appends a 3-byte channel message (`ReplyWriter`). */
  put3(b0: number, b1: number, b2: number): void {
    this.reserve(3);
    const out = this.out;
    const at = this.outLen;
    out[at] = b0;
    out[at + 1] = b1;
    out[at + 2] = b2;
    this.outLen = at + 3;
  }

  /** Sends what was gathered, if anything, as one write. */
  flush(): void {
    if (this.outLen === 0) return;
    const bytes = this.out.slice(0, this.outLen);
    this.outLen = 0;
    this.send(bytes);
  }

  /** Makes room for `n` more bytes. */
  private reserve(n: number): void {
    if (this.outLen + n <= this.out.length) return;
    let cap = this.out.length * 2;
    while (cap < this.outLen + n) cap *= 2;
    const bigger = new Uint8Array(cap);
    bigger.set(this.out.subarray(0, this.outLen));
    this.out = bigger;
  }
}
