/**
 * The byte trace of a simulated serial link: every byte in each direction
 * with the clock time it finished on the wire, what the far end received
 * (after drops and corruption), a SHA-256 digest for determinism tests and a
 * Firmata decoding for assertions.
 *
 * Memory: entries live in typed arrays (11 bytes each). After `maxEntries`
 * the trace stops storing entries (`truncated` turns true) but the digest
 * still covers every byte.
 */
import { createHash, type Hash } from 'node:crypto';
import type { LinkDirection } from '../link/link-options.ts';
import type { LinkTap } from '../link/serial-link.ts';
import { DirectionDecoder, type TraceEvent } from './trace-decoder.ts';

export type { TraceEvent } from './trace-decoder.ts';

/** One byte on the wire. */
export interface TraceEntry {
  /** When the byte's stop bit ended, clock monotonic ms (fractional: bytes take ≈ 0.087 ms at 115200 baud). */
  atMs: number;
  /** `to-device` = written by the host; `to-host` = sent by the board. */
  dir: LinkDirection;
  /** The byte as sent. */
  byte: number;
  /** The byte as the far end received it, or `null` if it was lost. Differs from `byte` when corrupted. */
  delivered: number | null;
}

/** Default cap on stored entries (≈ 22 MB). */
export const DEFAULT_TRACE_MAX_ENTRIES = 2_000_000;

const DIR_TO_HOST = 1;
const CHUNK_START = 2;
const LOST = 0x8000;
// Hash input is staged and fed to SHA-256 in large blocks: one update per write would dominate long runs.
const STAGE_BYTES = 1 << 16;

