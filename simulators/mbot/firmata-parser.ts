/**
 * A byte-at-a-time Firmata 2.x stream parser for either direction of the
 * serial link. It never throws: malformed input is reported as a `dropped`
 * message and parsing resumes at the next command byte (>= 0x80), which is how
 * StandardFirmata's FirmataParser recovers from line noise.
 *
 * One deliberate difference from the firmware: a command byte other than
 * END_SYSEX inside a sysex aborts that sysex and starts the new command (the
 * AVR parser would store it as data). A corrupted END_SYSEX would otherwise
 * swallow every command until the next 0xF7, which makes fault-injection runs
 * needlessly chaotic; firmata-io's host-side parser resynchronises the same way.
 */
import { CMD, DEFAULT_MAX_SYSEX_BYTES } from '../../harness/mbot/firmata-constants.ts';

/** Which way the parsed bytes travel; decides the shape of REPORT_VERSION. */
export type FirmataDirection = 'to-device' | 'to-host';

/** Why a run of bytes did not form a message. */
export type DropReason = 'stray-data' | 'incomplete' | 'sysex-aborted' | 'sysex-overflow' | 'sysex-empty';

/** One parsed Firmata message. Values are already joined from 7-bit pairs where the protocol says so. */
export type FirmataMessage =
  | { kind: 'digital-port'; port: number; value: number }
  | { kind: 'analog'; channel: number; value: number }
  | { kind: 'report-analog'; channel: number; enable: number }
  | { kind: 'report-digital'; port: number; enable: number }
  | { kind: 'pin-mode'; pin: number; mode: number }
  | { kind: 'pin-value'; pin: number; value: number }
  | { kind: 'report-version'; major?: number; minor?: number }
  | { kind: 'system-reset' }
  | { kind: 'sysex'; command: number; data: number[] }
  | { kind: 'dropped'; reason: DropReason; bytes: number[] };

/** Options of `FirmataParser`. */
export interface FirmataParserOptions {
  /** Direction of the bytes (REPORT_VERSION carries two data bytes only towards the host). */
  direction: FirmataDirection;
  /** Longest sysex body (bytes between START_SYSEX and END_SYSEX, command byte included) accepted; longer ones are dropped whole. Default 64 (Firmata MAX_DATA_BYTES). */
  maxSysexBytes?: number;
  /** Longest run of stray data bytes reported as one `dropped` message; a longer run gives several. Default {@link MAX_STRAY_RUN}. */
  maxStrayRun?: number;
}

/** Number of data bytes each channel/system command expects, by direction. */
function dataBytesFor(command: number, direction: FirmataDirection): number {
  switch (command) {
    case CMD.DIGITAL_MESSAGE:
    case CMD.ANALOG_MESSAGE:
    case CMD.SET_PIN_MODE:
    case CMD.SET_DIGITAL_PIN_VALUE:
      return 2;
    case CMD.REPORT_ANALOG:
    case CMD.REPORT_DIGITAL:
      return 1;
    case CMD.REPORT_VERSION:
      return direction === 'to-host' ? 2 : 0;
    default:
      return -1;
  }
}

/** Default longest run of stray data bytes per `dropped` message: a flood without command bytes must not grow memory. */
export const MAX_STRAY_RUN = 64;

/**
 * Incremental parser. Feed bytes with `push`; each complete (or dropped) message
 * is passed to the `onMessage` callback synchronously, in order.
 */
export class FirmataParser {
  private readonly direction: FirmataDirection;
  private readonly maxSysex: number;
  private readonly maxStrayRun: number;
  private readonly onMessage: (msg: FirmataMessage) => void;
  // Pending channel/system command: its first byte and the data collected so far.
  private command = -1;
  private need = 0;
  private data: number[] = [];
  private inSysex = false;
  private sysex: number[] = [];
  private sysexOverflow = false;
  private stray: number[] = [];

  constructor(options: FirmataParserOptions, onMessage: (msg: FirmataMessage) => void) {
    this.direction = options.direction;
    this.maxSysex = options.maxSysexBytes ?? DEFAULT_MAX_SYSEX_BYTES;
    this.maxStrayRun = options.maxStrayRun ?? MAX_STRAY_RUN;
    this.onMessage = onMessage;
  }

  /** Forgets any partial message (a reset of the device or a reopened port). */
  reset(): void {
    this.command = -1;
    this.need = 0;
    this.data = [];
    this.inSysex = false;
    this.sysex = [];
    this.sysexOverflow = false;
    this.stray = [];
  }

