/**
 * Firmata message framing and naming for recordings: the `tx`/`rx` events
 * hold bytes as they crossed the port, in whatever chunks the OS delivered;
 * this turns one direction's chunks into whole Firmata messages, each with
 * the time of the chunk that completed it, and names a message for people
 * (`ANALOG_MESSAGE pin 6 = 200`). Replay matches host writes by these
 * messages; drift and error messages print them.
 */

/** Which way bytes went: `tx` host to device, `rx` device to host. */
export type Direction = 'tx' | 'rx';

/** One whole message (or a run of bytes that is none: `malformed`). */
export interface TimedMessage {
  /** µs of the chunk that completed it. */
  tUs: number;
  bytes: Uint8Array;
  /** True for bytes that do not form a Firmata message (line noise, a cut sysex). */
  malformed: boolean;
}

const START_SYSEX = 0xf0;
const END_SYSEX = 0xf7;

/** Data bytes after command byte `cmd` in direction `dir`; -1 for a sysex, -2 for an unknown command. */
function dataBytes(cmd: number, dir: Direction): number {
  const high = cmd & 0xf0;
  if (high === 0x90 || high === 0xe0) return 2; // DIGITAL_MESSAGE, ANALOG_MESSAGE
  if (high === 0xc0 || high === 0xd0) return 1; // REPORT_ANALOG, REPORT_DIGITAL
  if (cmd === 0xf4 || cmd === 0xf5) return 2; // SET_PIN_MODE, SET_DIGITAL_PIN_VALUE
  if (cmd === 0xf9) return dir === 'rx' ? 2 : 0; // REPORT_VERSION: a query towards the board, an answer from it
  if (cmd === 0xff) return 0; // SYSTEM_RESET
  if (cmd === START_SYSEX) return -1;
  return -2;
}

/** Largest sysex kept whole; a longer run is cut into a malformed message (a capability response is ~200 bytes). */
const MAX_SYSEX_BYTES = 64 * 1024;

/**
 * Splits one direction's byte chunks into whole messages, across chunk
 * boundaries. Feed chunks in order with {@link push}; {@link end} returns
 * a message still in progress (as malformed).
 */
export class MessageSplitter {
  private buf: number[] = [];
  private need = 0;
  private inSysex = false;
  private stray = false;

  constructor(private readonly dir: Direction) {}

  /** Feeds `bytes` received/sent at `tUs`; returns the messages they completed. */
  push(bytes: Uint8Array, tUs: number): TimedMessage[] {
    const out: TimedMessage[] = [];
    const emit = (malformed: boolean): void => {
      if (this.buf.length > 0) out.push({ tUs, bytes: Uint8Array.from(this.buf), malformed });
      this.buf = [];
      this.need = 0;
      this.inSysex = false;
      this.stray = false;
    };
    for (const b of bytes) {
      if (b >= 0x80) {
        if (this.inSysex && b === END_SYSEX) {
          this.buf.push(b);
          emit(false);
          continue;
        }
        // A command byte cuts whatever was in progress short.
        if (this.buf.length > 0) emit(true);
        const n = dataBytes(b, this.dir);
        this.buf.push(b);
        if (n === -1) this.inSysex = true;
        else if (n === -2) emit(true);
        else if (n === 0) emit(false);
        else this.need = n;
        continue;
      }
      if (this.inSysex) {
        this.buf.push(b);
        if (this.buf.length > MAX_SYSEX_BYTES) emit(true);
        continue;
      }
      if (this.need > 0) {
        this.buf.push(b);
        if (--this.need === 0) emit(false);
        continue;
      }
      // A data byte with no command before it: line noise, kept as one malformed run.
      this.stray = true;
      this.buf.push(b);
    }
    if (this.stray && this.buf.length >= 64) emit(true);
    return out;
  }

  /** The message in progress, if any, as malformed (the stream ended inside it). */
  end(tUs: number): TimedMessage[] {
    if (this.buf.length === 0) return [];
    const m = { tUs, bytes: Uint8Array.from(this.buf), malformed: true };
    this.buf = [];
    this.need = 0;
    this.inSysex = false;
    this.stray = false;
    return [m];
  }
}

/** Every message of direction `dir` in `events` (tx or rx chunks), in order. */
export function messagesOf(events: ReadonlyArray<{ tUs: number; kind: string; bytes?: Uint8Array }>, dir: Direction): TimedMessage[] {
  const splitter = new MessageSplitter(dir);
  const out: TimedMessage[] = [];
  let lastUs = 0;
  for (const e of events) {
    if (e.kind === 'open') {
      // A new connection: anything half-sent before belongs to the old one.
      out.push(...splitter.end(lastUs));
    }
    if (e.kind !== dir || e.bytes === undefined) continue;
    lastUs = e.tUs;
    out.push(...splitter.push(e.bytes, e.tUs));
  }
  out.push(...splitter.end(lastUs));
  return out;
}

