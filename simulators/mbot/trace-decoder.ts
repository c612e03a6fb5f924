/**
 * Turns the raw bytes of a link trace into Firmata events that read well in
 * assertions, e.g. `{ atMs, dir: 'to-device', kind: 'analog-write', pin: 6, value: 0 }`.
 * Decoding uses the bytes as SENT (what the sender meant), so a safety test
 * can show what the host commanded even on a noisy link.
 */
import { MODE, PIXEL, SYSEX } from '../../harness/mbot/firmata-constants.ts';
import { FirmataParser, type FirmataMessage } from './firmata-parser.ts';
import type { LinkDirection } from '../link/link-options.ts';

/** One decoded message; `atMs` is when its last byte finished on the wire (clock monotonic ms). */
export type TraceEvent = { atMs: number; dir: LinkDirection } & (
  | { kind: 'pin-mode'; pin: number; mode: number; modeName: string }
  | { kind: 'digital-write'; pin: number; value: number }
  | { kind: 'analog-write'; pin: number; value: number }
  | { kind: 'report-analog'; channel: number; enable: boolean }
  | { kind: 'report-digital'; port: number; enable: boolean }
  | { kind: 'query-version' }
  | { kind: 'query-firmware' }
  | { kind: 'capability-query' }
  | { kind: 'analog-mapping-query' }
  | { kind: 'pin-state-query'; pin: number }
  | { kind: 'sampling-interval'; intervalMs: number }
  | { kind: 'servo-config'; pin: number; minUs: number; maxUs: number }
  | { kind: 'ping-read'; pin: number; pulseOutUs: number; timeoutUs: number }
  | { kind: 'pixel'; op: 'off' | 'config' | 'show' | 'set-pixel' | 'set-strip' | 'shift' | 'unknown'; data: number[] }
  | { kind: 'system-reset' }
  | { kind: 'report-version'; major: number; minor: number }
  | { kind: 'firmware'; name: string; major: number; minor: number }
  | { kind: 'analog-read'; channel: number; value: number }
  | { kind: 'digital-read'; port: number; value: number }
  | { kind: 'capability-response'; pinCount: number }
  | { kind: 'analog-mapping-response'; channels: number[] }
  | { kind: 'pin-state'; pin: number; mode: number; state: number }
  | { kind: 'ping-response'; pin: number; durationUs: number }
  | { kind: 'string'; text: string }
  | { kind: 'sysex'; command: number; data: number[] }
  | { kind: 'malformed'; reason: string; bytes: number[] }
);

const MODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MODE).map(([name, value]) => [value, name.toLowerCase().replace('_', '-')]),
);

/** Joins 7-bit pairs (LSB first) into bytes. */
function joinPairs(data: readonly number[], from: number): number[] {
  const out: number[] = [];
  for (let i = from; i + 1 < data.length; i += 2) out.push(((data[i] ?? 0) | ((data[i + 1] ?? 0) << 7)) & 0xff);
  return out;
}

function be32(bytes: readonly number[]): number {
  return (((bytes[0] ?? 0) << 24) >>> 0) + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0);
}

const NO_EVENTS: TraceEvent[] = Object.freeze([]) as unknown as TraceEvent[];

/**
 * Stateful decoder of one direction (keeps the last port values to report
 * per-pin digital changes). With a `sink`, `feed` hands each completed event
 * to it and allocates nothing per byte beyond what the Firmata parser keeps.
 */
export class DirectionDecoder {
  private readonly parser: FirmataParser;
  private readonly ports = new Map<number, number>();
  private atMs = 0;
  private out: TraceEvent[] | undefined;

  constructor(
    private readonly dir: LinkDirection,
    private readonly sink?: (event: TraceEvent) => void,
  ) {
    // The decoder sees capability responses (hundreds of bytes), so no sysex limit here; it reads stored
    // bytes (bounded by the trace), so a run of stray bytes stays one event.
    this.parser = new FirmataParser({ direction: dir, maxSysexBytes: 1 << 20, maxStrayRun: Infinity }, (m) => this.onMessage(m));
  }

  /** Feeds one byte that finished at `atMs`; completed events go to the sink (or are returned by `push`). */
  feed(byte: number, atMs: number): void {
    this.atMs = atMs;
    this.parser.push(byte);
  }

  /** Feeds one byte that finished at `atMs`; returns the events it completed (do not modify the array). Without a sink only. */
  push(byte: number, atMs: number): TraceEvent[] {
    this.out = undefined;
    this.feed(byte, atMs);
    const out = this.out ?? NO_EVENTS;
    this.out = undefined;
    return out;
  }

  private emit(e: Record<string, unknown>): void {
    const event = { atMs: this.atMs, dir: this.dir, ...e } as TraceEvent;
    if (this.sink !== undefined) this.sink(event);
    else (this.out ??= []).push(event);
  }

