/**
 * A serialport binding over TCP (`HIL_PORT=tcp://host:port`): the serial
 * port of a robot attached to another computer, served there as raw TCP by
 * ser2net (`connection: &mbot accepter: tcp,4001 connector: serialdev,/dev/ttyUSB0,57600n81,local`)
 * or by `mbot-hil serve-port`. The bytes of the socket are the bytes of the
 * serial line, both ways, nothing added.
 *
 * What raw TCP cannot carry: the baud rate and the modem lines (DTR) stay as
 * the far end set them; `update()` and `set()` succeed without effect. The
 * far end opens the device when a client connects (ser2net and serve-port
 * both do), which resets the board by DTR as a local open would. RFC 2217
 * (Telnet COM-PORT-OPTION, which carries baud and DTR) is not implemented;
 * docs/record-replay-and-remote.md says what that leaves out.
 *
 * Disconnects: the far end closing, a reset, or a keep-alive that got no
 * answer fails the pending read with a non-canceled error (code EIO), which
 * `SerialPortStream` turns into a close with `disconnected`: the target
 * reports HIL_PORT_DISCONNECTED. Writes after that fail too.
 *
 * Bench safety: `fd` is the socket's file descriptor, so the exit guard's
 * last synchronous stop (`fs.writeSync` on the way out of a dying process)
 * reaches the robot over TCP too.
 */
import { connect, type Socket } from 'node:net';
import { HilError } from '../errors.ts';
import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus, SetOptions, UpdateOptions } from '../../simulators/mbot/serial-types.ts';

/** `HIL_PORT` prefix of a remote port. */
export const TCP_PORT_PREFIX = 'tcp://';

/** Real ms a connect may take. */
export const TCP_CONNECT_TIMEOUT_MS = 5000;

/** Real ms of silence after which TCP keep-alive probes a link (a cut cable leaves no FIN). */
export const TCP_KEEPALIVE_MS = 1000;

/** Largest read served at once, as serialport's own bindings do. */
const MAX_READ_SIZE = 1024;

/** Host and port of a `tcp://` address. */
export interface TcpAddress {
  host: string;
  port: number;
}

/**
 * Parses `tcp://host:port` (an IPv6 host in brackets: `tcp://[::1]:4001`).
 * Throws HIL_CONFIG_INVALID naming what is wrong.
 */
export function parseTcpAddress(value: string): TcpAddress {
  const bad = (why: string): never => {
    throw new HilError('HIL_CONFIG_INVALID', `HIL_PORT=${value} is not a valid remote port (${why}); write tcp://<host>:<port>, e.g. tcp://bench-3.lab:4001 or tcp://127.0.0.1:4001`);
  };
  if (!value.startsWith(TCP_PORT_PREFIX)) bad('it does not start with tcp://');
  const rest = value.slice(TCP_PORT_PREFIX.length).replace(/\/$/, '');
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(rest);
  if (!m) return bad('expected host:port');
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) bad('the port is not in 1..65535');
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

function ioError(message: string): Error {
  return Object.assign(new Error(message), { code: 'EIO' });
}

function canceled(message: string): Error {
  return Object.assign(new Error(message), { canceled: true });
}

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  resolve: (r: { buffer: Buffer; bytesRead: number }) => void;
  reject: (err: Error) => void;
}

/** One open TCP connection, as a serial port. */
export class TcpPortBinding implements BindingPortInterface {
  isOpen = true;
  private rx: Buffer[] = [];
  private rxBytes = 0;
  private pending: PendingRead | undefined;
  private failure: Error | null = null;