const SYSEX_NAMES: Record<number, string> = {
  0x51: 'PIXEL', 0x61: 'ENCODER', 0x69: 'ANALOG_MAPPING_QUERY', 0x6a: 'ANALOG_MAPPING_RESPONSE', 0x6b: 'CAPABILITY_QUERY',
  0x6c: 'CAPABILITY_RESPONSE', 0x6d: 'PIN_STATE_QUERY', 0x6e: 'PIN_STATE_RESPONSE', 0x6f: 'EXTENDED_ANALOG', 0x70: 'SERVO_CONFIG',
  0x71: 'STRING_DATA', 0x75: 'PING_READ', 0x76: 'I2C_REQUEST', 0x77: 'I2C_REPLY', 0x78: 'I2C_CONFIG', 0x79: 'REPORT_FIRMWARE',
  0x7a: 'SAMPLING_INTERVAL',
};

const MODE_NAMES = ['INPUT', 'OUTPUT', 'ANALOG', 'PWM', 'SERVO', 'SHIFT', 'I2C', 'ONEWIRE', 'STEPPER', 'ENCODER', 'SERIAL', 'PULLUP'];

function hex(bytes: ArrayLike<number>, max = 24): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(bytes.length, max); i++) parts.push((bytes[i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(' ') + (bytes.length > max ? ` ... (${bytes.length} bytes)` : '');
}

const u14 = (lsb = 0, msb = 0): number => lsb | (msb << 7);

/**
 * Names a message for people, e.g. `ANALOG_MESSAGE pin 6 = 200 [e6 48 01]`,
 * `DIGITAL_MESSAGE port 0 = 0x90 (pins 4 7 high)`, `PING_READ pin 10`.
 * The raw bytes follow in brackets.
 */
export function describeMessage(bytes: ArrayLike<number>, dir: Direction): string {
  const b = Array.from(bytes);
  const raw = `[${hex(b)}]`;
  const cmd = b[0] ?? 0;
  const high = cmd & 0xf0;
  if (cmd < 0x80) return `stray data ${raw}`;
  if (high === 0x90 && b.length === 3) {
    const port = cmd & 0x0f;
    const v = u14(b[1], b[2]) & 0xff;
    const on = [...Array(8).keys()].filter((i) => (v >> i) & 1).map((i) => port * 8 + i);
    return `DIGITAL_MESSAGE port ${port} = 0x${v.toString(16).padStart(2, '0')} (${on.length > 0 ? `pins ${on.join(' ')} high` : 'all low'}) ${raw}`;
  }
  if (high === 0xe0 && b.length === 3) return `ANALOG_MESSAGE ${dir === 'tx' ? 'pin' : 'A'}${dir === 'tx' ? ' ' : ''}${cmd & 0x0f} = ${u14(b[1], b[2])} ${raw}`;
  if (high === 0xc0 && b.length === 2) return `REPORT_ANALOG A${cmd & 0x0f} ${b[1] ? 'on' : 'off'} ${raw}`;
  if (high === 0xd0 && b.length === 2) return `REPORT_DIGITAL port ${cmd & 0x0f} ${b[1] ? 'on' : 'off'} ${raw}`;
  if (cmd === 0xf4 && b.length === 3) return `SET_PIN_MODE pin ${b[1]} ${MODE_NAMES[b[2] ?? 0] ?? `mode 0x${(b[2] ?? 0).toString(16)}`} ${raw}`;
  if (cmd === 0xf5 && b.length === 3) return `SET_DIGITAL_PIN_VALUE pin ${b[1]} = ${b[2]} ${raw}`;
  if (cmd === 0xf9) return dir === 'tx' ? `REPORT_VERSION query ${raw}` : `REPORT_VERSION ${b[1] ?? '?'}.${b[2] ?? '?'} ${raw}`;
  if (cmd === 0xff) return `SYSTEM_RESET ${raw}`;
  if (cmd === START_SYSEX) {
    const sub = b[1] ?? 0;
    const name = SYSEX_NAMES[sub] ?? `sysex 0x${sub.toString(16)}`;
    const complete = b[b.length - 1] === END_SYSEX;
    if (sub === 0x6f && b.length >= 5) return `EXTENDED_ANALOG pin ${b[2]} = ${b.slice(3, -1).reduce((v, x, i) => v | (x << (7 * i)), 0)} ${raw}`;
    if (sub === 0x75 || sub === 0x6d || sub === 0x70) return `${name} pin ${b[2] ?? '?'} ${raw}`;
    if (sub === 0x7a && b.length >= 5) return `SAMPLING_INTERVAL ${u14(b[2], b[3])} ms ${raw}`;
    if (sub === 0x79 && dir === 'rx' && b.length > 5) {
      const chars: number[] = [];
      for (let i = 4; i + 1 < b.length - 1; i += 2) chars.push(u14(b[i], b[i + 1]));
      return `REPORT_FIRMWARE ${b[2]}.${b[3]} "${String.fromCharCode(...chars)}" ${raw}`;
    }
    return `${name}${complete ? '' : ' (cut short)'} ${raw}`;
  }
  return `unknown command 0x${cmd.toString(16)} ${raw}`;
}
