/**
 * The trace's SHA-256 input, staged: bytes are gathered in a 64 KiB buffer
 * and fed to the hash in large blocks (one `update` per write would dominate
 * long runs). The stream it hashes is the trace's digest format: per write,
 * a 21-byte header (direction, length u32 LE, start ms and byte ms f64 LE),
 * the bytes as sent and, when some byte met a fault, the received values as
 * raw Int16.
 */
import { createHash, type Hash } from 'node:crypto';

const HEADER_BYTES = 21;
const STAGE_BYTES = 1 << 16;

export class StagedHasher {
  private hash: Hash = createHash('sha256');
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;

  /** Appends one write: header, bytes as sent, received values (raw Int16) if any byte met a fault. */
  write(dirFlag: number, n: number, startMs: number, byteMs: number, sent: Uint8Array, delivered: Int16Array | null): void {
    this.header(dirFlag, n, startMs, byteMs);
    this.bytes(sent, 0, n);
    if (delivered !== null) this.bytes(new Uint8Array(delivered.buffer, delivered.byteOffset, delivered.byteLength), 0, delivered.byteLength);
  }

  /** The 21-byte header of a write. */
  header(dirFlag: number, n: number, startMs: number, byteMs: number): void {
    if (this.staged + HEADER_BYTES > STAGE_BYTES) this.flush();
    const st = this.stage;
    st[this.staged] = dirFlag;
    st.writeUInt32LE(n, this.staged + 1);
    st.writeDoubleLE(startMs, this.staged + 5);
    st.writeDoubleLE(byteMs, this.staged + 13);
    this.staged += HEADER_BYTES;
  }

  /** Appends src[from, to). */
  bytes(src: Uint8Array, from: number, to: number): void {
    if (to - from > STAGE_BYTES) {
      this.flush();
      this.hash.update(src.subarray(from, to));
      return;
    }
    if (this.staged + (to - from) > STAGE_BYTES) this.flush();
    const st = this.stage;
    let o = this.staged;
    // Firmata writes are a few bytes: a loop beats TypedArray#set's call overhead there.
    if (to - from <= 32) for (let i = from; i < to; i++) st[o++] = src[i] as number;
    else {
      st.set(src.subarray(from, to), o);
      o += to - from;
    }
    this.staged = o;
  }

  /** A copy of the hash over everything appended so far (the hasher goes on). */
  snapshot(): Hash {
    this.flush();
    return this.hash.copy();
  }

  /** Starts over. */
  reset(): void {
    this.hash = createHash('sha256');
    this.staged = 0;
  }

  private flush(): void {
    if (this.staged === 0) return;
    this.hash.update(this.stage.subarray(0, this.staged));
    this.staged = 0;
  }
}
