/**
 * The mCore's ATmega328P as StandardFirmata 2.5 sees it (firmata/arduino
 * Boards.h, 328P without NUM_ANALOG_INPUTS == 6): TOTAL_PINS 22 = D0..D13,
 * A0..A5 (14..19) and the analog-only A6/A7 (20, 21). Plus the mBot wiring
 * profiles: which sensor sits on which pin. Facts only: what the simulated
 * firmware answers about them is in simulators/mbot/firmata-tables.ts.
 */

/** Pins Firmata numbers on the mCore (0..21). */
export const TOTAL_PINS = 22;
/** Digital ports of 8 pins (the last one half empty). */
export const TOTAL_PORTS = 3;
/** Analog channels A0..A7. */
export const TOTAL_ANALOG_CHANNELS = 8;

/** Boards.h IS_PIN_DIGITAL for the 328P: 2..19 (0/1 are the USB serial). */
export function isDigitalPin(pin: number): boolean {
  return pin >= 2 && pin <= 19;
}
/** Boards.h IS_PIN_ANALOG: 14..21 (A6/A7 are analog-only). */
export function isAnalogPin(pin: number): boolean {
  return pin >= 14 && pin < 14 + TOTAL_ANALOG_CHANNELS;
}
/** digitalPinHasPWM on the 328P: timers 0/1/2 drive 3, 5, 6, 9, 10, 11. */
export function isPwmPin(pin: number): boolean {
  return pin === 3 || pin === 5 || pin === 6 || pin === 9 || pin === 10 || pin === 11;
}
/** Boards.h IS_PIN_I2C: A4/A5. */
export function isI2cPin(pin: number): boolean {
  return pin === 18 || pin === 19;
}
/** Boards.h IS_PIN_SERIAL: the hardware UART on 0/1 (SerialFirmata lists them). */
export function isSerialPin(pin: number): boolean {
  return pin === 0 || pin === 1;
}
/** Analog channel of a pin (PIN_TO_ANALOG), or 127 when it has none. */
export function analogChannelOf(pin: number): number {
  return isAnalogPin(pin) ? pin - 14 : 127;
}

/** Names of the wiring profiles. */
export type WiringProfileName = 'johnny-five-examples' | 'assembly-guide';

/**
 * Where everything sits on the mCore, as Firmata pin numbers. Fixed on the
 * board: motors (left PWM 6 / DIR 7, right PWM 5 / DIR 4), buzzer 8, two
 * WS2812 on 13, IR receiver 2, light sensor A6 (20), button A7 (21). Per
 * profile: the RJ25 port of the ultrasonic (one signal pin, the port's second
 * pin "S2") and of the line follower (S1 = left sensor, S2 = right sensor).
 */
export interface WiringProfile {
  readonly name: WiringProfileName;
  readonly leftMotor: { readonly pwm: number; readonly dir: number };
  readonly rightMotor: { readonly pwm: number; readonly dir: number };
  readonly buzzerPin: number;
  readonly ledPin: number;
  readonly ledCount: number;
  readonly irReceiverPin: number;
  readonly lightSensorPin: number;
  readonly buttonPin: number;
  readonly ultrasonicPin: number;
  readonly lineSensorPins: { readonly left: number; readonly right: number };
  /** Pen-lift servo signal pin (port 1, slot 1: pin 11, the only port both profiles leave free). */
  readonly penServoPin: number;
}

const FIXED = {
  leftMotor: { pwm: 6, dir: 7 },
  rightMotor: { pwm: 5, dir: 4 },
  buzzerPin: 8,
  ledPin: 13,
  ledCount: 2,
  irReceiverPin: 2,
  lightSensorPin: 20,
  buttonPin: 21,
  penServoPin: 11,
} as const;

/**
 * The named profiles. `johnny-five-examples` (the default) follows Makeblock's
 * Johnny-Five examples: ultrasonic on pin 10 (port 2, S2), line follower on
 * A2/A3 (port 3). `assembly-guide` follows the mBot assembly guide:
 * ultrasonic in port 3 (signal on S2 = A3 = 17), line follower in port 2
 * (9 = left, 10 = right).
 */
export const WIRING_PROFILES: Readonly<Record<WiringProfileName, WiringProfile>> = Object.freeze({
  'johnny-five-examples': Object.freeze({
    name: 'johnny-five-examples',
    ...FIXED,
    ultrasonicPin: 10,
    lineSensorPins: { left: 16, right: 17 },
  }),
  'assembly-guide': Object.freeze({
    name: 'assembly-guide',
    ...FIXED,
    ultrasonicPin: 17,
    lineSensorPins: { left: 9, right: 10 },
  }),
});

/** The profile used when none is given. */
export const DEFAULT_WIRING: WiringProfileName = 'johnny-five-examples';
