/**
 * The host side of the serial wire, paced: every write to a target's port
 * (firmata-io, Johnny-Five, the liveness probe, the safe stop) goes through
 * one queue, so a stop can never sit behind seconds of drive commands.
 *
 * Why: nothing between the host and the board pushes back. A PTY or a
 * USB-serial driver accepts tens of KB at once (Linux buffers 64 KB on a
 * PTY, 4 KB in a USB-serial driver, and the simulator's link models an
 * unbounded UART queue), and a UART at 115200 baud moves 11.5 KB a second:
 * a client flooding drive commands for one second used to leave a stop
 * 28.8 s behind on the wire.
 *
 * How:
 * - Pacing: the queue models the UART (10 bits a byte at the port's baud
 *   rate, counted at {@link DEFAULT_WIRE_EFFICIENCY} of it for USB gaps)
 *   and hands the port only what the wire will have sent within `aheadMs`
 *   (default: the wire time of {@link DEFAULT_CHUNK_BYTES} bytes). The
 *   rest waits here, where it can still be dropped. An idle queue writes
 *   straight through, in the caller's tick, so normal traffic is unchanged.
 * - Coalescing: a Firmata message that sets a state (an analog/PWM write to
 *   one pin, a digital write of one 8-pin port) replaces a queued one with
 *   the same target that nothing else has been queued behind since the last
 *   message of another kind (a pin mode, a sysex, a query: those keep their
 *   order and are never dropped). Under a flood the queue keeps the latest
 *   value per pin, so it stays a few messages long and a drive command is
 *   never more than a few ms stale. The superseded write's callback runs at
 *   once, without an error (its value was overwritten, as the board would
 *   have done a moment later).
 * - Stops first: {@link WriteQueue.writeFirst} drops every queued message
 *   its bytes override (whatever is queued around them) and writes them at
 *   once, ahead of everything queued and regardless of pacing; it resolves
 *   once the port wrote and drained them. Ahead of a stop there is then only
 *   what the port already had: at most `aheadMs` of wire time.
 *
 * Installed on a `SerialPortStream` by replacing its `write` method on that
 * instance (the one seam every writer above uses); `dispose()` puts the
 * original back.
 */
import type { SerialPortStream } from '@serialport/stream';
import type { Clock, ClockTimer } from '../clock/index.ts';
import { FIRMATA } from '../mbot/firmata-bytes.ts';

/** Bits on the wire per byte at 8N1 (start, 8 data, stop). */
const BITS_PER_BYTE = 10;

/** Largest chunk the queue hands the port at once, bytes; also the default pacing allowance. */
export const DEFAULT_CHUNK_BYTES = 64;

/** Share of the baud rate the pacing counts on (USB-serial adapters leave gaps; a slower model keeps the OS buffers empty). */
export const DEFAULT_WIRE_EFFICIENCY = 0.9;

/** Options of {@link installWriteQueue}. */
export interface WriteQueueOptions {
  /** The target's clock: pacing timers run on it (virtual on the sim target). */
  clock: Clock;
  /** UART speed, bits per second. Default: the port's `baudRate`. */
  baudRate?: number;
  /** Wire time, ms, the port may hold beyond what the UART has sent. Default: the wire time of {@link DEFAULT_CHUNK_BYTES} bytes. */
  aheadMs?: number;
  /** Largest write handed to the port at once, bytes (a longer single message still goes whole). Default {@link DEFAULT_CHUNK_BYTES}. */
  chunkBytes?: number;
  /** Default {@link DEFAULT_WIRE_EFFICIENCY}. */
  efficiency?: number;
}

/** The queue on one open port. */
export interface WriteQueue {
  /** Bytes waiting here, not yet handed to the port. */
  readonly pendingBytes: number;
  /** Messages dropped because a later value replaced them (coalescing, stops). */
  readonly superseded: number;
  /**
   * Writes `bytes` (whole Firmata messages) ahead of everything queued,
   * after dropping every queued message they override; resolves once the
   * port wrote and drained them. Never rejects (a dead port resolves too:
   * nothing more can be done there).
   */
  writeFirst(bytes: Uint8Array): Promise<void>;
  /**
   * Drops every queued message `bytes` override, without writing anything:
   * for a stop written past the stream (`fs.writeSync` on the descriptor in
   * an exit handler), so no drive command queued before it follows it.
   */
  discardOverridden(bytes: Uint8Array): void;
  /**
   * For the way out of a process (a signal, a dead parent): from now on only
   * {@link writeFirst} reaches the port. What is queued and every later
   * write is dropped (callbacks get an error), so no drive command still
   * being processed (a companion working through a flood of them) follows
   * the stop out. Idempotent.
   */
  seal(): void;
  /** Drops what is still queued (their callbacks get an error) and puts the port's own `write` back. Idempotent. */
  dispose(): void;
}

type WriteCallback = (err?: Error | null) => void;

