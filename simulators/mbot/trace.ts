/**
 * The byte trace of a simulated serial link: every byte in each direction
 * with the clock time it finished on the wire, what the far end received
 * (after drops and corruption), a SHA-256 digest for determinism tests and a
 * Firmata decoding for assertions.
 *
 * Cost model (the trace records every byte of every run, so it must be cheap):
 * - Recording a write is a copy of its bytes into a paged byte store plus one
 *   row in a write table (start time, byte time, direction, where the
 *   received values are kept when the write met a fault). Storage grows by
 *   allocating fixed-size pages, never by copying. Per-byte times are
 *   not stored: byte i of a write finished at `startMs + (i + 1) * byteMs`,
 *   computed with that exact expression whenever it is read. Stored cost is
 *   ≈ 1 byte per entry plus ≈ 25 bytes per write (+ 2 bytes per byte of a
 *   faulty write).
 * - The digest is computed lazily: the stored writes are hashed when
 *   `digest()` is called (and only the ones not hashed before). Once
 *   `maxEntries` is reached, entries stop being stored (`truncated` turns
 *   true) and from then on each write is hashed as it is recorded, so the
 *   digest still covers every byte. Either way the hashed byte stream is the
 *   same: per write, a 21-byte header (direction, length, start ms, byte ms),
 *   the bytes as sent and, when some byte met a fault, the received values.
 * - Firmata decoding happens only when `decoded()` is called.
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

/**
 * Something the device did on its own account rather than a byte on the wire:
 * a `firmware-fault` is host input the emulated firmware could not apply (it
 * skipped that message and went on, as the chip would have).
 */
export interface DeviceEvent {
  /** Clock monotonic ms when it happened. */
  atMs: number;
  kind: 'firmware-fault';
  /** What failed, naming the Firmata message. */
  message: string;
}

/** Device events kept per trace (later ones are counted, not stored): a flood of bad input cannot grow memory. */
export const MAX_DEVICE_EVENTS = 1000;

/** Default cap on stored entries (≈ 2 MB of bytes plus ≈ 25 bytes per write). */
export const DEFAULT_TRACE_MAX_ENTRIES = 2_000_000;

const DIR_TO_HOST = 1;
const HEADER_BYTES = 21;
// Hash input is staged and fed to SHA-256 in large blocks: one update per write would dominate long runs.
const STAGE_BYTES = 1 << 16;
const NO_FAULT = -1;
// Storage grows by fixed-size pages, never by copying: bytes in 16 KiB pages, write rows 1024 to a page.
const BYTE_PAGE_BITS = 14;
const BYTE_PAGE = 1 << BYTE_PAGE_BITS;
const BYTE_MASK = BYTE_PAGE - 1;
const ROW_PAGE_BITS = 10;
const ROW_PAGE = 1 << ROW_PAGE_BITS;
const ROW_MASK = ROW_PAGE - 1;

/** 1024 rows of the write table: one row per recorded write (its stored part). */
class RowPage {
  readonly startMs = new Float64Array(ROW_PAGE);
  readonly byteMs = new Float64Array(ROW_PAGE);
  /** Index of the write's first entry. */
  readonly first = new Float64Array(ROW_PAGE);
  readonly dir = new Uint8Array(ROW_PAGE);
  /** Offset of the write's received values in `got`, or NO_FAULT when every byte arrived as sent. */
  readonly got = new Int32Array(ROW_PAGE);
}

/** A recording of both directions of a link. Implements the link's tap. */
export class Trace implements LinkTap {
  // Entries: the byte as sent, oldest first; entry k is bytePages[k >> BYTE_PAGE_BITS][k & BYTE_MASK].
  private bytePages: Uint8Array[] = [];
  private count = 0;
  private total = 0;
  private rows: RowPage[] = [];
  private chunks = 0;
  // Received values (-1 = lost) of writes that met a fault, as the link reported them.
  private got = new Int16Array(0);
  private gotUsed = 0;
  // Digest state.
  private hash: Hash = createHash('sha256');
  private hashedChunks = 0;
  private eager = false;
  private stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;
  private readonly maxEntries: number;
  private devEvents: DeviceEvent[] = [];
  private devEventsSeen = 0;

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
    const n = sent.length;
    const dirFlag = dir === 'to-host' ? DIR_TO_HOST : 0;
    if (n === 0) {
      // Nothing to store, but the digest covers the write: hash it now, after everything recorded before it.
      if (!this.eager) this.hashStored();
      this.hashWrite(dirFlag, 0, startMs, byteMs, sent, delivered);
      return;
    }
    this.total += n;
    const room = Math.min(n, this.maxEntries - this.count);
    if (room < n && !this.eager) {
      // From here on not every byte is stored, so the digest can no longer be computed from the store later.
      this.hashStored();
      this.eager = true;
    }
    if (this.eager) this.hashWrite(dirFlag, n, startMs, byteMs, sent, delivered);
    if (room <= 0) return;

