/**
 * The serial seam of the simulator: a serialport `BindingInterface` built on
 * `@serialport/binding-mock`. The mock supplies the port registry, the open
 * lock, read buffering and write recording; this layer connects the port's far
 * end to the emulated board through the link and adds what a real USB-serial
 * board does: opening (DTR) resets the board, a baud-rate mismatch garbles
 * the line, and an unplug fails the pending read with a non-canceled error so
 * `SerialPortStream` closes with a `DisconnectedError` (`err.disconnected === true`).
 *
 * Reads: the port keeps its own receive buffer instead of the mock's (which
 * concatenates a new Buffer for every delivery and slices two more per
 * read). It serves reads as the mock does: asynchronously (process ticks,
 * within the same clock instant), everything buffered up to the mock's
 * 1024-byte read size at once; close cancels a pending read (`canceled`),
 * flush discards what is buffered. The host sees the same bytes in the same
 * chunks at the same clock times (the mock needed one tick more after a
 * delivery, which no timer can observe: deliveries come from clock timers,
 * and every tick drains before the next timer fires).
 */
import { createRequire } from 'node:module';
import { MCORE_USB_ID } from '../../harness/mbot/usb-ids.ts';
import {
  MockBinding,
  type BindingInterface,
  type BindingPortInterface,
  type MockPortBinding,
  type OpenOptions,
  type PortInfo,
  type PortStatus,
  type SetOptions,
  type UpdateOptions,
} from './serial-types.ts';

/** What the binding needs from the simulated board. */
export interface SimPortHost {
  readonly path: string;
  /** False while unplugged or after the simulator closed. */
  readonly available: boolean;
  /** A host opened the port (DTR asserted): connect it and reset the board. */
  attach(port: SimPortBinding, baudRate: number): void;
  /** The host closed the port. */
  detach(port: SimPortBinding): void;
  /** The host asserted DTR again after dropping it (resets the board). */
  dtrPulse(port: SimPortBinding): void;
  /** The host changed its baud rate. */
  baudChanged(port: SimPortBinding, baudRate: number): void;
  /** Bytes written by the host. */
  write(bytes: Uint8Array): void;
}

/** Largest read the mock serves at once (its default `maxReadSize`); reads here keep it. */
const MAX_READ_SIZE = 1024;

/** The mock's error for a read cut short by close (`canceled: true`, which SerialPortStream ignores). */
const CanceledError = (createRequire(import.meta.url)('@serialport/binding-mock') as { CanceledError: new (message: string) => Error })
  .CanceledError;

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  resolve: (r: { buffer: Buffer; bytesRead: number }) => void;
  reject: (err: Error) => void;
}

/** USB ids of the CH340 USB-serial chip on the mCore, so port auto-detection finds the simulator like a board. */
/** What the simulator's port announces: the mCore's CH340. */
export const MCORE_USB_IDS = { vendorId: MCORE_USB_ID.vendorId, productId: MCORE_USB_ID.productId, manufacturer: 'wch.cn (mbot-hil simulator)' } as const;

function notFound(path: string): Error {
  // Same wording as @serialport/bindings-cpp on Linux.
  return Object.assign(new Error(`Error: No such file or directory, cannot open ${path}`), { code: 'ENOENT' });
}

function disconnected(): Error {
  return Object.assign(new Error('Error: Input/output error, the device was disconnected'), { code: 'EIO' });
}

/** One open port of the simulator: the mock port does open/lock/writes/flags; reads come from this port's own buffer. */
export class SimPortBinding implements BindingPortInterface {
  private unplugged = false;
  private dtr = true;
  // Receive buffer: bytes [rxStart, rxEnd) of rx are waiting for a read.
  private rx = new Uint8Array(256);
  private rxStart = 0;
  private rxEnd = 0;
  private pending: PendingRead | undefined;
  /** A pending read found no data and waits for `deliver`. */
  private waiting = false;
  private readonly attempt = (): void => this.serveRead();

  constructor(
    private readonly inner: MockPortBinding,
    private readonly host: SimPortHost,
  ) {}

