/**
 * Bytes the emulated firmware sends, built exactly as StandardFirmata 2.5
 * (Firmata.cpp printVersion/printFirmwareVersion/sendString/sendAnalog/
 * sendDigitalPort, the PIN_STATE_QUERY case) and PingFirmata (the PING_READ
 * reply via sendSysex) write them; plus the PING_READ request decoding.
 * Pure functions: no state, no I/O. The two 3-byte channel messages, which
 * the firmware sends at every sample, are written into a `ReplyWriter`
 * instead of returned, so periodic reporting allocates nothing.
 */
import { CMD, encode7BitPairs, FIRMATA_FIRMWARE_VERSION, FIRMATA_PROTOCOL_VERSION, SYSEX } from '../../harness/mbot/firmata-constants.ts';

/** REPORT_VERSION: 0xF9 major minor. */
export function versionReply(): number[] {
  return [CMD.REPORT_VERSION, FIRMATA_PROTOCOL_VERSION.major, FIRMATA_PROTOCOL_VERSION.minor];
}

/** REPORT_FIRMWARE: F0 79 major minor, each name character as two 7-bit bytes (LSB first), F7. */
export function firmwareReply(name: string): number[] {
  const chars = Array.from(name, (c) => c.charCodeAt(0) & 0xff);
  return [
    CMD.START_SYSEX,
    SYSEX.REPORT_FIRMWARE,
    FIRMATA_FIRMWARE_VERSION.major,
    FIRMATA_FIRMWARE_VERSION.minor,
    ...encode7BitPairs(chars),
    CMD.END_SYSEX,
  ];
}

/** STRING_DATA: each character as two 7-bit bytes. */
export function stringReply(text: string): number[] {
  const chars = Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  return [CMD.START_SYSEX, SYSEX.STRING_DATA, ...encode7BitPairs(chars), CMD.END_SYSEX];
}

/** Where the 3-byte channel messages go (the firmware's reply buffer). */
export interface ReplyWriter {
  /** Appends three bytes. */
  put3(b0: number, b1: number, b2: number): void;
}

/** Writes ANALOG_MESSAGE for channel `ch` (0..15), value clamped to the 10-bit ADC range. */
export function analogReply(out: ReplyWriter, ch: number, value: number): void {
  const v = Math.max(0, Math.min(1023, Math.round(value)));
  out.put3(CMD.ANALOG_MESSAGE | ch, v & 0x7f, (v >> 7) & 0x7f);
}

/** Writes DIGITAL_MESSAGE for port `port` (bit per pin). */
export function digitalReply(out: ReplyWriter, port: number, value: number): void {
  out.put3(CMD.DIGITAL_MESSAGE | port, value & 0x7f, (value >> 7) & 0x7f);
}

/** PIN_STATE_RESPONSE: pin, then (for a pin that exists) mode and the state in 1–3 7-bit bytes. */
export function pinStateReply(pin: number, exists: boolean, mode: number, state: number): number[] {
  const out = [CMD.START_SYSEX, SYSEX.PIN_STATE_RESPONSE, pin];
  if (exists) {
    out.push(mode, state & 0x7f);
    if (state & 0xff80) out.push((state >> 7) & 0x7f);
    if (state & 0xc000) out.push((state >> 14) & 0x7f);
  }
  out.push(CMD.END_SYSEX);
  return out;
}

/** A decoded PING_READ request (firmata-io `pingRead`): pin, level of the trigger pulse, pulse and timeout in µs. */
export interface PingRequest {
  pin: number;
  value: number;
  pulseOutUs: number;
  timeoutUs: number;
}

/**
 * Decodes the PING_READ body `[pin, value, pulseOut as 4 bytes in 7-bit pairs,
 * timeout as 4 bytes in 7-bit pairs]` (big-endian 32-bit), or undefined when short.
 */
export function decodePingRequest(d: readonly number[]): PingRequest | undefined {
  if (d.length < 18) return undefined;
  return { pin: d[0] ?? 0, value: d[1] ?? 0, pulseOutUs: be32At(d, 2), timeoutUs: be32At(d, 10) };
}

// Module-level helpers (not closures per call): a ping request is decoded every ≈ 65 ms of a run.

/** The byte sent as the 7-bit pair at `d[i]`, `d[i + 1]` (LSB first). */
function pairAt(d: readonly number[], i: number): number {
  return ((d[i] ?? 0) | ((d[i + 1] ?? 0) << 7)) & 0xff;
}

/** The big-endian 32-bit value sent as four 7-bit pairs from `d[i]`. */
function be32At(d: readonly number[], i: number): number {
  return pairAt(d, i) * 2 ** 24 + pairAt(d, i + 2) * 2 ** 16 + pairAt(d, i + 4) * 2 ** 8 + pairAt(d, i + 6);
}

/** PING_READ reply: `[pin, duration as 4 big-endian bytes]`, every byte as two 7-bit bytes. */
export function pingReply(pin: number, durationUs: number): number[] {
  const d = Math.max(0, Math.round(durationUs));
  const raw = [pin, (d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff];
  return [CMD.START_SYSEX, SYSEX.PING_READ, ...encode7BitPairs(raw), CMD.END_SYSEX];
}
