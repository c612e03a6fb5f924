/**
 * A board's reply bytes as Firmata messages for comparison: each message is
 * decoded (7-bit pairs joined, strings spelled out) into one canonical line
 * (`analog A0=512`, `pin-state 13 mode=1 state=1`, ...) with the time its last
 * byte reached the host. Two boards agree on a message when the lines are
 * equal; reports also have to agree on time (see `compare.ts`).
 */
import { MODE, SYSEX } from '../../../harness/mbot/firmata-constants.ts';
import { FirmataParser, type FirmataMessage } from '../../mbot/firmata-parser.ts';

/** One decoded reply. */
export interface ReplyMessage {
  /** When its last byte arrived, ms since the board's reset. */
  atMs: number;
  /** `report` for periodic/changed-input reports (compared on time too), `reply` for everything else. */
  kind: 'report' | 'reply';
  /** Canonical one-line form; equality of lines is agreement. */
  line: string;
  /** The decoded message, for difference rules that rewrite it. */
  message: FirmataMessage;
}

/** A byte that reached the host, with its time. */
export interface TimedByte {
  byte: number;
  atMs: number;
}

const MODE_NAMES = new Map<number, string>(Object.entries(MODE).map(([k, v]) => [v, k]));

function modeName(mode: number): string {
  return MODE_NAMES.get(mode) ?? `0x${mode.toString(16)}`;
}

/** Joins 7-bit pairs (LSB first) into bytes. */
export function joinPairs(data: readonly number[], from = 0): number[] {
  const out: number[] = [];
  for (let i = from; i + 1 < data.length; i += 2) out.push(((data[i] ?? 0) | ((data[i + 1] ?? 0) << 7)) & 0xff);
  return out;
}

function text(bytes: readonly number[]): string {
  return JSON.stringify(String.fromCharCode(...bytes));
}

/** The capability table as `pin: MODE/res MODE/res ...` entries, one per pin. */
export function capabilityPins(data: readonly number[]): { mode: number; resolution: number }[][] {
  const pins: { mode: number; resolution: number }[][] = [];
  let current: { mode: number; resolution: number }[] = [];
  for (let i = 0; i < data.length; i++) {
    const b = data[i] ?? 0;
    if (b === 127) {
      pins.push(current);
      current = [];
      continue;
    }
    current.push({ mode: b, resolution: data[i + 1] ?? 0 });
    i++;
  }
  return pins;
}

/** Canonical line of one message. */
export function formatMessage(m: FirmataMessage): string {
  switch (m.kind) {
    case 'report-version':
      return `report-version ${m.major ?? '?'}.${m.minor ?? '?'}`;
    case 'analog':
      return `analog A${m.channel}=${m.value}`;
    case 'digital-port':
      return `digital port${m.port}=0b${m.value.toString(2).padStart(8, '0')}`;
    case 'dropped':
      return `malformed ${m.reason} [${m.bytes.map((b) => b.toString(16)).join(' ')}]`;
    case 'sysex':
      return formatSysex(m.command, m.data);
    default:
      return `unexpected ${JSON.stringify(m)}`;
  }
}

function formatSysex(command: number, d: readonly number[]): string {
  switch (command) {
    case SYSEX.REPORT_FIRMWARE:
      return `firmware ${d[0]}.${d[1]} ${text(joinPairs(d, 2))}`;
    case SYSEX.STRING_DATA:
      return `string ${text(joinPairs(d))}`;
    case SYSEX.CAPABILITY_RESPONSE:
      return `capability ${capabilityPins(d).map((p, pin) => `${pin}:${p.map((e) => `${modeName(e.mode)}/${e.resolution}`).join(',') || '-'}`).join(' ')}`;
    case SYSEX.ANALOG_MAPPING_RESPONSE:
      return `analog-mapping ${d.map((c) => (c === 127 ? '-' : `A${c}`)).join(' ')}`;
    case SYSEX.PIN_STATE_RESPONSE:
      if (d.length <= 1) return `pin-state ${d[0]} (no such pin)`;
      return `pin-state ${d[0]} mode=${modeName(d[1] ?? 0)} state=${(d[2] ?? 0) | ((d[3] ?? 0) << 7) | ((d[4] ?? 0) << 14)}`;
    case SYSEX.PING_READ: {
      const b = joinPairs(d);
      return `ping-read pin=${b[0]} durationUs=${(((b[1] ?? 0) << 24) >>> 0) + ((b[2] ?? 0) << 16) + ((b[3] ?? 0) << 8) + (b[4] ?? 0)}`;
    }
    default:
      return `sysex 0x${command.toString(16)} [${d.map((b) => b.toString(16)).join(' ')}]`;
  }
}

/** Decodes timed reply bytes into messages (a message's time is its last byte's). */
export function decodeReplies(bytes: readonly TimedByte[]): ReplyMessage[] {
  const out: ReplyMessage[] = [];
  let atMs = 0;
  const parser = new FirmataParser({ direction: 'to-host', maxSysexBytes: 1024 }, (message) => {
    const report = message.kind === 'analog' || message.kind === 'digital-port';
    out.push({ atMs, kind: report ? 'report' : 'reply', line: formatMessage(message), message });
  });
  for (const b of bytes) {
    atMs = b.atMs;
    parser.push(b.byte);
  }
  return out;
}