  private onMessage(m: FirmataMessage): void {
    const toDevice = this.dir === 'to-device';
    switch (m.kind) {
      case 'digital-port': {
        if (!toDevice) return this.emit({ kind: 'digital-read', port: m.port, value: m.value });
        const prev = this.ports.get(m.port);
        this.ports.set(m.port, m.value);
        for (let bit = 0; bit < 8; bit++) {
          const now = (m.value >> bit) & 1;
          if (prev === undefined || ((prev >> bit) & 1) !== now) {
            this.emit({ kind: 'digital-write', pin: m.port * 8 + bit, value: now });
          }
        }
        return;
      }
      case 'analog':
        return this.emit(
          toDevice
            ? { kind: 'analog-write', pin: m.channel, value: m.value }
            : { kind: 'analog-read', channel: m.channel, value: m.value },
        );
      case 'report-analog':
        return this.emit({ kind: 'report-analog', channel: m.channel, enable: m.enable !== 0 });
      case 'report-digital':
        return this.emit({ kind: 'report-digital', port: m.port, enable: m.enable !== 0 });
      case 'pin-mode':
        return this.emit({ kind: 'pin-mode', pin: m.pin, mode: m.mode, modeName: MODE_NAMES[m.mode] ?? 'unknown' });
      case 'pin-value':
        return this.emit({ kind: 'digital-write', pin: m.pin, value: m.value });
      case 'report-version':
        return this.emit(
          toDevice ? { kind: 'query-version' } : { kind: 'report-version', major: m.major ?? 0, minor: m.minor ?? 0 },
        );
      case 'system-reset':
        return this.emit({ kind: 'system-reset' });
      case 'dropped':
        return this.emit({ kind: 'malformed', reason: m.reason, bytes: m.bytes });
      case 'sysex':
        return this.onSysex(m.command, m.data, toDevice);
    }
  }

  private onSysex(command: number, d: number[], toDevice: boolean): void {
    switch (command) {
      case SYSEX.REPORT_FIRMWARE:
        if (toDevice) return this.emit({ kind: 'query-firmware' });
        return this.emit({
          kind: 'firmware',
          major: d[0] ?? 0,
          minor: d[1] ?? 0,
          name: String.fromCharCode(...joinPairs(d, 2)),
        });
      case SYSEX.CAPABILITY_QUERY:
        return this.emit({ kind: 'capability-query' });
      case SYSEX.CAPABILITY_RESPONSE:
        return this.emit({ kind: 'capability-response', pinCount: d.filter((b) => b === 0x7f).length });
      case SYSEX.ANALOG_MAPPING_QUERY:
        return this.emit({ kind: 'analog-mapping-query' });
      case SYSEX.ANALOG_MAPPING_RESPONSE:
        return this.emit({ kind: 'analog-mapping-response', channels: d });
      case SYSEX.PIN_STATE_QUERY:
        return this.emit({ kind: 'pin-state-query', pin: d[0] ?? 0 });
      case SYSEX.PIN_STATE_RESPONSE:
        return this.emit({
          kind: 'pin-state',
          pin: d[0] ?? 0,
          mode: d[1] ?? 0,
          state: (d[2] ?? 0) | ((d[3] ?? 0) << 7) | ((d[4] ?? 0) << 14),
        });
      case SYSEX.SAMPLING_INTERVAL:
        return this.emit({ kind: 'sampling-interval', intervalMs: (d[0] ?? 0) | ((d[1] ?? 0) << 7) });
      case SYSEX.SERVO_CONFIG:
        return this.emit({
          kind: 'servo-config',
          pin: d[0] ?? 0,
          minUs: (d[1] ?? 0) | ((d[2] ?? 0) << 7),
          maxUs: (d[3] ?? 0) | ((d[4] ?? 0) << 7),
        });
      case SYSEX.EXTENDED_ANALOG: {
        let value = 0;
        for (let i = 1; i < d.length; i++) value |= (d[i] ?? 0) << (7 * (i - 1));
        return this.emit({ kind: 'analog-write', pin: d[0] ?? 0, value });
      }
      case SYSEX.PING_READ:
        if (toDevice) {
          return this.emit({
            kind: 'ping-read',
            pin: d[0] ?? 0,
            pulseOutUs: be32(joinPairs(d, 2).slice(0, 4)),
            timeoutUs: be32(joinPairs(d, 10).slice(0, 4)),
          });
        }
        {
          const bytes = joinPairs(d, 0);
          return this.emit({ kind: 'ping-response', pin: bytes[0] ?? 0, durationUs: be32(bytes.slice(1, 5)) });
        }
      case SYSEX.STRING_DATA:
        return this.emit({ kind: 'string', text: String.fromCharCode(...joinPairs(d, 0)).replace(/\0/g, '') });
      case SYSEX.PIXEL_COMMAND: {
        const ops = { [PIXEL.OFF]: 'off', [PIXEL.CONFIG]: 'config', [PIXEL.SHOW]: 'show', [PIXEL.SET_PIXEL]: 'set-pixel', [PIXEL.SET_STRIP]: 'set-strip', [PIXEL.SHIFT]: 'shift' } as const;
        const op = ops[(d[0] ?? -1) as keyof typeof ops] ?? 'unknown';
        return this.emit({ kind: 'pixel', op, data: d.slice(1) });
      }
      default:
        return this.emit({ kind: 'sysex', command, data: d });
    }
  }
}
