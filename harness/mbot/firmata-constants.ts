/**
 * Firmata 2.x command bytes, sysex sub-commands and pin modes as StandardFirmata
 * 2.5 (firmata/arduino FirmataConstants.h) and firmata-io 2.3 (lib/firmata.js)
 * define them. Values are protocol facts: never change one.
 */

/** Protocol version the emulated firmware reports in REPORT_VERSION (0xF9 major minor). */
export const FIRMATA_PROTOCOL_VERSION = { major: 2, minor: 5 } as const;

/** Firmware version reported in REPORT_FIRMWARE (StandardFirmata 2.5.x). */
export const FIRMATA_FIRMWARE_VERSION = { major: 2, minor: 5 } as const;

/** Command bytes (>= 0x80). Channel-carrying ones use the low nibble for port/pin. */
export const CMD = {
  DIGITAL_MESSAGE: 0x90,
  ANALOG_MESSAGE: 0xe0,
  REPORT_ANALOG: 0xc0,
  REPORT_DIGITAL: 0xd0,
  SET_PIN_MODE: 0xf4,
  SET_DIGITAL_PIN_VALUE: 0xf5,
  REPORT_VERSION: 0xf9,
  SYSTEM_RESET: 0xff,
  START_SYSEX: 0xf0,
  END_SYSEX: 0xf7,
} as const;

/** Sysex command bytes (the first byte after START_SYSEX). */
export const SYSEX = {
  /** node-pixel's WS2812 command (ajfisher/node-pixel lib/constants.js). */
  PIXEL_COMMAND: 0x51,
  ANALOG_MAPPING_QUERY: 0x69,
  ANALOG_MAPPING_RESPONSE: 0x6a,
  CAPABILITY_QUERY: 0x6b,
  CAPABILITY_RESPONSE: 0x6c,
  PIN_STATE_QUERY: 0x6d,
  PIN_STATE_RESPONSE: 0x6e,
  EXTENDED_ANALOG: 0x6f,
  SERVO_CONFIG: 0x70,
  STRING_DATA: 0x71,
  /** PingFirmata's pulse-and-measure request/response (firmata-io `pingRead`). */
  PING_READ: 0x75,
  I2C_REQUEST: 0x76,
  I2C_CONFIG: 0x78,
  REPORT_FIRMWARE: 0x79,
  SAMPLING_INTERVAL: 0x7a,
} as const;

/** node-pixel sub-commands of PIXEL_COMMAND (0x51). */
export const PIXEL = {
  OFF: 0x00,
  CONFIG: 0x01,
  SHOW: 0x02,
  SET_PIXEL: 0x03,
  SET_STRIP: 0x04,
  SHIFT: 0x05,
  /** Bits of the SHIFT argument byte. */
  SHIFT_FORWARD: 0x20,
  SHIFT_WRAP: 0x40,
} as const;

/** Pin modes (SET_PIN_MODE values, capability entries, PIN_STATE_RESPONSE mode). */
export const MODE = {
  INPUT: 0x00,
  OUTPUT: 0x01,
  ANALOG: 0x02,
  PWM: 0x03,
  SERVO: 0x04,
  I2C: 0x06,
  SERIAL: 0x0a,
  PULLUP: 0x0b,
  PING_READ: 0x75,
  IGNORE: 0x7f,
} as const;

/** StandardFirmata's floor for SAMPLING_INTERVAL, in ms. */
export const MINIMUM_SAMPLING_INTERVAL_MS = 10;

/** StandardFirmata's default sampling interval, in ms. */
export const DEFAULT_SAMPLING_INTERVAL_MS = 19;

/** Firmata's MAX_DATA_BYTES: a sysex body longer than this is dropped. */
export const DEFAULT_MAX_SYSEX_BYTES = 64;

/** Arduino Servo library: a write below this many µs is an angle in degrees. */
export const SERVO_MIN_PULSE_WIDTH_US = 544;

/** Arduino Servo library defaults when a pin is put in SERVO mode without SERVO_CONFIG. */
export const SERVO_DEFAULT_RANGE_US = { min: 544, max: 2400 } as const;

/** Splits a value into Firmata's 7-bit little-endian pairs (LSB, MSB) per byte. */
export function encode7BitPairs(bytes: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = (bytes[i] ?? 0) & 0xff;
    out.push(b & 0x7f, (b >> 7) & 0x7f);
  }
  return out;
}
