/**
 * Helpers for the simulator's own tests and benchmark: typed handles on the
 * CommonJS host stack (serialport stream, firmata-io, Johnny-Five) and a raw
 * port that collects what the board sends. Not part of the public API.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { VirtualClock } from '../../harness/clock/index.ts';
import type { BindingInterface } from './serial-types.ts';
import { FirmataParser, type FirmataMessage } from './firmata-parser.ts';
import { DEFAULT_FIRMWARE_PROFILE_ID, FIRMWARE_PROFILES } from '../../harness/mbot/firmware-profiles.ts';

/** The simulator's default UART rate (mBot Firmata over USB). */
export const SIM_BAUD = FIRMWARE_PROFILES[DEFAULT_FIRMWARE_PROFILE_ID].baudRate;

const require = createRequire(import.meta.url);

/** `SerialPortStream` of @serialport/stream: a Duplex with `isOpen` and `close()`. */
export interface PortStream extends Duplex {
  readonly isOpen: boolean;
  close(cb?: (err: Error | null) => void): void;
}

/** Constructor of `SerialPortStream`. */
export type PortStreamCtor = new (opts: { binding: BindingInterface; path: string; baudRate: number; autoOpen?: boolean }) => PortStream;

/** The Firmata host (firmata-io), narrowed to what the tests read. */
export interface FirmataHost extends EventEmitter {
  isReady: boolean;
  firmware: { name?: string; version?: { major: number; minor: number } };
  version: { major?: number; minor?: number };
  pins: Array<{ supportedModes: number[]; analogChannel: number }>;
  analogPins: number[];
  pending: number;
}

/** `SerialPortStream` constructor. */
export const SerialPortStream: PortStreamCtor = (require('@serialport/stream') as { SerialPortStream: PortStreamCtor }).SerialPortStream;
/** firmata-io's `Firmata` constructor. */
export const Firmata: new (port: Duplex, opts?: Record<string, unknown>) => FirmataHost = (
  require('firmata-io') as { Firmata: new (port: Duplex, opts?: Record<string, unknown>) => FirmataHost }
).Firmata;
/** Johnny-Five (untyped; tests use it the way user programs do). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const five: any = require('johnny-five');

/** Advances `clock` in `stepMs` slices until `pred()` holds or `maxMs` passed; returns whether it held. */
export async function advanceUntil(clock: VirtualClock, pred: () => boolean, maxMs: number, stepMs = 5): Promise<boolean> {
  for (let t = 0; t <= maxMs; t += stepMs) {
    if (pred()) return true;
    await clock.advance(stepMs);
  }
  return pred();
}

/** A raw host on a simulator port: writes bytes, collects parsed board messages. */
export interface RawHost {
  readonly port: PortStream;
  /** Every message received so far (REPORT_VERSION carries major/minor). */
  readonly messages: FirmataMessage[];
  /** Raw bytes received so far. */
  readonly bytes: number[];
  write(bytes: number[]): void;
  close(): Promise<void>;
}

/** Opens `path` through `binding` and parses what arrives (no firmata-io involved). */
export function openRawHost(binding: BindingInterface, path: string, baudRate = SIM_BAUD): RawHost {
  const port = new SerialPortStream({ binding, path, baudRate });
  const messages: FirmataMessage[] = [];
  const bytes: number[] = [];
  const parser = new FirmataParser({ direction: 'to-host', maxSysexBytes: 4096 }, (m) => messages.push(m));
  port.on('data', (chunk: Buffer) => {
    for (const b of chunk) {
      bytes.push(b);
      parser.push(b);
    }
  });
  port.on('error', () => undefined);
  return {
    port,
    messages,
    bytes,
    write: (b) => void port.write(Buffer.from(b)),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/** Starts a Johnny-Five board over a fresh SerialPortStream on the simulator. */
export function startBoard(binding: BindingInterface, path: string, baudRate = SIM_BAUD): { port: PortStream; io: FirmataHost; board: EventEmitter & { isReady: boolean } } {
  const port = new SerialPortStream({ binding, path, baudRate });
  const io = new Firmata(port);
  const board = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: 1e9 });
  return { port, io, board };
}