  /** Parses every byte of `bytes`. */
  pushAll(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.push(bytes[i] ?? 0);
  }

  /** Parses one byte (0..255). */
  push(byte: number): void {
    const b = byte & 0xff;
    if (this.inSysex) {
      if (b === CMD.END_SYSEX) {
        this.finishSysex();
        return;
      }
      if (b < 0x80) {
        // Firmata's buffer holds MAX_DATA_BYTES including the sysex command byte.
        if (this.sysex.length < this.maxSysex) this.sysex.push(b);
        else this.sysexOverflow = true;
        return;
      }
      this.drop('sysex-aborted', [CMD.START_SYSEX, ...this.sysex]);
      this.inSysex = false;
      this.sysex = [];
      this.sysexOverflow = false;
      this.startCommand(b);
      return;
    }
    if (b >= 0x80) {
      this.flushStray();
      if (this.command !== -1) this.drop('incomplete', [this.command, ...this.data]);
      this.command = -1;
      this.startCommand(b);
      return;
    }
    if (this.command === -1) {
      this.stray.push(b);
      if (this.stray.length >= this.maxStrayRun) this.flushStray();
      return;
    }
    this.data.push(b);
    if (this.data.length === this.need) this.finishCommand();
  }

  private startCommand(b: number): void {
    this.flushStray();
    if (b === CMD.START_SYSEX) {
      this.inSysex = true;
      this.sysex = [];
      this.sysexOverflow = false;
      return;
    }
    if (b === CMD.SYSTEM_RESET) {
      this.onMessage({ kind: 'system-reset' });
      return;
    }
    const base = b < 0xf0 ? b & 0xf0 : b;
    const need = dataBytesFor(base, this.direction);
    if (need < 0) {
      // Unknown command byte (e.g. a corrupted one): firmware ignores it and
      // treats following data bytes as strays until the next command byte.
      this.drop('stray-data', [b]);
      return;
    }
    this.command = b;
    this.need = need;
    this.data = [];
    if (need === 0) this.finishCommand();
  }

  private finishCommand(): void {
    const b = this.command;
    const d = this.data;
    this.command = -1;
    this.data = [];
    const base = b < 0xf0 ? b & 0xf0 : b;
    const channel = b & 0x0f;
    const d0 = d[0] ?? 0;
    const d1 = d[1] ?? 0;
    switch (base) {
      case CMD.DIGITAL_MESSAGE:
        this.onMessage({ kind: 'digital-port', port: channel, value: d0 | (d1 << 7) });
        return;
      case CMD.ANALOG_MESSAGE:
        this.onMessage({ kind: 'analog', channel, value: d0 | (d1 << 7) });
        return;
      case CMD.REPORT_ANALOG:
        this.onMessage({ kind: 'report-analog', channel, enable: d0 });
        return;
      case CMD.REPORT_DIGITAL:
        this.onMessage({ kind: 'report-digital', port: channel, enable: d0 });
        return;
      case CMD.SET_PIN_MODE:
        this.onMessage({ kind: 'pin-mode', pin: d0, mode: d1 });
        return;
      case CMD.SET_DIGITAL_PIN_VALUE:
        this.onMessage({ kind: 'pin-value', pin: d0, value: d1 });
        return;
      case CMD.REPORT_VERSION:
        this.onMessage(
          this.direction === 'to-host' ? { kind: 'report-version', major: d0, minor: d1 } : { kind: 'report-version' },
        );
        return;
    }
  }

  private finishSysex(): void {
    const body = this.sysex;
    const overflow = this.sysexOverflow;
    this.inSysex = false;
    this.sysex = [];
    this.sysexOverflow = false;
    if (overflow) {
      this.drop('sysex-overflow', [CMD.START_SYSEX, ...body.slice(0, 8)]);
      return;
    }
    const [command, ...data] = body;
    if (command === undefined) {
      this.drop('sysex-empty', [CMD.START_SYSEX, CMD.END_SYSEX]);
      return;
    }
    this.onMessage({ kind: 'sysex', command, data });
  }

  private flushStray(): void {
    if (this.stray.length > 0) {
      this.drop('stray-data', this.stray);
      this.stray = [];
    }
  }

  private drop(reason: DropReason, bytes: number[]): void {
    this.onMessage({ kind: 'dropped', reason, bytes });
  }
}