  constructor(
    private readonly socket: Socket,
    readonly openOptions: Required<OpenOptions>,
    private readonly label: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.rx.push(chunk);
      this.rxBytes += chunk.length;
      this.serve();
    });
    const lost = (why: string): void => {
      if (!this.isOpen || this.failure) return;
      this.failure = ioError(`${label}: ${why}`);
      const p = this.pending;
      this.pending = undefined;
      p?.reject(this.failure);
    };
    socket.on('end', () => lost('the far end closed the TCP connection'));
    socket.on('error', (err: Error) => lost(`the TCP connection failed (${err.message})`));
    socket.on('close', () => lost('the TCP connection closed'));
  }

  /** The socket's file descriptor (for the exit guard's synchronous stop), or null. */
  get fd(): number | null {
    const handle = (this.socket as unknown as { _handle?: { fd?: number } })._handle;
    return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : null;
  }

  private serve(): void {
    const p = this.pending;
    if (p === undefined || this.rxBytes === 0) return;
    const n = Math.min(this.rxBytes, p.length, MAX_READ_SIZE);
    let copied = 0;
    while (copied < n) {
      const head = this.rx[0] as Buffer;
      const take = Math.min(head.length, n - copied);
      head.copy(p.buffer, p.offset + copied, 0, take);
      copied += take;
      if (take === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(take);
    }
    this.rxBytes -= n;
    this.pending = undefined;
    p.resolve({ buffer: p.buffer, bytesRead: n });
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) return Promise.reject(canceled('Port is not open'));
    if (this.failure && this.rxBytes === 0) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { buffer, offset, length, resolve, reject };
      // Served on a tick, as serialport's bindings do: never inside the caller's own call.
      process.nextTick(() => this.serve());
    });
  }

  write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(canceled('Port is not open'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.socket.write(buffer, (err) => (err ? reject(ioError(`${this.label}: writing failed (${err.message})`)) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(canceled('Read canceled'));
    this.rx = [];
    this.rxBytes = 0;
    // end() lets the stop bytes already handed over reach the far end before the FIN.
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      const timer = setTimeout(() => { this.socket.destroy(); resolve(); }, 1000);
      timer.unref?.();
      this.socket.once('close', () => { clearTimeout(timer); resolve(); });
      this.socket.end();
    });
  }

  async update(_options: UpdateOptions): Promise<void> {
    // Raw TCP carries no line settings: the far end's device runs at the rate it was configured for.
  }

  async set(_options: SetOptions): Promise<void> {
    // Raw TCP carries no modem lines (no DTR): the far end resets the board when it opens the device.
  }

  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    this.rx = [];
    this.rxBytes = 0;
  }

  async drain(): Promise<void> {
    if (this.socket.writableLength === 0 || this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => { this.socket.off('drain', done); this.socket.off('close', done); resolve(); };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}

/**
 * A binding whose ports are `tcp://host:port` addresses. `list()` is empty
 * (a network has no listing); `open()` connects within
 * {@link TCP_CONNECT_TIMEOUT_MS} and rejects with an error that names the
 * address and what to check.
 */
export function createTcpBinding(opts: { connectTimeoutMs?: number } = {}): BindingInterface<TcpPortBinding> {
  const timeoutMs = opts.connectTimeoutMs ?? TCP_CONNECT_TIMEOUT_MS;
  return {
    async list(): Promise<PortInfo[]> {
      return [];
    },
    open(options: OpenOptions): Promise<TcpPortBinding> {
      const address = parseTcpAddress(options.path);
      return new Promise((resolve, reject) => {
        const socket = connect({ host: address.host, port: address.port });
        const fail = (why: string): void => {
          socket.destroy();
          reject(new Error(`cannot connect to ${options.path}: ${why}; is ser2net or \`mbot-hil serve-port\` running on ${address.host} port ${address.port}, and reachable from here?`));
        };
        const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
        timer.unref?.();
        socket.once('error', (err: Error) => { clearTimeout(timer); fail(err.message); });
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.removeAllListeners('error');
          // Firmata messages are 3 bytes: Nagle would hold a stop back for an ACK.
          socket.setNoDelay(true);
          socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
          resolve(new TcpPortBinding(socket, {
            dataBits: 8, lock: true, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, xany: false, hupcl: true,
            ...options,
          } as Required<OpenOptions>, options.path));
        });
      });
    },
  };
}
