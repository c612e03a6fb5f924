/**
 * The robot's side of a remote bench: serves one serial device as raw TCP,
 * as ser2net does, for `HIL_PORT=tcp://host:port` on another computer
 * (`mbot-hil serve-port`). One client at a time; a second is refused (its
 * connection closed at once) while the first holds the robot.
 *
 * Per client: the device is opened when the client connects (a board
 * resets by DTR, exactly as when the host opens it locally) and closed when
 * the client goes, and bytes pass both ways unchanged, with backpressure
 * (a slow reader pauses the other side instead of queueing in memory).
 *
 * Bench safety, beyond what ser2net does: when the client goes, for
 * whatever reason (it closed, it crashed, the network dropped), the bridge
 * writes the mBot's safe stop (motors PWM 0, direction and buzzer pins low)
 * to the device and drains it before closing; `close()` does the same for
 * a client still connected. A host that vanished mid-drive cannot leave the
 * robot driving.
 *
 * Security: it listens on 127.0.0.1 unless told otherwise. Raw TCP has no
 * authentication: whoever reaches the port drives the robot. Reach it from
 * another computer through an SSH tunnel (`ssh -L 4001:127.0.0.1:4001
 * robot-pc`) rather than by listening on a public address.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SerialPortStream } from '@serialport/stream';
import { SerialPort } from 'serialport';
import { HilError } from '../errors.ts';
import type { BindingInterface } from '../../simulators/mbot/serial-types.ts';
import { MBOT_SAFE_STOP_PINS, safeStopBytes } from '../mbot/firmata-bytes.ts';

/** Options of {@link servePort}. */
export interface ServePortOptions {
  /** The serial device, e.g. `/dev/ttyUSB0`. */
  device: string;
  /** Rate the device is opened at. */
  baudRate: number;
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Write the safe stop to the device when a client goes. Default true. */
  stopOnDisconnect?: boolean;
  /** Binding the device is opened with. Default: the OS's serial ports. */
  binding?: BindingInterface;
  /** One line per event (client connected, refused, gone, device errors). */
  log?: (line: string) => void;
}

/** A running bridge. Obligation: `close()`. */
export interface PortServer {
  /** Where it listens. */
  readonly host: string;
  readonly port: number;
  /** `tcp://host:port`, what HIL_PORT is set to on the other computer. */
  readonly url: string;
  /** True while a client holds the device. */
  readonly busy: boolean;
  /** Clients served so far. */
  readonly served: number;
  /**
   * Cuts the current client's connection without a goodbye (a TCP reset:
   * the network dropped) and stops the robot as for any client that goes.
   * For tests of the remote path; resolves once the stop was written.
   */
  cutClient(): Promise<void>;
  /** Stops the robot if a client holds it, closes the device and the listener. */
  close(): Promise<void>;
}

interface Session {
  socket: Socket;
  device: SerialPortStream;
  ended: Promise<void>;
}

/**
 * True when `first` (the first bytes a client sent) starts a web request
 * rather than serial traffic: an HTTP request line (its method begins with
 * an ASCII letter) or a TLS handshake record (0x16). A Firmata
 * host starts with a command byte (0x80 and above), an STK500 programmer
 * with `0` (0x30), mBlock's protocol with 0xFF 0x55. A browser cannot open
 * a raw TCP socket, but any web page can POST any bytes to a loopback port:
 * the request line and headers are ASCII, which Firmata skips as stray data
 * bytes, and the body would reach the board as Firmata.
 */
export function looksLikeWebRequest(first: Buffer): boolean {
  const b = first[0];
  // Lower case too: a browser sends a method it does not know as written (after a preflight, but still).
  return b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x16);
}

function openDevice(device: SerialPortStream): Promise<void> {
  return new Promise((resolve, reject) => device.open((err) => (err ? reject(err) : resolve())));
}

/**
 * Starts the bridge. Rejects with HIL_PORT_OPEN_FAILED when it cannot
 * listen (the port is taken). A device that cannot be opened is reported
 * per client (logged; the client's connection is closed).
 */
