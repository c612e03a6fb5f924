/**
 * What a UART receiving at one baud rate makes of bytes sent at another: the
 * line is rebuilt bit by bit and sampled as a receiver samples it, so a host
 * at the wrong rate gets the bytes (and framing errors) a real one would.
 *
 * The model (8N1, no parity):
 * - Sender: each byte is a start bit (0), 8 data bits LSB first and a stop
 *   bit (1), `1/senderBaud` s each, the bytes of one write back to back. The
 *   line is idle (1) before the write and after it: each write is decoded on
 *   its own, as if the line rested long enough between writes.
 * - Receiver: waits for a falling edge (1 → 0); samples the start bit at its
 *   middle (still 1: a glitch, keep waiting); samples 8 data bits and the stop
 *   bit at their middles, `1/receiverBaud` s apart; stores the byte whatever
 *   the stop bit read (the ATmega328P's USART and the Arduino core keep a
 *   byte with a framing error; only parity errors are discarded) and counts a
 *   framing error when the stop bit read 0; then waits for the next falling
 *   edge after the stop bit's sample point, so a line held low (a break)
 *   yields nothing until it rises and falls again.
 * - Times are exact integers (units of 1 / (2 · senderBaud · receiverBaud) s
 *   scaled down by their gcd), so the result is the same on every machine. A
 *   sample point landing exactly on a bit boundary reads the later bit (a real
 *   receiver's clock error decides it either way).
 * - One centre sample per bit: the AVR's majority vote of three samples
 *   around the centre gives the same bit on this noise-free line.
 *
 * At equal rates the receiver reproduces the sent bytes exactly; within a few
 * percent it still does (the drift over 9.5 bits stays under half a bit), as
 * on real hardware.
 */

/** What a receiver made of one write. */
export interface UartReception {
  /** The bytes the receiver stored, in order (as many as it found start bits: more or fewer than were sent). */
  bytes: Uint8Array;
  /** For each received byte, the index of the sent byte in whose frame its start edge fell. */
  origin: Uint32Array;
  /** Received bytes whose stop bit read 0. */
  framingErrors: number;
}

const BITS_PER_FRAME = 10;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Decodes `sent`, transmitted back to back at `senderBaud`, as a UART at
 * `receiverBaud` receives it (see the module comment for the model). Both
 * rates are positive integers.
 */
export function receiveAtRate(sent: Uint8Array, senderBaud: number, receiverBaud: number): UartReception {
  const g = gcd(senderBaud, receiverBaud);
  // Integer time units: a sender bit lasts `bitT`, half a receiver bit `halfR`.
  const bitT = (2 * receiverBaud) / g;
  const halfR = senderBaud / g;
  const totalBits = sent.length * BITS_PER_FRAME;

  const level = (k: number): number => {
    if (k < 0 || k >= totalBits) return 1;
    const j = k % BITS_PER_FRAME;
    if (j === 0) return 0;
    if (j === 9) return 1;
    return ((sent[(k - j) / BITS_PER_FRAME] as number) >> (j - 1)) & 1;
  };
  const levelAt = (t: number): number => level(Math.floor(t / bitT));

  const bytes: number[] = [];
  const origin: number[] = [];
  let framingErrors = 0;
  let k = 0;
  while (k < totalBits) {
    // The next falling edge sits on a sender bit boundary.
    while (k < totalBits && !(level(k - 1) === 1 && level(k) === 0)) k++;
    if (k >= totalBits) break;
    const edge = k * bitT;
    if (levelAt(edge + halfR) !== 0) {
      k++;
      continue;
    }
    let value = 0;
    for (let bit = 1; bit <= 8; bit++) {
      if (levelAt(edge + (2 * bit + 1) * halfR) === 1) value |= 1 << (bit - 1);
    }
    const stopAt = edge + 19 * halfR;
    if (levelAt(stopAt) !== 1) framingErrors++;
    bytes.push(value);
    origin.push(Math.floor(k / BITS_PER_FRAME));
    // Only an edge after the stop bit's sample point starts the next frame.
    k = Math.max(k + 1, Math.floor(stopAt / bitT) + 1);
  }
  return { bytes: Uint8Array.from(bytes), origin: Uint32Array.from(origin), framingErrors };
}
