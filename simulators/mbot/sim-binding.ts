/**
 * The serial seam of the simulator: a serialport `BindingInterface` built on
 * `@serialport/binding-mock`. The mock supplies the port registry, the open
 * lock, read buffering and write recording; this layer connects the port's far
 * end to the emulated board through the link and adds what a real USB-serial
 * board does: opening (DTR) resets the board, a baud-rate mismatch garbles
 * the line, and an unplug fails the pending read with a non-canceled error so
 * `SerialPortStream` closes with a `DisconnectedError` (`err.disconnected === true`).
 */
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

/** USB ids of the CH340 USB-serial chip on the mCore, so port auto-detection finds the simulator like a board. */
export const MCORE_USB_IDS = { vendorId: '1a86', productId: '7523', manufacturer: 'wch.cn (mbot-hil simulator)' } as const;

function notFound(path: string): Error {
  // Same wording as @serialport/bindings-cpp on Linux.
  return Object.assign(new Error(`Error: No such file or directory, cannot open ${path}`), { code: 'ENOENT' });
}

function disconnected(): Error {
  return Object.assign(new Error('Error: Input/output error, the device was disconnected'), { code: 'EIO' });
}

/** One open port of the simulator; delegates buffering to the mock port. */
export class SimPortBinding implements BindingPortInterface {
  private unplugged = false;
  private dtr = true;
  private pendingReject: ((err: Error) => void) | undefined;

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
    if (this.inner.isOpen && !this.unplugged) this.inner.emitData(Buffer.from(bytes));
  }

  /** The cable was pulled: the pending read and every later call fail with EIO (not `canceled`). */
  disconnect(): void {
    this.unplugged = true;
    const reject = this.pendingReject;
    this.pendingReject = undefined;
    reject?.(disconnected());
  }

  async close(): Promise<void> {
    await this.inner.close();
    this.host.detach(this);
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (this.unplugged) return Promise.reject(disconnected());
    return new Promise((resolve, reject) => {
      this.pendingReject = reject;
      this.inner.read(buffer, offset, length).then(
        (r) => {
          this.pendingReject = undefined;
          resolve(r);
        },
        (err: unknown) => {
          this.pendingReject = undefined;
          reject(err);
        },
      );
    });
  }

  async write(buffer: Buffer): Promise<void> {
    if (this.unplugged) throw disconnected();
    await this.inner.write(buffer);
    if (this.unplugged) throw disconnected();
    this.host.write(Uint8Array.from(buffer));
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
    return this.inner.flush();
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
