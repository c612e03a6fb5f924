/**
 * The electrical state of the mCore's 22 Firmata pins as StandardFirmata 2.5
 * keeps it: mode, Firmata's "pin state", the AVR output latch (PORTx bit, also
 * the pull-up enable on an input), PWM duty and attached servos. It applies
 * SET_PIN_MODE, port writes and analog writes with the firmware's rules and
 * answers what each pin drives, so the board model can turn it into physics.
 */
import { MODE, SERVO_DEFAULT_RANGE_US, SERVO_MIN_PULSE_WIDTH_US } from '../../harness/mbot/firmata-constants.ts';
import { isAnalogPin, isDigitalPin, isI2cPin, isPwmPin, isSerialPin, TOTAL_PINS } from '../../harness/mbot/mcore-pins.ts';

/** An attached servo: pulse range from SERVO_CONFIG (or the Servo library defaults) and the last pulse, µs. */
export interface ServoState {
  minUs: number;
  maxUs: number;
  pulseUs: number | undefined;
}

/** Result of a SET_PIN_MODE, for the firmware's side effects. */
export interface PinModeResult {
  /** Analog reporting of the pin's channel must be switched to this (pins 14..21 only). */
  analogReport: boolean | undefined;
  /** The mode was not usable (firmware answers "Unknown pin mode"). */
  unknownMode: boolean;
}

/** Pin table; every method is synchronous and never throws on bad pin numbers (they are ignored). */
export class PinTable {
  readonly modes = new Uint8Array(TOTAL_PINS);
  readonly states = new Int32Array(TOTAL_PINS);
  private readonly latch = new Uint8Array(TOTAL_PINS);
  private readonly duty = new Uint16Array(TOTAL_PINS);
  readonly servos = new Map<number, ServoState>();

  /** Power-on / reset: every pin an input with pull-up off (high impedance), no servo. */
  powerOn(): void {
    this.modes.fill(MODE.INPUT);
    this.states.fill(0);
    this.latch.fill(0);
    this.duty.fill(0);
    this.servos.clear();
  }

  /** Input pins of `port` as the firmware's portConfigInputs bit mask (INPUT or PULLUP, digital pins only). */
  inputMask(port: number): number {
    let mask = 0;
    for (let bit = 0; bit < 8; bit++) {
      const pin = port * 8 + bit;
      if (pin < TOTAL_PINS && isDigitalPin(pin) && (this.modes[pin] === MODE.INPUT || this.modes[pin] === MODE.PULLUP)) {
        mask |= 1 << bit;
      }
    }
    return mask;
  }

  /** True when the pin is an input with its internal pull-up on. */
  pullupOn(pin: number): boolean {
    const m = this.modes[pin];
    return (m === MODE.INPUT || m === MODE.PULLUP) && this.latch[pin] === 1;
  }

  /** Level the pin drives: OUTPUT latch, PWM duty >= 50 %, else 0 (input/analog/servo pins drive nothing). */
  outputLevel(pin: number): 0 | 1 {
    const m = this.modes[pin];
    if (m === MODE.OUTPUT) return this.latch[pin] === 1 ? 1 : 0;
    if (m === MODE.PWM) return (this.duty[pin] ?? 0) >= 128 ? 1 : 0;
    return 0;
  }

  /** Effective PWM duty 0..255: PWM mode its duty, OUTPUT 0 or 255, anything else 0. */
  pwmDuty(pin: number): number {
    const m = this.modes[pin];
    if (m === MODE.PWM) return this.duty[pin] ?? 0;
    if (m === MODE.OUTPUT) return this.latch[pin] === 1 ? 255 : 0;
    return 0;
  }

  /** Servo angle in degrees (0..180) of an attached servo that has received a pulse, else undefined. */
  servoAngleDeg(pin: number): number | undefined {
    const s = this.servos.get(pin);
    if (s === undefined || s.pulseUs === undefined || this.modes[pin] !== MODE.SERVO) return undefined;
    return ((s.pulseUs - s.minUs) * 180) / (s.maxUs - s.minUs);
  }

  /** Servo.attach(pin, min, max); values < 0 mean the library defaults. */
  attachServo(pin: number, minUs: number, maxUs: number): void {
    const min = minUs < 0 ? SERVO_DEFAULT_RANGE_US.min : minUs;
    const max = maxUs < 0 ? SERVO_DEFAULT_RANGE_US.max : maxUs;
    // A degenerate range would divide by zero; the Servo library would misbehave too.
    this.servos.set(pin, { minUs: min, maxUs: max > min ? max : min + 1, pulseUs: undefined });
  }

