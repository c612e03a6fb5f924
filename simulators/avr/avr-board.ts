/**
 * The mBot around an emulated ATmega328P: the simulated world wired to the
 * chip's pins, as the mCore's circuit does it, per wiring profile. It reads
 * what the firmware DRIVES (registers and pin levels, never the firmware's
 * Firmata state) and sets what the chip SEES on its inputs and ADC:
 *
 * - motors: PWM duty of D6/D5 (timer 0 compare outputs) and direction levels
 *   on D7/D4, mirrored mounting as in `mbot/mbot-board.ts`;
 * - buzzer (D8): the pitch from edge timing at the chip's cycle resolution;
 * - pen servo: the width of each high pulse the Servo library's timer-1 ISR
 *   makes, mapped 544..2400 µs → 0..180° (the Arduino Servo defaults);
 * - line follower: digital levels on its pins (low over the black line);
 * - ultrasonic signal pin low (no echo), IR receiver (D2) idle high, every
 *   other input follows its internal pull-up;
 * - ADC: light sensor on A6 (channel 6), button on A7 (channel 7; 0 pressed,
 *   1023 released), a line sensor pin read as analog gives 0/1023.
 */
import { ToneMeter } from '../mbot/tone-meter.ts';
import type { WiringProfile } from '../../harness/mbot/mcore-pins.ts';
import type { World } from '../world/types.ts';
import { ARDUINO_PIN_COUNT, CYCLES_PER_MS, type Atmega328p } from './atmega328p.ts';

/** The Arduino Servo library's default pulse range, µs (what a servo on a bench maps to 0..180°). */
const SERVO_PULSE_US = { min: 544, max: 2400 } as const;
/** High pulses outside this range are not servo pulses (a digital write, a PWM signal), µs. */
const SERVO_ACCEPT_US = { min: 400, max: 2600 } as const;

/** The wiring between one chip and one world. */
export class AvrBoard {
  private readonly tone = new ToneMeter();
  private lastWorldMs = 0;
  private servoRiseCycle: number | undefined;
  /** Input levels last put on the chip (1 bit a pin; -1 = none yet), so unchanged pins cost nothing. */
  private lastInputs = -1;

  constructor(
    private readonly chip: Atmega328p,
    private readonly world: World,
    private readonly wiring: WiringProfile,
  ) {
    chip.analogInput = (ch) => this.analogRead(ch);
    chip.onPinChange = (pin, level, cycle) => this.pinChanged(pin, level, cycle);
  }

  /** Re-attaches after the chip was reset (the chip's hooks are rebuilt). */
  reattach(): void {
    this.chip.analogInput = (ch) => this.analogRead(ch);
    this.chip.onPinChange = (pin, level, cycle) => this.pinChanged(pin, level, cycle);
    this.servoRiseCycle = undefined;
  }

  /** Steps the world to `nowMs` (the chip's time) and puts its state on the chip's inputs. Call before running the chip on. */
  applyInputs(nowMs: number): void {
    const dt = nowMs - this.lastWorldMs;
    if (dt > 0) {
      this.world.step(dt);
      this.lastWorldMs = nowMs;
    }
    const w = this.wiring;
    const line = this.world.lineSensors();
    let levels = 0;
    for (let pin = 0; pin < ARDUINO_PIN_COUNT; pin++) {
      let high: boolean;
      if (pin === w.lineSensorPins.left) high = !line.left;
      else if (pin === w.lineSensorPins.right) high = !line.right;
      else if (pin === w.ultrasonicPin) high = false;
      else if (pin === w.irReceiverPin) high = true;
      else high = this.chip.pullupOn(pin);
      if (high) levels |= 1 << pin;
    }
    const changed = this.lastInputs < 0 ? (1 << ARDUINO_PIN_COUNT) - 1 : levels ^ this.lastInputs;
    this.lastInputs = levels;
    for (let pin = 0; changed !== 0 && pin < ARDUINO_PIN_COUNT; pin++) {
      if ((changed & (1 << pin)) !== 0) this.chip.setInputLevel(pin, (levels & (1 << pin)) !== 0);
    }
    if (this.world.toneHz > 0 && this.tone.frequencyHz(nowMs) === 0) {
      this.world.setTone(0);
      this.tone.clear();
    }
  }

  /** Reads the motor outputs after the chip ran; sets the wheels when they changed. */
  readOutputs(): void {
    const { chip, world } = this;
    const w = this.wiring;
    const left = chip.pwmDuty(w.leftMotor.pwm) * (chip.driveLevel(w.leftMotor.dir) === 1 ? -1 : 1) + 0;
    const right = chip.pwmDuty(w.rightMotor.pwm) * (chip.driveLevel(w.rightMotor.dir) === 1 ? 1 : -1) + 0;
    if (world.wheels.left !== left) world.setWheel('left', left);
    if (world.wheels.right !== right) world.setWheel('right', right);
  }

  /** Raw ADC reading of channel 0..7 as the mCore's circuit gives it. */
  analogRead(channel: number): number {
    const pin = 14 + channel;
    const w = this.wiring;
    if (pin === w.lightSensorPin) return this.world.lightLevel();
    if (pin === w.buttonPin) return this.world.buttonPressed ? 0 : 1023;
    const line = pin === w.lineSensorPins.left || pin === w.lineSensorPins.right ? this.world.lineSensors() : undefined;
    if (line !== undefined) return (pin === w.lineSensorPins.left ? line.left : line.right) ? 0 : 1023;
    return 0;
  }

  private pinChanged(pin: number, level: 0 | 1, cycle: number): void {
    const w = this.wiring;
    if (pin === w.buzzerPin) {
      const ms = cycle / CYCLES_PER_MS;
      this.tone.edge(ms);
      const hz = this.tone.frequencyHz(ms);
      if (hz > 0 && hz !== this.world.toneHz) this.world.setTone(hz);
      return;
    }
    if (pin === w.penServoPin) {
      if (level === 1) {
        this.servoRiseCycle = cycle;
        return;
      }
      if (this.servoRiseCycle === undefined) return;
      const widthUs = (cycle - this.servoRiseCycle) / (CYCLES_PER_MS / 1000);
      this.servoRiseCycle = undefined;
      if (widthUs < SERVO_ACCEPT_US.min || widthUs > SERVO_ACCEPT_US.max) return;
      const deg = ((widthUs - SERVO_PULSE_US.min) / (SERVO_PULSE_US.max - SERVO_PULSE_US.min)) * 180;
      const angle = Math.round(Math.min(180, Math.max(0, deg)));
      if (angle !== Math.round(this.world.penServoDeg)) this.world.setPenServo(angle);
    }
  }
}