  get openOptions(): Required<OpenOptions> {
    return this.inner.openOptions;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  set isOpen(_value: boolean) {
    // The mock owns the flag; BindingPortInterface declares it writable.
  }

  /** Bytes from the board reach the host's read buffer (dropped if the port is closed). */
  deliver(bytes: Uint8Array): void {
    if (!this.inner.isOpen || this.unplugged || bytes.length === 0) return;
    const n = bytes.length;
    if (this.rxEnd + n > this.rx.length) {
      const used = this.rxEnd - this.rxStart;
      if (used + n <= this.rx.length) {
        this.rx.copyWithin(0, this.rxStart, this.rxEnd);
      } else {
        let cap = this.rx.length * 2;
        while (cap < used + n) cap *= 2;
        const bigger = new Uint8Array(cap);
        bigger.set(this.rx.subarray(this.rxStart, this.rxEnd));
        this.rx = bigger;
      }
      this.rxStart = 0;
      this.rxEnd = used;
    }
    this.rx.set(bytes, this.rxEnd);
    this.rxEnd += n;
    if (this.waiting) {
      this.waiting = false;
      process.nextTick(this.attempt);
    }
  }

  /** The cable was pulled: the pending read and every later call fail with EIO (not `canceled`). */
  disconnect(): void {
    this.unplugged = true;
    this.failPending(disconnected());
  }

  async close(): Promise<void> {
    const closing = this.inner.close();
    // The mock's close cancels its pending read at once and forgets unread data; so does this buffer.
    if (!this.inner.isOpen) {
      this.rxStart = this.rxEnd = 0;
      this.failPending(new CanceledError('port is closed'));
    }
    await closing;
    this.host.detach(this);
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (this.unplugged) return Promise.reject(disconnected());
    // The mock's argument checks, in its order and words.
    if (!Buffer.isBuffer(buffer)) return Promise.reject(new TypeError('"buffer" is not a Buffer'));
    if (typeof offset !== 'number' || isNaN(offset)) {
      return Promise.reject(new TypeError(`"offset" is not an integer got "${isNaN(offset) ? 'NaN' : typeof offset}"`));
    }
    if (typeof length !== 'number' || isNaN(length)) {
      return Promise.reject(new TypeError(`"length" is not an integer got "${isNaN(length) ? 'NaN' : typeof length}"`));
    }
    if (buffer.length < offset + length) return Promise.reject(new Error('buffer is too small'));
    if (!this.inner.isOpen) return Promise.reject(new Error('Port is not open'));
    return new Promise((resolve, reject) => {
      this.pending = { buffer, offset, length, resolve, reject };
      // Nothing buffered: wait for `deliver` at once. A tick would find the
      // buffer still empty (deliveries come from clock timers, and the tick
      // queue drains before any timer) and the port still open (close
      // cancels a waiting read itself).
      this.waiting = this.rxEnd === this.rxStart;
      if (!this.waiting) process.nextTick(this.attempt);
    });
  }

  /** Completes the pending read from the buffer, or leaves it waiting for data. */
  private serveRead(): void {
    const p = this.pending;
    if (p === undefined) return;
    if (!this.inner.isOpen) {
      this.pending = undefined;
      p.reject(new CanceledError('Read canceled'));
      return;
    }
    const available = this.rxEnd - this.rxStart;
    if (available <= 0) {
      this.waiting = true;
      return;
    }
    const n = Math.min(available, p.length, MAX_READ_SIZE);
    const rx = this.rx;
    const from = this.rxStart;
    // Deliveries are a few bytes: a loop beats TypedArray#set's call overhead there.
    if (n <= 32) for (let i = 0; i < n; i++) p.buffer[p.offset + i] = rx[from + i] as number;
    else p.buffer.set(rx.subarray(from, from + n), p.offset);
    this.rxStart += n;
    if (this.rxStart === this.rxEnd) this.rxStart = this.rxEnd = 0;
    this.pending = undefined;
    p.resolve({ buffer: p.buffer, bytesRead: n });
  }

  private failPending(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    this.waiting = false;
    p?.reject(err);
  }

  async write(buffer: Buffer): Promise<void> {
    if (this.unplugged) throw disconnected();
    await this.inner.write(buffer);
    if (this.unplugged) throw disconnected();
    // A copy: the link keeps the bytes (the typed-array copy, not an element-by-element one).
    this.host.write(new Uint8Array(buffer));
  }

  async update(options: UpdateOptions): Promise<void> {
    if (this.unplugged) throw disconnected();
    await this.inner.update(options);
    this.host.baudChanged(this, options.baudRate);
  }

  async set(options: SetOptions): Promise<void> {
    if (this.unplugged) throw disconnected();
    await this.inner.set(options);
    // An Arduino resets on the falling edge DTR makes through its 100 nF capacitor; model it as a low→high pulse.
    const dtr = options.dtr ?? true;
    if (dtr && !this.dtr) this.host.dtrPulse(this);
    this.dtr = dtr;
  }

  async get(): Promise<PortStatus> {
    if (this.unplugged) throw disconnected();
    return this.inner.get();
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    if (this.unplugged) throw disconnected();
    return this.inner.getBaudRate();
  }

  async flush(): Promise<void> {
    if (this.unplugged) throw disconnected();
    await this.inner.flush();
    // The mock empties its read buffer after a tick; this one is the buffer in use.
    this.rxStart = this.rxEnd = 0;
  }

  async drain(): Promise<void> {
    if (this.unplugged) throw disconnected();
    return this.inner.drain();
  }
}

/**
 * A binding whose only port is the simulator's `host.path`. `list()` shows it
 * while plugged in; `open()` of any other path, or while unplugged, fails
 * like a missing device (ENOENT); a second open while open fails with the
 * mock's "Port is locked cannot open".
 */
export function createSimBinding(host: SimPortHost): BindingInterface<SimPortBinding> {
  const ensureRegistered = async (): Promise<void> => {
    // Another test may have called MockBinding.reset(); register again if our port vanished.
    const ports = await MockBinding.list();
    if (!ports.some((p) => p.path === host.path)) MockBinding.createPort(host.path, { ...MCORE_USB_IDS });
  };
  return {
    async list(): Promise<PortInfo[]> {
      if (!host.available) return [];
      await ensureRegistered();
      const ports = await MockBinding.list();
      return ports.filter((p) => p.path === host.path);
    },
    async open(options: OpenOptions): Promise<SimPortBinding> {
      if (options === null || typeof options !== 'object') throw new TypeError('"options" is not an object');
      if (options.path !== host.path || !host.available) {
        await Promise.resolve();
        throw notFound(String(options.path));
      }
      await ensureRegistered();
      const inner = await MockBinding.open(options);
      if (!host.available) {
        await inner.close();
        throw notFound(options.path);
      }
      const port = new SimPortBinding(inner, host);
      host.attach(port, options.baudRate);
      return port;
    },
  };
}
