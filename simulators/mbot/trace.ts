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
 * - Device events (a write decoded at another line speed, bytes the board's
 *   64-byte receive buffer dropped) are kept beside the bytes, up to
 *   `maxDeviceEvents`; the digest covers every one of them.
 */
import type { LinkDirection } from '../link/link-options.ts';
import type { LineSpeedMismatch, LinkTap } from '../link/serial-link.ts';
import { DeviceEventLog, type DeviceEvent } from './device-events.ts';
import { DirectionDecoder, type TraceEvent } from './trace-decoder.ts';
import { StagedHasher } from './trace-hasher.ts';

export type { DeviceEvent } from './device-events.ts';

export type { TraceEvent } from './trace-decoder.ts';

/** One byte on the wire. */
export interface TraceEntry {
  /** When the byte's stop bit ended, clock monotonic ms (fractional: bytes take ≈ 0.174 ms at 57600 baud). */
  atMs: number;
  /** `to-device` = written by the host; `to-host` = sent by the board. */
  dir: LinkDirection;
  /** The byte as sent. */
  byte: number;
  /** The byte as the far end received it, or `null` if it was lost. Differs from `byte` when corrupted. */
  delivered: number | null;
}

/** Default cap on stored entries (≈ 2 MB of bytes plus ≈ 25 bytes per write). */
export const DEFAULT_TRACE_MAX_ENTRIES = 2_000_000;

const DIR_TO_HOST = 1;
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
  // Digest state: the writes up to hashedChunks are in the hasher (all of them once eager).
  private readonly hasher = new StagedHasher();
  private hashedChunks = 0;
  private eager = false;
  private readonly maxEntries: number;
  private readonly events: DeviceEventLog;

  constructor(options: { maxEntries?: number; maxDeviceEvents?: number } = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_TRACE_MAX_ENTRIES;
    this.events = new DeviceEventLog(options.maxDeviceEvents);
  }

  /** Device events seen since creation or `clear()`, stored or not. */
  get deviceEventCount(): number {
    return this.events.total;
  }

  /** Records a device event (see `DeviceEvent`); called by the link and the board. */
  deviceEvent(event: DeviceEvent): void {
    this.events.record(event);
  }

  /** Stored device events, oldest first (a fresh array); `filter` keeps matching ones. */
  deviceEvents(filter?: { kind?: DeviceEvent['kind']; dir?: LinkDirection }): DeviceEvent[] {
    return this.events.list(filter);
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
  record(dir: LinkDirection, startMs: number, byteMs: number, sent: Uint8Array, delivered: Int16Array | null, mismatch?: LineSpeedMismatch): void {
    const n = sent.length;
    if (mismatch !== undefined) {
      this.deviceEvent({
        kind: 'uart-framing',
        atMs: startMs + n * byteMs,
        dir,
        senderBaud: mismatch.senderBaud,
        receiverBaud: mismatch.receiverBaud,
        sent: n,
        received: Array.from(mismatch.received),
        framingErrors: mismatch.framingErrors,
      });
    }
    const dirFlag = dir === 'to-host' ? DIR_TO_HOST : 0;
    if (n === 0) {
      // Nothing to store, but the digest covers the write: hash it now, after everything recorded before it.
      if (!this.eager) this.hashStored();
      this.hasher.write(dirFlag, 0, startMs, byteMs, sent, delivered);
      return;
    }
    this.total += n;
    const room = Math.min(n, this.maxEntries - this.count);
    if (room < n && !this.eager) {
      // From here on not every byte is stored, so the digest can no longer be computed from the store later.
      this.hashStored();
      this.eager = true;
    }
    if (this.eager) this.hasher.write(dirFlag, n, startMs, byteMs, sent, delivered);
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

  /** SHA-256 (hex) of every byte recorded since creation or `clear()`, with its timing and fate, and of every device event. */
  digest(): string {
    if (!this.eager) this.hashStored();
    const h = this.hasher.snapshot();
    // A trace without device events keeps the digest it always had.
    if (this.events.total > 0) h.update(this.events.digest());
    return h.digest('hex');
  }

  /** Forgets every entry and restarts the digest (keeps the storage pages for reuse). */
  clear(): void {
    this.count = 0;
    this.total = 0;
    this.chunks = 0;
    this.gotUsed = 0;
    this.hashedChunks = 0;
    this.eager = false;
    this.hasher.reset();
    this.events.clear();
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
      this.hasher.header(row.dir[r] as number, n, row.startMs[r] as number, row.byteMs[r] as number);
      for (let k = first, end = first + n; k < end; ) {
        const page = this.bytePages[k >>> BYTE_PAGE_BITS] as Uint8Array;
        const at = k & BYTE_MASK;
        const m = Math.min(end - k, BYTE_PAGE - at);
        this.hasher.bytes(page, at, at + m);
        k += m;
      }
      if (g !== NO_FAULT) this.hasher.bytes(new Uint8Array(this.got.buffer, this.got.byteOffset + 2 * g, 2 * n), 0, 2 * n);
    }
    this.hashedChunks = this.chunks;
  }
}