    const c = this.chunks;
    if (c >>> ROW_PAGE_BITS === this.rows.length) this.rows.push(new RowPage());
    const row = this.rows[c >>> ROW_PAGE_BITS] as RowPage;
    const r = c & ROW_MASK;
    row.startMs[r] = startMs;
    row.byteMs[r] = byteMs;
    row.first[r] = this.count;
    row.dir[r] = dirFlag;
    let k = this.count;
    for (let i = 0; i < room; ) {
      if (k >>> BYTE_PAGE_BITS === this.bytePages.length) this.bytePages.push(new Uint8Array(BYTE_PAGE));
      const page = this.bytePages[k >>> BYTE_PAGE_BITS] as Uint8Array;
      const at = k & BYTE_MASK;
      const m = Math.min(room - i, BYTE_PAGE - at);
      // Firmata writes are a few bytes: a loop beats TypedArray#set's call overhead there.
      if (m <= 32) for (let j = 0; j < m; j++) page[at + j] = sent[i + j] as number;
      else page.set(sent.subarray(i, i + m), at);
      i += m;
      k += m;
    }
    if (delivered === null) {
      row.got[r] = NO_FAULT;
    } else {
      if (this.gotUsed + room > this.got.length) {
        let cap = Math.max(this.got.length * 2, 256);
        while (cap < this.gotUsed + room) cap *= 2;
        const bigger = new Int16Array(cap);
        bigger.set(this.got.subarray(0, this.gotUsed));
        this.got = bigger;
      }
      this.got.set(room === n ? delivered : delivered.subarray(0, room), this.gotUsed);
      row.got[r] = this.gotUsed;
      this.gotUsed += room;
    }
    this.count += room;
    this.chunks = c + 1;
  }

  /** Records a device-side event (kept up to {@link MAX_DEVICE_EVENTS}; `deviceEventCount` counts them all). */
  deviceEvent(event: DeviceEvent): void {
    this.devEventsSeen++;
    if (this.devEvents.length < MAX_DEVICE_EVENTS) this.devEvents.push({ ...event });
  }

  /** Device-side events since creation or `clear()`, oldest first (a fresh array; at most {@link MAX_DEVICE_EVENTS}). */
  deviceEvents(): DeviceEvent[] {
    return this.devEvents.map((e) => ({ ...e }));
  }

  /** Device-side events seen since creation or `clear()`, stored or not. */
  get deviceEventCount(): number {
    return this.devEventsSeen;
  }

  /** Every stored entry, oldest first (a fresh array). */
  entries(): TraceEntry[] {
    const out: TraceEntry[] = new Array(this.count);
    for (let c = 0; c < this.chunks; c++) {
      const row = this.rows[c >>> ROW_PAGE_BITS] as RowPage;
      const r = c & ROW_MASK;
      const first = row.first[r] as number;
      const end = this.chunkEnd(c);
      const startMs = row.startMs[r] as number;
      const byteMs = row.byteMs[r] as number;
      const dir: LinkDirection = row.dir[r] === DIR_TO_HOST ? 'to-host' : 'to-device';
      const g = row.got[r] as number;
      for (let k = first; k < end; k++) {
        const i = k - first;
        const byte = this.byteAt(k);
        const d = g === NO_FAULT ? byte : (this.got[g + i] as number);
        out[k] = { atMs: startMs + (i + 1) * byteMs, dir, byte, delivered: d < 0 ? null : d };
      }
    }
    return out;
  }

  /**
   * One line per write: `<atMs of first byte, 3 decimals> <'>' host→board | '<' board→host> <hex bytes>`;
   * lost bytes show as `--`, corrupted ones as `sent/received`.
   */
  hex(): string {
    const lines: string[] = new Array(this.chunks);
    for (let c = 0; c < this.chunks; c++) {
      const row = this.rows[c >>> ROW_PAGE_BITS] as RowPage;
      const r = c & ROW_MASK;
      const first = row.first[r] as number;
      const end = this.chunkEnd(c);
      const g = row.got[r] as number;
      const atMs = (row.startMs[r] as number) + (0 + 1) * (row.byteMs[r] as number);
      const line = [atMs.toFixed(3), row.dir[r] === DIR_TO_HOST ? '<' : '>'];
      for (let k = first; k < end; k++) {
        const b = this.byteAt(k);
        const h = b.toString(16).padStart(2, '0');
        if (g === NO_FAULT) {
          line.push(h);
          continue;
        }
        const d = this.got[g + k - first] as number;
        line.push(d < 0 ? '--' : d === b ? h : `${h}/${d.toString(16).padStart(2, '0')}`);
      }
      lines[c] = line.join(' ');
    }
    return lines.join('\n');
  }

  /** SHA-256 (hex) of every byte recorded since creation or `clear()`, with its timing and fate. */
  digest(): string {
    if (!this.eager) this.hashStored();
    this.flushStage();
    return this.hash.copy().digest('hex');
  }

  /** Forgets every entry and restarts the digest (keeps the storage pages for reuse). */
  clear(): void {
    this.count = 0;
    this.total = 0;
    this.chunks = 0;
    this.gotUsed = 0;
    this.staged = 0;
    this.hashedChunks = 0;
    this.eager = false;
    this.hash = createHash('sha256');
    this.devEvents = [];
    this.devEventsSeen = 0;
  }

  /**
   * Decodes the stored bytes (as sent) of both directions into Firmata events,
   * ordered by time (ties: host→board first). `filter` keeps matching events only.
   */
  decoded(filter?: Partial<Pick<TraceEvent, 'dir' | 'kind'>>): TraceEvent[] {
    const byDir: Record<LinkDirection, TraceEvent[]> = { 'to-device': [], 'to-host': [] };
    const sorted = { 'to-device': true, 'to-host': true };
    const keep = (e: TraceEvent): void => {
      const list = byDir[e.dir];
      const last = list[list.length - 1];
      // Checked before filtering: a filtered-out event can break the order too.
      if (last !== undefined && !(e.atMs >= last.atMs)) sorted[e.dir] = false;
      list.push(e);
    };
    this.feedDecoders(keep);
    if (!sorted['to-device'] || !sorted['to-host']) return this.decodedBySort(filter);
    const match = (e: TraceEvent): boolean =>
      (filter?.dir === undefined || e.dir === filter.dir) && (filter?.kind === undefined || e.kind === filter.kind);
    const a = filter === undefined ? byDir['to-device'] : byDir['to-device'].filter(match);
    const b = filter === undefined ? byDir['to-host'] : byDir['to-host'].filter(match);
    // Both streams are in time order: a stable merge (ties: host→board first) equals the stable sort by time.
    const out: TraceEvent[] = new Array(a.length + b.length);
    let i = 0;
    let j = 0;
    let o = 0;
    while (i < a.length && j < b.length) {
      const x = a[i] as TraceEvent;
      const y = b[j] as TraceEvent;
      if (y.atMs < x.atMs) {
        out[o++] = y;
        j++;
      } else {
        out[o++] = x;
        i++;
      }
    }
    while (i < a.length) out[o++] = a[i++] as TraceEvent;
    while (j < b.length) out[o++] = b[j++] as TraceEvent;
    return out;
  }

  /** `decoded()` for a trace whose times go backwards within a direction (records made by hand): a stable sort by time. */
  private decodedBySort(filter?: Partial<Pick<TraceEvent, 'dir' | 'kind'>>): TraceEvent[] {
    const out: TraceEvent[] = [];
    this.feedDecoders((e) => {
      if (filter?.dir !== undefined && e.dir !== filter.dir) return;
      if (filter?.kind !== undefined && e.kind !== filter.kind) return;
      out.push(e);
    });
    return out.sort((a, b) => a.atMs - b.atMs || (a.dir === b.dir ? 0 : a.dir === 'to-device' ? -1 : 1));
  }

  /** Runs every stored byte, in entry order, through a fresh decoder per direction. */
  private feedDecoders(sink: (e: TraceEvent) => void): void {
    const toDevice = new DirectionDecoder('to-device', sink);
    const toHost = new DirectionDecoder('to-host', sink);
    for (let c = 0; c < this.chunks; c++) {
      const row = this.rows[c >>> ROW_PAGE_BITS] as RowPage;
      const r = c & ROW_MASK;
      const first = row.first[r] as number;
      const end = this.chunkEnd(c);
      const startMs = row.startMs[r] as number;
      const byteMs = row.byteMs[r] as number;
      const decoder = row.dir[r] === DIR_TO_HOST ? toHost : toDevice;
      for (let k = first; k < end; k++) decoder.feed(this.byteAt(k), startMs + (k - first + 1) * byteMs);
    }
  }

  private byteAt(k: number): number {
    return (this.bytePages[k >>> BYTE_PAGE_BITS] as Uint8Array)[k & BYTE_MASK] as number;
  }

  private chunkEnd(c: number): number {
    const next = c + 1;
    return next < this.chunks ? ((this.rows[next >>> ROW_PAGE_BITS] as RowPage).first[next & ROW_MASK] as number) : this.count;
  }

  /** Feeds the stored writes not hashed yet to the hash (every one of them is stored whole). */
  private hashStored(): void {
    for (let c = this.hashedChunks; c < this.chunks; c++) {
      const row = this.rows[c >>> ROW_PAGE_BITS] as RowPage;
      const r = c & ROW_MASK;
      const first = row.first[r] as number;
      const n = this.chunkEnd(c) - first;
      const g = row.got[r] as number;
      this.hashHeader(row.dir[r] as number, n, row.startMs[r] as number, row.byteMs[r] as number);
      for (let k = first, end = first + n; k < end; ) {
        const page = this.bytePages[k >>> BYTE_PAGE_BITS] as Uint8Array;
        const at = k & BYTE_MASK;
        const m = Math.min(end - k, BYTE_PAGE - at);
        this.hashBytes(page, at, at + m);
        k += m;
      }
      if (g !== NO_FAULT) this.hashBytes(new Uint8Array(this.got.buffer, this.got.byteOffset + 2 * g, 2 * n), 0, 2 * n);
    }
    this.hashedChunks = this.chunks;
  }

  /** Appends one write to the hash input: header, bytes as sent, received values (raw Int16) if any byte met a fault. */
  private hashWrite(dirFlag: number, n: number, startMs: number, byteMs: number, sent: Uint8Array, delivered: Int16Array | null): void {
    this.hashHeader(dirFlag, n, startMs, byteMs);
    this.hashBytes(sent, 0, n);
    if (delivered !== null) this.hashBytes(new Uint8Array(delivered.buffer, delivered.byteOffset, delivered.byteLength), 0, delivered.byteLength);
  }

  /** The 21-byte header of a write: direction, length (u32 LE), start ms and byte ms (f64 LE). */
  private hashHeader(dirFlag: number, n: number, startMs: number, byteMs: number): void {
    if (this.staged + HEADER_BYTES > STAGE_BYTES) this.flushStage();
    const st = this.stage;
    st[this.staged] = dirFlag;
    st.writeUInt32LE(n, this.staged + 1);
    st.writeDoubleLE(startMs, this.staged + 5);
    st.writeDoubleLE(byteMs, this.staged + 13);
    this.staged += HEADER_BYTES;
  }

  /** Appends src[from, to) to the hash input. */
  private hashBytes(src: Uint8Array, from: number, to: number): void {
    if (to - from > STAGE_BYTES) {
      this.flushStage();
      this.hash.update(src.subarray(from, to));
      return;
    }
    if (this.staged + (to - from) > STAGE_BYTES) this.flushStage();
    const st = this.stage;
    let o = this.staged;
    if (to - from <= 32) for (let i = from; i < to; i++) st[o++] = src[i] as number;
    else {
      st.set(src.subarray(from, to), o);
      o += to - from;
    }
    this.staged = o;
  }

  private flushStage(): void {
    if (this.staged === 0) return;
    this.hash.update(this.stage.subarray(0, this.staged));
    this.staged = 0;
  }
}
