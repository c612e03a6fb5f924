/**
 * The serial link between the host's port and the emulated board: bytes take
 * baud-rate time on the wire (10 bits each, queued behind each other in each
 * direction), plus optional latency and seeded jitter; bytes can be dropped or
 * get a bit flipped; the cable can be unplugged. Everything runs on the
 * injected Clock and draws randomness only from the injected Rng, so a run on
 * a virtual clock with the same seed is byte-for-byte repeatable.
 *
 * Delivery resolution: a chunk is handed over by a clock timer at the first
 * whole millisecond at or after its last byte has arrived (plus latency and
 * jitter). USB full-speed moves serial data in 1 ms frames anyway, and the
 * virtual clock moves in whole ms. The trace still gets each byte's exact
 * modelled time.
 *
 * Line speed: the device's UART runs at `options.baudRate` (its firmware's
 * `Firmata.begin()` rate); the host's at `hostBaudRate` once a host said
 * (the port's open or update). Each side sends at its own rate, so a write
 * occupies the wire for its sender's byte time; when the two rates differ
 * the receiver decodes the line at its own rate (`uart-framing.ts`) and gets
 * the garbage and framing errors a real UART would.
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';
import type { Rng } from '../world/types.ts';
import {
  byteTimeMs,
  resolveLinkOptions,
  type LinkDirection,
  type LinkOptions,
  type ResolvedLinkOptions,
} from './link-options.ts';
import { receiveAtRate } from './uart-framing.ts';

/**
 * Observer of every byte put on the wire. `record` is called once per write,
 * synchronously, in wire order per direction: byte i of `sent` finished at
 * `startMs + (i + 1) * byteMs` (clock monotonic ms); `delivered[i]` is what
 * the far end receives (-1 = lost), or `null` when every byte arrives as sent.
 */
export interface LinkTap {
  record(dir: LinkDirection, startMs: number, byteMs: number, sent: Uint8Array, delivered: Int16Array | null, mismatch?: LineSpeedMismatch): void;
}

/**
 * A write decoded by a receiver at another line speed. `delivered[i]` (see
 * LinkTap) is then the first byte the receiver stored whose start edge fell
 * in sent byte i's frame (-1: none did); `received` is everything it stored,
 * which is what the far end gets.
 */
export interface LineSpeedMismatch {
  senderBaud: number;
  receiverBaud: number;
  received: Uint8Array;
  /** Received bytes whose stop bit read 0. */
  framingErrors: number;
}

/**
 * Receives the bytes that reach one end of the link. `lastByteAtMs` is when
 * the last of them arrived (clock monotonic ms, fractional: the wire time plus
 * latency and jitter; the delivery itself happens at the next whole ms) and
 * `byteMs` the wire time of one byte, so byte i of n arrived at
 * `lastByteAtMs - (n - 1 - i) * byteMs` (lost bytes close the gap they leave).
 */
export type LinkListener = (bytes: Uint8Array, lastByteAtMs: number, byteMs: number) => void;

interface Chunk {
  atMs: number;
  byteMs: number;
  bytes: Uint8Array;
}

interface DirectionState {
  busyUntilMs: number;
  lastDeliverAtMs: number;
  queue: Chunk[];
  timer: ClockTimer | undefined;
  listener: LinkListener | undefined;
  forcedCorrupt: number;
  forcedDrop: number;
  /** The delivery timer's callback (one per direction, not one per timer). */
  fire: () => void;
}

function newDirection(): DirectionState {
  return {
    busyUntilMs: 0,
    lastDeliverAtMs: 0,
    queue: [],
    timer: undefined,
    listener: undefined,
    forcedCorrupt: 0,
    forcedDrop: 0,
    fire: () => undefined,
  };
}