interface Entry {
  bytes: Buffer;
  /** What the message sets (`a6`, `d0`), or null for a message that must keep its place. */
  key: string | null;
  callbacks: WriteCallback[];
}

/** Byte length of the Firmata message starting with command byte `cmd`, or 0 when it is variable (sysex) or unknown. */
function fixedLength(cmd: number): number {
  const high = cmd & 0xf0;
  if (high === FIRMATA.ANALOG_MESSAGE || high === FIRMATA.DIGITAL_MESSAGE) return 3;
  if (high === 0xc0 || high === 0xd0) return 2; // REPORT_ANALOG, REPORT_DIGITAL
  if (cmd === FIRMATA.SET_PIN_MODE || cmd === FIRMATA.SET_DIGITAL_PIN_VALUE) return 3;
  if (cmd === FIRMATA.REPORT_VERSION || cmd === FIRMATA.SYSTEM_RESET) return 1;
  return 0;
}

/**
 * Splits `bytes` into whole Firmata messages, or returns null when they are
 * not a sequence of whole messages (then the caller keeps them as one).
 */
export function splitFirmataMessages(bytes: Uint8Array): Buffer[] | null {
  const out: Buffer[] = [];
  let i = 0;
  while (i < bytes.length) {
    const cmd = bytes[i] ?? 0;
    if (cmd < 0x80) return null;
    let end: number;
    if (cmd === FIRMATA.START_SYSEX) {
      end = bytes.indexOf(FIRMATA.END_SYSEX, i + 1) + 1;
      if (end === 0) return null;
    } else {
      const n = fixedLength(cmd);
      if (n === 0 || i + n > bytes.length) return null;
      end = i + n;
    }
    for (let j = i + 1; j < end - (cmd === FIRMATA.START_SYSEX ? 1 : 0); j++) if ((bytes[j] ?? 0) >= 0x80) return null;
    out.push(Buffer.from(bytes.subarray(i, end)));
    i = end;
  }
  return out;
}

/**
 * The state a whole message sets, as a key (`a<pin>` for an analog/PWM or
 * extended-analog write, `d<port>` for a digital port write), or null for
 * anything else (those are never dropped or reordered).
 */
export function firmataStateKey(msg: Uint8Array): string | null {
  const cmd = msg[0] ?? 0;
  const high = cmd & 0xf0;
  if (high === FIRMATA.ANALOG_MESSAGE && msg.length === 3) return `a${cmd & 0x0f}`;
  if (high === FIRMATA.DIGITAL_MESSAGE && msg.length === 3) return `d${cmd & 0x0f}`;
  if (cmd === FIRMATA.START_SYSEX && msg[1] === FIRMATA.EXTENDED_ANALOG && msg.length >= 5) return `a${msg[2] ?? 0}`;
  return null;
}

/** Normalises `write(chunk, encoding?, cb?)` arguments. */
function writeArgs(chunk: unknown, a?: unknown, b?: unknown): { bytes: Buffer; cb: WriteCallback | undefined } {
  const cb = (typeof a === 'function' ? a : typeof b === 'function' ? b : undefined) as WriteCallback | undefined;
  const encoding = typeof a === 'string' ? (a as BufferEncoding) : undefined;
  const bytes = Buffer.isBuffer(chunk) ? chunk
    : chunk instanceof Uint8Array ? Buffer.from(chunk)
      : Array.isArray(chunk) ? Buffer.from(chunk as number[])
        : Buffer.from(String(chunk), encoding);
  return { bytes, cb };
}

/**
 * Puts a {@link WriteQueue} in front of `port`'s writes. Install it before
 * the port is handed to firmata-io; `dispose()` it when the port closes.
 */
