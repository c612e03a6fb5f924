/**
 * A host's sysex as StandardFirmata's sysexCallback reads it: the fields
 * decoded from the 7-bit body, with the firmware's own length checks (a body
 * too short for its command is ignored, as the firmware ignores it). What
 * the board then does with a request is `mcore-firmware.ts`'s business.
 */
import { SYSEX } from '../../harness/mbot/firmata-constants.ts';

/** One decoded host sysex. */
export type SysexRequest =
  | { kind: 'report-firmware' }
  | { kind: 'capability-query' }
  | { kind: 'analog-mapping-query' }
  | { kind: 'pin-state-query'; pin: number }
  /** The interval as sent (the firmware clamps it to its minimum). */
  | { kind: 'sampling-interval'; ms: number }
  | { kind: 'servo-config'; pin: number; minPulse: number; maxPulse: number }
  | { kind: 'extended-analog'; pin: number; value: number }
  | { kind: 'ping-read'; data: number[] }
  | { kind: 'pixel'; data: number[] }
  /** An I2C read request: `wantsBytes` when it asks the bus for data (read or continuous read). */
  | { kind: 'i2c-request'; wantsBytes: boolean }
  /** Host strings, I2C configuration, and bodies too short for their command. */
  | { kind: 'ignored' }
  | { kind: 'unsupported'; command: number };

/** `d[i]`, or 0 past the end (a short sysex body). */
function byteAt(d: readonly number[], i: number): number {
  return d[i] ?? 0;
}

/** Decodes the sysex `command` with body `d` (the bytes after the command byte). */
export function decodeSysex(command: number, d: number[]): SysexRequest {
  switch (command) {
    case SYSEX.REPORT_FIRMWARE:
      return { kind: 'report-firmware' };
    case SYSEX.CAPABILITY_QUERY:
      return { kind: 'capability-query' };
    case SYSEX.ANALOG_MAPPING_QUERY:
      return { kind: 'analog-mapping-query' };
    case SYSEX.PIN_STATE_QUERY:
      return d.length > 0 ? { kind: 'pin-state-query', pin: byteAt(d, 0) } : { kind: 'ignored' };
    case SYSEX.SAMPLING_INTERVAL:
      return d.length > 1 ? { kind: 'sampling-interval', ms: byteAt(d, 0) | (byteAt(d, 1) << 7) } : { kind: 'ignored' };
    case SYSEX.SERVO_CONFIG:
      return d.length > 4
        ? { kind: 'servo-config', pin: byteAt(d, 0), minPulse: byteAt(d, 1) | (byteAt(d, 2) << 7), maxPulse: byteAt(d, 3) | (byteAt(d, 4) << 7) }
        : { kind: 'ignored' };
    case SYSEX.EXTENDED_ANALOG: {
      if (d.length <= 1) return { kind: 'ignored' };
      let value = byteAt(d, 1);
      if (d.length > 2) value |= byteAt(d, 2) << 7;
      if (d.length > 3) value |= byteAt(d, 3) << 14;
      return { kind: 'extended-analog', pin: byteAt(d, 0), value };
    }
    case SYSEX.PING_READ:
      return { kind: 'ping-read', data: d };
    case SYSEX.PIXEL_COMMAND:
      return { kind: 'pixel', data: d };
    case SYSEX.STRING_DATA:
    case SYSEX.I2C_CONFIG:
      return { kind: 'ignored' };
    case SYSEX.I2C_REQUEST:
      return { kind: 'i2c-request', wantsBytes: (byteAt(d, 1) & 0x18) !== 0 };
    default:
      return { kind: 'unsupported', command };
  }
}