/** Both directions of one USB-serial cable. Obligation: call `dispose()` when done (cancels its timers). */
export class SerialLink {
  private opts: ResolvedLinkOptions;
  private readonly dirs: Record<LinkDirection, DirectionState> = {
    'to-device': newDirection(),
    'to-host': newDirection(),
  };
  private isPlugged = true;
  private disposed = false;
  private tap: LinkTap | undefined;
  /**
   * Baud rate the host's port runs at, or undefined when unknown (a served
   * stream whose far end does not tell): then both ends are taken to agree.
   * When it differs from `options.baudRate` each receiver decodes the other's
   * bytes at its own rate (garbage and framing errors, see `uart-framing.ts`).
   */
  hostBaudRate: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    options?: LinkOptions,
    tap?: LinkTap,
  ) {
    this.opts = resolveLinkOptions(options);
    this.tap = tap;
    this.dirs['to-device'].fire = () => this.flush('to-device');
    this.dirs['to-host'].fire = () => this.flush('to-host');
  }

  /** The options in force (a copy). */
  get options(): ResolvedLinkOptions {
    return { ...this.opts };
  }

  /** True while the cable is plugged in. */
  get plugged(): boolean {
    return this.isPlugged;
  }

  /** Changes some options from now on (validated; bytes already queued keep their times). */
  setOptions(patch: LinkOptions): void {
    this.opts = resolveLinkOptions(patch, this.opts);
  }

  /** Sets the end that receives bytes travelling in `dir` (one listener per direction). */
  onDeliver(dir: LinkDirection, listener: LinkListener | undefined): void {
    this.dirs[dir].listener = listener;
  }

  /** Corrupts (one random bit flip each) the next `n` bytes sent in `dir`. */
  corruptNext(n: number, dir: LinkDirection): void {
    this.dirs[dir].forcedCorrupt += n;
  }

  /** Loses the next `n` bytes sent in `dir`. */
  dropNext(n: number, dir: LinkDirection): void {
    this.dirs[dir].forcedDrop += n;
  }

  /**
   * Hands over now what has fully arrived in `dir` but waits for its
   * whole-ms delivery timer (bytes whose last bit ended at or before now).
   * A receiver that acts at this instant (the firmware's sampling pass)
   * calls it first, as the real loop reads its UART before it samples.
   */
  deliverArrived(dir: LinkDirection): void {
    const st = this.dirs[dir];
    const head = st.queue[0];
    if (this.disposed || !this.isPlugged || head === undefined || head.atMs > this.clock.monotonicMs() + 1e-9) return;
    if (st.timer !== undefined) this.clock.clearTimeout(st.timer);
    this.flush(dir);
  }

  /** Bytes sent in `dir` that have not been delivered yet. */
  pendingBytes(dir: LinkDirection): number {
    return this.dirs[dir].queue.reduce((n, c) => n + c.bytes.length, 0);
  }

  /**
   * Puts `data` on the wire in `dir`, starting no earlier than `notBeforeMs`
   * (clock monotonic ms; default now: a sender busy until then, e.g. a
   * firmware blocked in pulseIn). The link keeps `data`: do not change it
   * afterwards. A no-op while unplugged or after `dispose()` (the bytes go
   * nowhere, as with a pulled cable).
   */
  send(dir: LinkDirection, data: Uint8Array, notBeforeMs?: number): void {
    if (this.disposed || !this.isPlugged || data.length === 0) return;
    const st = this.dirs[dir];
    const now = this.clock.monotonicMs();
    const deviceBaud = this.opts.baudRate;
    const hostBaud = this.hostBaudRate ?? deviceBaud;
    const senderBaud = dir === 'to-device' ? hostBaud : deviceBaud;
    const receiverBaud = dir === 'to-device' ? deviceBaud : hostBaud;
    const byteMs = byteTimeMs(senderBaud);
    const startMs = Math.max(now, notBeforeMs ?? now, st.busyUntilMs);
    st.busyUntilMs = startMs + data.length * byteMs;

    let delivered = this.applyFaults(st, data);
    let mismatch: LineSpeedMismatch | undefined;
    if (senderBaud !== receiverBaud) {
      ({ delivered, mismatch } = this.decodeAtOtherRate(data, delivered, senderBaud, receiverBaud));
    }
    this.tap?.record(dir, startMs, byteMs, data, delivered, mismatch);

    let atMs = st.busyUntilMs + this.opts.latencyMs;
    if (this.opts.jitterMs > 0) atMs += this.rng.next() * this.opts.jitterMs;
    // Jitter must never reorder bytes within one direction.
    atMs = Math.max(atMs, st.lastDeliverAtMs);
    st.lastDeliverAtMs = atMs;

    let bytes: Uint8Array;
    if (mismatch !== undefined) {
      bytes = mismatch.received;
    } else if (delivered === null) {
      bytes = data;
    } else {
      const kept: number[] = [];
      for (let i = 0; i < delivered.length; i++) {
        const v = delivered[i] ?? -1;
        if (v >= 0) kept.push(v);
      }
      bytes = Uint8Array.from(kept);
    }
    if (bytes.length === 0) return;
    st.queue.push({ atMs, byteMs, bytes });
    this.schedule(dir, now);
  }

  /** Pulls the cable: queued bytes are lost, further sends go nowhere until `replug()`. */
  unplug(): void {
    this.isPlugged = false;
    for (const st of Object.values(this.dirs)) {
      this.clock.clearTimeout(st.timer);
      st.timer = undefined;
      st.queue = [];
    }
  }

  /** Plugs the cable back in (an empty wire). */
  replug(): void {
    const now = this.clock.monotonicMs();
    for (const st of Object.values(this.dirs)) {
      st.busyUntilMs = now;
      st.lastDeliverAtMs = now;
    }
    this.isPlugged = true;
  }

  /** Cancels timers and drops queued bytes; the link is dead afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const st of Object.values(this.dirs)) {
      try {
        this.clock.clearTimeout(st.timer);
      } catch {
        // The clock may already be disposed; its timers are gone with it.
      }
      st.timer = undefined;
      st.queue = [];
      st.listener = undefined;
    }
  }

  /**
   * The receiver's view of a write sent at another rate: the bytes that
   * survived the faults, back to back on the line, decoded at
   * `receiverBaud`; `delivered` maps each received byte to the sent byte in
   * whose frame it began (the first one, when several began there).
   */
  private decodeAtOtherRate(
    data: Uint8Array,
    faulted: Int16Array | null,
    senderBaud: number,
    receiverBaud: number,
  ): { delivered: Int16Array; mismatch: LineSpeedMismatch } {
    let onLine = data;
    let sentIndex: number[] | null = null;
    if (faulted !== null) {
      const kept: number[] = [];
      sentIndex = [];
      for (let i = 0; i < faulted.length; i++) {
        const v = faulted[i] ?? -1;
        if (v < 0) continue;
        kept.push(v);
        sentIndex.push(i);
      }
      onLine = Uint8Array.from(kept);
    }
    const r = receiveAtRate(onLine, senderBaud, receiverBaud);
    const delivered = new Int16Array(data.length).fill(-1);
    for (let j = 0; j < r.bytes.length; j++) {
      const o = r.origin[j] as number;
      const i = sentIndex === null ? o : (sentIndex[o] as number);
      if (delivered[i] === -1) delivered[i] = r.bytes[j] as number;
    }
    return { delivered, mismatch: { senderBaud, receiverBaud, received: r.bytes, framingErrors: r.framingErrors } };
  }

  private applyFaults(st: DirectionState, data: Uint8Array): Int16Array | null {
    const { dropRate, corruptRate } = this.opts;
    if (dropRate === 0 && corruptRate === 0 && st.forcedDrop === 0 && st.forcedCorrupt === 0) {
      return null;
    }
    const out = new Int16Array(data.length);
    for (let i = 0; i < data.length; i++) {
      let v = data[i] ?? 0;
      if (st.forcedDrop > 0) {
        st.forcedDrop--;
        out[i] = -1;
        continue;
      }
      if (dropRate > 0 && this.rng.next() < dropRate) {
        out[i] = -1;
        continue;
      }
      if (st.forcedCorrupt > 0) {
        st.forcedCorrupt--;
        v ^= 1 << this.rng.int(0, 7);
      } else if (corruptRate > 0 && this.rng.next() < corruptRate) {
        v ^= 1 << this.rng.int(0, 7);
      }
      out[i] = v;
    }
    return out;
  }

  private schedule(dir: LinkDirection, now: number): void {
    const st = this.dirs[dir];
    const head = st.queue[0];
    if (st.timer !== undefined || head === undefined) return;
    const delayMs = Math.max(0, Math.ceil(head.atMs - now - 1e-9));
    st.timer = this.clock.setTimeout(st.fire, delayMs);
  }

  private flush(dir: LinkDirection): void {
    const st = this.dirs[dir];
    st.timer = undefined;
    if (this.disposed) return;
    const now = this.clock.monotonicMs();
    try {
      // Wall-clock timers may fire a hair before the modelled time; virtual ones never do.
      const toleranceMs = this.clock.kind === 'wall' ? 0.5 : 1e-9;
      while (st.queue.length > 0 && (st.queue[0]?.atMs ?? Infinity) <= now + toleranceMs) {
        const chunk = st.queue.shift() as Chunk;
        st.listener?.(chunk.bytes, chunk.atMs, chunk.byteMs);
        if (this.disposed || !this.isPlugged) return;
      }
    } finally {
      if (!this.disposed && this.isPlugged) this.schedule(dir, now);
    }
  }
}