/** A recording of both directions of a link. Implements the link's tap. */
export class Trace implements LinkTap {
  private times = new Float64Array(1024);
  private bytes = new Uint8Array(1024);
  private flags = new Uint8Array(1024);
  private got = new Uint16Array(1024);
  private count = 0;
  private total = 0;
  private hash: Hash = createHash('sha256');
  private stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;
  private readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_TRACE_MAX_ENTRIES;
  }

  /** Entries stored (at most `maxEntries`). */
  get length(): number {
    return this.count;
  }

  /** Bytes seen since creation or `clear()`, stored or not. */
  get totalBytes(): number {
    return this.total;
  }

  /** True when entries were seen but not stored because of `maxEntries`. */
  get truncated(): boolean {
    return this.total > this.count;
  }

  /** @internal Called by the link for every write (see `LinkTap`). */
  record(dir: LinkDirection, startMs: number, byteMs: number, sent: Uint8Array, delivered: Int16Array | null): void {
    const need = 21 + sent.length + (delivered === null ? 0 : delivered.byteLength);
    if (this.staged + need > STAGE_BYTES) this.flushStage();
    if (need > STAGE_BYTES) {
      this.hash.update(this.header(dir, sent.length, startMs, byteMs));
      this.hash.update(sent);
      if (delivered !== null) this.hash.update(new Uint8Array(delivered.buffer, delivered.byteOffset, delivered.byteLength));
    } else {
      const st = this.stage;
      let o = this.staged;
      o = st.writeUInt8(dir === 'to-host' ? DIR_TO_HOST : 0, o);
      o = st.writeUInt32LE(sent.length, o);
      o = st.writeDoubleLE(startMs, o);
      o = st.writeDoubleLE(byteMs, o);
      st.set(sent, o);
      o += sent.length;
      if (delivered !== null) {
        st.set(new Uint8Array(delivered.buffer, delivered.byteOffset, delivered.byteLength), o);
        o += delivered.byteLength;
      }
      this.staged = o;
    }
    this.total += sent.length;

    const room = Math.min(sent.length, this.maxEntries - this.count);
    if (room <= 0) return;
    this.ensure(this.count + room);
    const dirFlag = dir === 'to-host' ? DIR_TO_HOST : 0;
    for (let i = 0; i < room; i++) {
      const k = this.count + i;
      this.times[k] = startMs + (i + 1) * byteMs;
      this.bytes[k] = sent[i] ?? 0;
      this.flags[k] = dirFlag | (i === 0 ? CHUNK_START : 0);
      const d = delivered === null ? (sent[i] ?? 0) : (delivered[i] ?? -1);
      this.got[k] = d < 0 ? LOST : d;
    }
    this.count += room;
  }

  /** Every stored entry, oldest first (a fresh array). */
  entries(): TraceEntry[] {
    const out: TraceEntry[] = new Array(this.count);
    for (let k = 0; k < this.count; k++) out[k] = this.entryAt(k);
    return out;
  }

  /**
   * One line per write: `<atMs of first byte, 3 decimals> <'>' host→board | '<' board→host> <hex bytes>`;
   * lost bytes show as `--`, corrupted ones as `sent/received`.
   */
  hex(): string {
    const lines: string[] = [];
    let line: string[] = [];
    for (let k = 0; k < this.count; k++) {
      const f = this.flags[k] ?? 0;
      if (f & CHUNK_START) {
        if (line.length > 0) lines.push(line.join(' '));
        line = [(this.times[k] ?? 0).toFixed(3), f & DIR_TO_HOST ? '<' : '>'];
      }
      const b = this.bytes[k] ?? 0;
      const g = this.got[k] ?? 0;
      const h = b.toString(16).padStart(2, '0');
      line.push(g === LOST ? '--' : g === b ? h : `${h}/${g.toString(16).padStart(2, '0')}`);
    }
    if (line.length > 0) lines.push(line.join(' '));
    return lines.join('\n');
  }

  /** SHA-256 (hex) of every byte recorded since creation or `clear()`, with its timing and fate. */
  digest(): string {
    this.flushStage();
    return this.hash.copy().digest('hex');
  }

  /** Forgets every entry and restarts the digest. */
  clear(): void {
    this.count = 0;
    this.total = 0;
    this.staged = 0;
    this.hash = createHash('sha256');
  }

  private header(dir: LinkDirection, n: number, startMs: number, byteMs: number): Buffer {
    const h = Buffer.alloc(21);
    h.writeUInt8(dir === 'to-host' ? DIR_TO_HOST : 0, 0);
    h.writeUInt32LE(n, 1);
    h.writeDoubleLE(startMs, 5);
    h.writeDoubleLE(byteMs, 13);
    return h;
  }

  private flushStage(): void {
    if (this.staged === 0) return;
    this.hash.update(this.stage.subarray(0, this.staged));
    this.staged = 0;
  }

  /**
   * Decodes the stored bytes (as sent) of both directions into Firmata events,
   * ordered by time (ties: host→board first). `filter` keeps matching events only.
   */
  decoded(filter?: Partial<Pick<TraceEvent, 'dir' | 'kind'>>): TraceEvent[] {
    const decoders = { 'to-device': new DirectionDecoder('to-device'), 'to-host': new DirectionDecoder('to-host') };
    const out: TraceEvent[] = [];
    for (let k = 0; k < this.count; k++) {
      const dir: LinkDirection = (this.flags[k] ?? 0) & DIR_TO_HOST ? 'to-host' : 'to-device';
      for (const e of decoders[dir].push(this.bytes[k] ?? 0, this.times[k] ?? 0)) {
        if (filter?.dir !== undefined && e.dir !== filter.dir) continue;
        if (filter?.kind !== undefined && e.kind !== filter.kind) continue;
        out.push(e);
      }
    }
    // Stable sort keeps each direction's order; the two streams interleave by time.
    return out.sort((a, b) => a.atMs - b.atMs || (a.dir === b.dir ? 0 : a.dir === 'to-device' ? -1 : 1));
  }

  private entryAt(k: number): TraceEntry {
    const g = this.got[k] ?? 0;
    return {
      atMs: this.times[k] ?? 0,
      dir: (this.flags[k] ?? 0) & DIR_TO_HOST ? 'to-host' : 'to-device',
      byte: this.bytes[k] ?? 0,
      delivered: g === LOST ? null : g,
    };
  }

  private ensure(n: number): void {
    if (n <= this.times.length) return;
    let cap = this.times.length;
    while (cap < n) cap *= 2;
    cap = Math.min(cap, Math.max(n, this.maxEntries));
    const grow = <T extends Float64Array | Uint8Array | Uint16Array>(a: T, make: (len: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(0, this.count) as never);
      return b;
    };
    this.times = grow(this.times, (l) => new Float64Array(l));
    this.bytes = grow(this.bytes, (l) => new Uint8Array(l));
    this.flags = grow(this.flags, (l) => new Uint8Array(l));
    this.got = grow(this.got, (l) => new Uint16Array(l));
  }
}