  /** setPinModeCallback of StandardFirmata 2.5; returns what the firmware must do next. */
  setMode(pin: number, mode: number): PinModeResult {
    const result: PinModeResult = { analogReport: undefined, unknownMode: false };
    if (pin >= TOTAL_PINS) return result;
    if (isDigitalPin(pin) && mode !== MODE.SERVO && this.servos.has(pin)) this.servos.delete(pin);
    if (isAnalogPin(pin)) result.analogReport = mode === MODE.ANALOG;
    this.states[pin] = 0;
    const prev = this.modes[pin];
    switch (mode) {
      case MODE.ANALOG:
        if (isAnalogPin(pin)) {
          this.latch[pin] = 0;
          this.modes[pin] = MODE.ANALOG;
        }
        break;
      case MODE.INPUT:
        if (isDigitalPin(pin)) {
          this.latch[pin] = 0;
          this.modes[pin] = MODE.INPUT;
        }
        break;
      case MODE.PULLUP:
        if (isDigitalPin(pin)) {
          this.latch[pin] = 1;
          this.modes[pin] = MODE.PULLUP;
          this.states[pin] = 1;
        }
        break;
      case MODE.OUTPUT:
        if (isDigitalPin(pin)) {
          if (prev === MODE.PWM) this.latch[pin] = 0;
          this.modes[pin] = MODE.OUTPUT;
        }
        break;
      case MODE.PWM:
        if (isPwmPin(pin)) {
          this.duty[pin] = 0;
          this.latch[pin] = 0;
          this.modes[pin] = MODE.PWM;
        }
        break;
      case MODE.SERVO:
        if (isDigitalPin(pin)) {
          this.modes[pin] = MODE.SERVO;
          if (!this.servos.has(pin)) this.attachServo(pin, -1, -1);
        }
        break;
      case MODE.I2C:
        if (isI2cPin(pin)) this.modes[pin] = MODE.I2C;
        break;
      case MODE.SERIAL:
        if (isSerialPin(pin)) this.modes[pin] = MODE.SERIAL;
        break;
      default:
        result.unknownMode = true;
    }
    return result;
  }

  /** digitalWriteCallback: writes OUTPUT pins of `port`, enables pull-ups on INPUT pins written 1. Returns pins whose drive changed. */
  writePort(port: number, value: number): number[] {
    const changed: number[] = [];
    for (let bit = 0; bit < 8; bit++) {
      const pin = port * 8 + bit;
      if (pin >= TOTAL_PINS || !isDigitalPin(pin)) continue;
      const m = this.modes[pin];
      if (m !== MODE.OUTPUT && m !== MODE.INPUT) continue;
      const v = (value >> bit) & 1;
      if (m === MODE.OUTPUT) {
        if (this.latch[pin] !== v) changed.push(pin);
        this.latch[pin] = v;
      } else if (v === 1 && this.states[pin] !== 1) {
        this.latch[pin] = 1;
      }
      this.states[pin] = v;
    }
    return changed;
  }

  /** setPinValueCallback (SET_DIGITAL_PIN_VALUE): OUTPUT pins only. Returns true if the drive changed. */
  writePin(pin: number, value: number): boolean {
    if (pin >= TOTAL_PINS || !isDigitalPin(pin) || this.modes[pin] !== MODE.OUTPUT) return false;
    const v = value ? 1 : 0;
    const changed = this.latch[pin] !== v;
    this.states[pin] = v;
    this.latch[pin] = v;
    return changed;
  }

  /** analogWriteCallback: PWM duty (Arduino analogWrite rules) or a servo pulse. Returns true if the pin was in a mode that takes it. */
  analogWrite(pin: number, value: number): boolean {
    if (pin >= TOTAL_PINS) return false;
    const m = this.modes[pin];
    if (m === MODE.SERVO) {
      const s = this.servos.get(pin);
      if (s === undefined) return false;
      // Servo.write: below MIN_PULSE_WIDTH the value is an angle in degrees.
      const us =
        value < SERVO_MIN_PULSE_WIDTH_US
          ? s.minUs + ((Math.min(Math.max(value, 0), 180) * (s.maxUs - s.minUs)) / 180)
          : Math.min(Math.max(value, s.minUs), s.maxUs);
      s.pulseUs = us;
      this.states[pin] = value;
      return true;
    }
    if (m === MODE.PWM) {
      // analogWrite: 0 and 255 become plain digital writes; OCRnx is 8 bits wide.
      const d = value === 0 ? 0 : value === 255 ? 255 : value & 0xff;
      this.duty[pin] = d;
      if (d === 0) this.latch[pin] = 0;
      if (d === 255) this.latch[pin] = 1;
      this.states[pin] = value;
      return true;
    }
    return false;
  }
}
