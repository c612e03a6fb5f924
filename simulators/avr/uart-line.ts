/**
 * What a UART receiving at one baud rate makes of 8N1 frames sent at
 * another: the line is rebuilt bit by bit and sampled as an AVR or a USB
 * serial chip does (a falling edge starts a frame, each bit is read in its
 * middle, a high start bit is a false start, a low stop bit a framing error
 * whose byte is still delivered). Close rates decode cleanly: StandardFirmata's
 * 57600 is really 58,824 baud on a 16 MHz AVR (UBRR0 16, U2X0 off; 2.1 %
 * fast) and a host at 57600 reads it fine, because the drift over one frame
 * stays inside half a bit; a host at 115200 reads garbage, as on a bench.
 */

/** Bits of one 8N1 frame: start, 8 data (LSB first), stop. */
export const BITS_PER_FRAME = 10;

/**
 * True when every bit of a frame sent at `senderBaud` is sampled inside the
 * same bit by a receiver at `receiverBaud`, back-to-back frames included (the
 * stop bit is read before the next start edge). Then the receiver reads
 * exactly what was sent and {@link decodeUartBurst} is the identity.
 */
export function ratesAgree(senderBaud: number, receiverBaud: number): boolean {
  for (let k = 0; k < BITS_PER_FRAME; k++) {
    const sampleAt = (k + 0.5) / receiverBaud;
    if (sampleAt < k / senderBaud || sampleAt >= (k + 1) / senderBaud) return false;
  }
  return true;
}

/** Level of the line at time `t` (in sender bit times from the burst start) for back-to-back frames of `bytes`. */
function lineLevel(bytes: ArrayLike<number>, tBits: number): 0 | 1 {
  if (tBits < 0) return 1;
  const frame = Math.floor(tBits / BITS_PER_FRAME);
  if (frame >= bytes.length) return 1;
  const bit = Math.floor(tBits - frame * BITS_PER_FRAME);
  if (bit === 0) return 0;
  if (bit === BITS_PER_FRAME - 1) return 1;
  return (((bytes[frame] ?? 0) >> (bit - 1)) & 1) as 0 | 1;
}

/**
 * The bytes a receiver at `receiverBaud` reads from `bytes` sent back to
 * back at `senderBaud` after an idle line (and followed by one). Identity
 * when {@link ratesAgree}; otherwise what the mismatched sampling gives
 * (fewer, more or different bytes).
 */
export function decodeUartBurst(bytes: ArrayLike<number>, senderBaud: number, receiverBaud: number): number[] {
  if (ratesAgree(senderBaud, receiverBaud)) return Array.from(bytes, (b) => b & 0xff);
  const out: number[] = [];
  // Work in sender bit times; the receiver's bit lasts `ratio` of them.
  const ratio = senderBaud / receiverBaud;
  const endBits = bytes.length * BITS_PER_FRAME;
  // Every level change of the line sits on a whole sender bit boundary.
  let t = 0;
  while (t < endBits) {
    // Find the next falling edge at or after t (a high bit followed by a low one).
    let edge = -1;
    for (let b = Math.ceil(t); b < endBits; b++) {
      if (lineLevel(bytes, b - 1) === 1 && lineLevel(bytes, b) === 0) {
        edge = b;
        break;
      }
    }
    if (edge < 0) break;
    if (lineLevel(bytes, edge + 0.5 * ratio) !== 0) {
      t = edge + 0.5 * ratio; // false start: a glitch shorter than half a bit
      continue;
    }
    let value = 0;
    for (let k = 1; k <= 8; k++) value |= lineLevel(bytes, edge + (k + 0.5) * ratio) << (k - 1);
    out.push(value);
    // The receiver looks for the next start edge after it sampled the stop bit.
    t = edge + (BITS_PER_FRAME - 0.5) * ratio;
  }
  return out;
}
