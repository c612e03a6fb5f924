/**
 * Firmata messages the targets write themselves, below Johnny-Five and
 * firmata-io, so a stop reaches the robot even when those layers are wedged
 * (a stuck animation, a pending callback, a half-parsed reply).
 *
 * Only the few messages the bench-safety path and the handshake need live
 * here; everything else goes through firmata-io.
 */
import { CMD, SYSEX } from './firmata-constants.ts';

/** The Firmata bytes the targets write, named once (from firmata-constants.ts, the protocol's one vocabulary). */
export const FIRMATA = {
  ANALOG_MESSAGE: CMD.ANALOG_MESSAGE,
  DIGITAL_MESSAGE: CMD.DIGITAL_MESSAGE,
  SET_PIN_MODE: CMD.SET_PIN_MODE,
  SET_DIGITAL_PIN_VALUE: CMD.SET_DIGITAL_PIN_VALUE,
  REPORT_VERSION: CMD.REPORT_VERSION,
  SYSTEM_RESET: CMD.SYSTEM_RESET,
  START_SYSEX: CMD.START_SYSEX,
  END_SYSEX: CMD.END_SYSEX,
  QUERY_FIRMWARE: SYSEX.REPORT_FIRMWARE,
  EXTENDED_ANALOG: SYSEX.EXTENDED_ANALOG,
} as const;

/** Pin numbers the safe stop touches; defaults are the mBot's (mCore) pins. */
export interface SafeStopPins {
  /** PWM pins of the motor drivers (speed); written 0. mBot: left 6, right 5. */
  motorPwm: readonly number[];
  /** Direction pins of the motor drivers; written LOW. mBot: left 7, right 4. */
  motorDir: readonly number[];
  /** Buzzer pin; written LOW. mBot: 8. */
  buzzer: number;
}

/** The mBot's motor and buzzer pins as Johnny-Five sees them over Firmata. */
export const MBOT_SAFE_STOP_PINS: SafeStopPins = Object.freeze({
  motorPwm: Object.freeze([6, 5]),
  motorDir: Object.freeze([7, 4]),
  buzzer: 8,
});

/**
 * ANALOG_MESSAGE (pins 0..15) or EXTENDED_ANALOG sysex (pins 16+) setting a
 * PWM/servo value. `value` is an integer 0..16383 (PWM duty 0..255 on mCore).
 */
export function analogWriteBytes(pin: number, value: number): number[] {
  const v = Math.max(0, Math.trunc(value));
  if (pin > 15) {
    return [FIRMATA.START_SYSEX, FIRMATA.EXTENDED_ANALOG, pin & 0x7f, v & 0x7f, (v >> 7) & 0x7f, FIRMATA.END_SYSEX];
  }
  return [FIRMATA.ANALOG_MESSAGE | pin, v & 0x7f, (v >> 7) & 0x7f];
}

/**
 * DIGITAL_MESSAGE for one 8-pin port: `mask` holds one bit per pin of the
 * port (bit 0 = pin port*8). Firmata sets every OUTPUT pin of the port, so
 * pass the current state of the other pins to leave them unchanged.
 */
export function digitalPortBytes(port: number, mask: number): number[] {
  return [FIRMATA.DIGITAL_MESSAGE | (port & 0x0f), mask & 0x7f, (mask >> 7) & 0x01];
}

/** REPORT_VERSION request: a Firmata board answers with 0xF9 major minor. */
export function reportVersionBytes(): number[] {
  return [FIRMATA.REPORT_VERSION];
}

/** QUERY_FIRMWARE sysex: the board answers with its version and name. */
export function queryFirmwareBytes(): number[] {
  return [FIRMATA.START_SYSEX, FIRMATA.QUERY_FIRMWARE, FIRMATA.END_SYSEX];
}

/**
 * The bytes of a safe stop: PWM 0 on each motor PWM pin, then the digital
 * ports holding the direction and buzzer pins with those pins LOW.
 *
 * `ports` is the host's last known digital port state (firmata-io keeps it
 * in `io.ports`); bits of pins not named in `pins` are kept so the stop does
 * not switch anything else (LEDs, a pen servo is in SERVO mode and ignores
 * digital writes anyway). With no known state the other pins go LOW, which
 * is the safe default. Servo pins are never written. Idempotent: writing the
 * result twice leaves the robot in the same state.
 */
export function safeStopBytes(
  pins: SafeStopPins = MBOT_SAFE_STOP_PINS,
  ports: readonly number[] = [],
): Buffer {
  const out: number[] = [];
  for (const pin of pins.motorPwm) out.push(...analogWriteBytes(pin, 0));
  const lowPins = [...pins.motorDir, pins.buzzer];
  const byPort = new Map<number, number>();
  for (const pin of lowPins) {
    const port = pin >> 3;
    const current = byPort.get(port) ?? (ports[port] ?? 0);
    byPort.set(port, current & ~(1 << (pin & 7)));
  }
  for (const [port, mask] of [...byPort.entries()].sort((a, b) => a[0] - b[0])) {
    out.push(...digitalPortBytes(port, mask));
  }
  return Buffer.from(out);
}

/**
 * Clears the safe-stop pins in a host-side digital port table (firmata-io's
 * `io.ports`) so a later digitalWrite of a neighbouring pin does not switch a
 * direction pin or the buzzer back on. Mutates `ports` in place.
 */
export function clearSafeStopPins(ports: number[], pins: SafeStopPins = MBOT_SAFE_STOP_PINS): void {
  for (const pin of [...pins.motorDir, pins.buzzer]) {
    const port = pin >> 3;
    if (port < ports.length) ports[port] = (ports[port] ?? 0) & ~(1 << (pin & 7));
  }
}

/** Renders bytes as `f9 02 05` for error messages (at most `max` bytes, then `...`). */
export function hexBytes(bytes: ArrayLike<number>, max = 64): string {
  const n = Math.min(bytes.length, max);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push((bytes[i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(' ') + (bytes.length > max ? ` ... (${bytes.length} bytes)` : '');
}