export function installWriteQueue(port: SerialPortStream, opts: WriteQueueOptions): WriteQueue {
  const { clock } = opts;
  const baudRate = opts.baudRate ?? port.baudRate;
  const efficiency = opts.efficiency ?? DEFAULT_WIRE_EFFICIENCY;
  const byteMs = (BITS_PER_BYTE * 1000) / (baudRate * efficiency);
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const aheadMs = opts.aheadMs ?? chunkBytes * byteMs;
  const originalWrite = port.write;
  const rawWrite = (bytes: Buffer, cb: WriteCallback): void => {
    originalWrite.call(port, bytes, cb);
  };

  const queue: Entry[] = [];
  let pendingBytes = 0;
  let superseded = 0;
  /** Clock ms at which the modelled UART will have sent everything handed to the port. */
  let wireFreeAtMs = 0;
  let timer: ClockTimer | undefined;
  let disposed = false;
  let sealed = false;
  let unpaced = false;

  const settleLater = (callbacks: WriteCallback[], err?: Error): void => {
    if (callbacks.length > 0) process.nextTick(() => { for (const cb of callbacks) cb(err ?? null); });
  };

  // A disposed clock throws; the queue must keep working while the target tears down.
  const nowMs = (): number => {
    try {
      return clock.monotonicMs();
    } catch {
      return wireFreeAtMs;
    }
  };

  const removeAt = (i: number): Entry => {
    const [e] = queue.splice(i, 1) as [Entry];
    pendingBytes -= e.bytes.length;
    return e;
  };

  const handOver = (bytes: Buffer, callbacks: WriteCallback[]): void => {
    wireFreeAtMs = Math.max(nowMs(), wireFreeAtMs) + bytes.length * byteMs;
    rawWrite(bytes, (err) => { for (const cb of callbacks) cb(err ?? null); });
  };

  const pump = (): void => {
    if (disposed || timer !== undefined) return;
    while (queue.length > 0) {
      const aheadNowMs = wireFreeAtMs - nowMs();
      if (!unpaced && aheadNowMs > aheadMs) {
        try {
          // Whole ms, at least 1: the virtual clock moves in whole ms.
          timer = clock.setTimeout(() => { timer = undefined; pump(); }, Math.max(1, Math.ceil(aheadNowMs - aheadMs)));
          return;
        } catch {
          // The clock is gone (the target is being torn down): hand everything over unpaced.
          unpaced = true;
        }
      }
      const parts: Buffer[] = [];
      const callbacks: WriteCallback[] = [];
      let size = 0;
      while (queue.length > 0 && (parts.length === 0 || size + (queue[0]?.bytes.length ?? 0) <= chunkBytes)) {
        const e = removeAt(0);
        parts.push(e.bytes);
        callbacks.push(...e.callbacks);
        size += e.bytes.length;
      }
      handOver(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), callbacks);
    }
  };

  const enqueue = (msg: Buffer, key: string | null, callbacks: WriteCallback[]): void => {
    if (key !== null) {
      // Replace the same target's queued value, unless an order-keeping message sits behind it.
      for (let i = queue.length - 1; i >= 0; i--) {
        const e = queue[i] as Entry;
        if (e.key === null) break;
        if (e.key === key) {
          const old = removeAt(i);
          superseded++;
          settleLater(old.callbacks);
          break;
        }
      }
    }
    queue.push({ bytes: msg, key, callbacks });
    pendingBytes += msg.length;
  };

  const dropOverridden = (bytes: Uint8Array): void => {
    const keys = new Set((splitFirmataMessages(bytes) ?? []).map(firmataStateKey).filter((k): k is string => k !== null));
    // One pass, compacting in place: a splice per dropped message made a stop after a long queue quadratic
    // (seconds for 200,000 queued messages, all before the stop could leave).
    let kept = 0;
    for (const e of queue) {
      if (e.key !== null && keys.has(e.key)) {
        pendingBytes -= e.bytes.length;
        superseded++;
        settleLater(e.callbacks);
      } else {
        queue[kept++] = e;
      }
    }
    queue.length = kept;
  };

  const drainPort = (): Promise<void> => new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.drain(() => resolve());
  });

  const queuedWrite = function write(this: SerialPortStream, chunk: unknown, a?: unknown, b?: unknown): boolean {
    const { bytes, cb } = writeArgs(chunk, a, b);
    if (disposed) return originalWrite.call(port, bytes, cb as never);
    const callbacks = cb ? [cb] : [];
    if (sealed) {
      settleLater(callbacks, new Error('the port is being closed for good: only the stop goes out'));
      return true;
    }
    const messages = splitFirmataMessages(bytes);
    if (messages === null || messages.length === 0) enqueue(bytes, null, callbacks);
    else messages.forEach((m, i) => enqueue(m, firmataStateKey(m), i === messages.length - 1 ? callbacks : []));
    pump();
    return true;
  };
  port.write = queuedWrite as typeof port.write;

  return {
    get pendingBytes() { return pendingBytes; },
    get superseded() { return superseded; },
    writeFirst(bytes) {
      const buf = Buffer.from(bytes);
      if (disposed || !port.isOpen) return Promise.resolve();
      dropOverridden(buf);
      return new Promise<void>((resolve) => {
        handOver(buf, [() => { void drainPort().then(resolve); }]);
      });
    },
    discardOverridden(bytes) {
      if (!disposed) dropOverridden(bytes);
    },
    seal() {
      if (sealed || disposed) return;
      sealed = true;
      const err = new Error('the port is being closed for good: only the stop goes out');
      for (const e of queue.splice(0)) settleLater(e.callbacks, err);
      pendingBytes = 0;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      try {
        clock.clearTimeout(timer);
      } catch {
        // a disposed clock cancelled its timers already
      }
      timer = undefined;
      const err = new Error('the port closed before this write went out');
      for (const e of queue.splice(0)) settleLater(e.callbacks, err);
      pendingBytes = 0;
      if (port.write === queuedWrite) port.write = originalWrite;
    },
  };
}