export async function servePort(opts: ServePortOptions): Promise<PortServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const binding = opts.binding ?? (SerialPort.binding as BindingInterface);
  const stopOnDisconnect = opts.stopOnDisconnect ?? true;
  let session: Session | null = null;
  let served = 0;
  let closing = false;

  const serve = async (socket: Socket): Promise<void> => {
    const who = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (session !== null || closing) {
      log(`refused ${who}: ${closing ? 'shutting down' : 'another client holds the robot'}`);
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const device = new SerialPortStream({ binding, path: opts.device, baudRate: opts.baudRate, autoOpen: false });
    let resolveEnded: () => void = () => {};
    const current: Session = { socket, device, ended: new Promise<void>((r) => { resolveEnded = r; }) };
    session = current;
    served++;
    // Bytes the client sends while the device opens wait in the socket (paused), not here.
    socket.pause();
    try {
      await openDevice(device);
    } catch (err) {
      log(`client ${who}: cannot open ${opts.device} (${(err as Error).message}); closing the connection`);
      socket.destroy();
      session = null;
      resolveEnded();
      return;
    }
    log(`client ${who} connected; serving ${opts.device} at ${opts.baudRate} baud`);
    let over = false;
    const finish = async (why: string): Promise<void> => {
      if (over) return;
      over = true;
      socket.unpipe?.();
      // A refusal's answer (written with end()) still goes out; anything else is cut at once.
      if (!socket.writableEnded) socket.destroy();
      else setTimeout(() => socket.destroy(), 1000).unref();
      if (device.isOpen) {
        // What the client sent last (its own stop, as it closed) may still wait in the stream: let it out before closing.
        await new Promise<void>((resolve) => device.drain(() => resolve()));
        if (stopOnDisconnect) {
          await new Promise<void>((resolve) => {
            device.write(safeStopBytes(MBOT_SAFE_STOP_PINS), () => device.drain(() => resolve()));
          });
        }
        await new Promise<void>((resolve) => device.close(() => resolve()));
      }
      log(`client ${who} gone (${why})${stopOnDisconnect ? '; robot stopped' : ''}`);
      if (session === current) session = null;
      resolveEnded();
    };
    let firstChunk = true;
    socket.on('data', (chunk: Buffer) => {
      if (over) return;
      if (firstChunk) {
        firstChunk = false;
        if (looksLikeWebRequest(chunk)) {
          // A web page's POST to this port: nothing of it may reach the board (see looksLikeWebRequest).
          log(`refused ${who}: its first bytes are an HTTP or TLS request (a web page?), not serial traffic; nothing was passed to the robot`);
          const body = 'HIL_PORT_FOREIGN_PROTOCOL: mbot-hil serve-port speaks raw serial bytes (HIL_PORT=tcp://host:port), not HTTP\n';
          socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
          socket.pause();
          void finish('it sent a web request');
          return;
        }
      }
      if (!device.write(chunk)) {
        socket.pause();
        device.once('drain', () => socket.resume());
      }
    });
    device.on('data', (chunk: Buffer) => {
      if (!socket.write(chunk)) {
        device.pause();
        socket.once('drain', () => device.resume());
      }
    });
    socket.on('end', () => void finish('it closed the connection'));
    socket.on('error', (err: Error) => void finish(`connection error: ${err.message}`));
    socket.on('close', () => void finish('connection closed'));
    device.on('error', (err: Error) => {
      log(`device ${opts.device}: ${err.message}`);
      void finish(`the device failed: ${err.message}`);
    });
    device.on('close', () => void finish('the device closed (unplugged?)'));
    // The client may have gone while the device opened: its events are past, so look.
    if (socket.destroyed || socket.readableEnded) {
      await finish('it left before the device was open');
      return;
    }
    socket.resume();
  };

  const server: Server = createServer((socket) => {
    void serve(socket).catch((err: unknown) => {
      log(`client: unexpected failure ${(err as Error).message}`);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: Error) => reject(new HilError('HIL_PORT_OPEN_FAILED', `serve-port: cannot listen on ${host}:${opts.port ?? 0} (${err.message}); choose another --port`, { cause: err })));
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    host: address.address,
    port: address.port,
    url: `tcp://${hostText}:${address.port}`,
    get busy() { return session !== null; },
    get served() { return served; },
    async cutClient() {
      const s = session;
      if (s === null) return;
      s.socket.resetAndDestroy();
      await s.ended;
    },
    async close() {
      closing = true;
      const s = session;
      if (s !== null) {
        s.socket.destroy();
        await s.ended;
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
