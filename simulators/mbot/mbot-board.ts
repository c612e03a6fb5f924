/**
 * The mBot around the mCore: turns pin drive into world actuation and world
 * state into pin readings, per wiring profile. Pin → world mapping:
 *
 * - Motors: Johnny-Five's `Motor({ pins: { pwm, dir } })` writes DIR HIGH for
 *   `forward()` and LOW for `reverse()` (lib/motor.js: forward value 1,
 *   reverse 0) and the speed as PWM duty. The left motor is mounted mirrored,
 *   so robot-forward is left DIR LOW + right DIR HIGH:
 *   left wheel = +duty(6) when DIR 7 is LOW, −duty when HIGH;
 *   right wheel = +duty(5) when DIR 4 is HIGH, −duty when LOW
 *   (WHEEL frame, + = robot forward). So `left.reverse(s); right.forward(s)`
 *   drives forward.
 * - Buzzer (8): pitch from edge timing (see ToneMeter; each edge at the time
 *   its command arrived on the wire) → `world.setTone`.
 * - Pen servo (profile's pin): servo angle → `world.setPenServo`.
 * - WS2812 (13): a latched node-pixel frame → `world.setLed(0|1)`.
 * - Button (A7, analog only): pressed reads 0, released 1023 (pull-up, switch to ground).
 * - Light sensor (A6): `world.lightLevel()`.
 * - Line follower: each sensor reads LOW over the black line, HIGH over white
 *   (Makeblock MeLineFollower: state 0 = both sensors on black).
 * - Ultrasonic: ping-read on its pin returns `world.ultrasonicEchoUs()`.
 * - IR receiver (2): idle HIGH. Unconnected inputs read their pull-up; unconnected ADC channels read 0.
 */
import type { Clock } from '../../harness/clock/index.ts';
import type { World } from '../world/types.ts';
import type { McoreHardware } from './mcore-firmware.ts';
import type { PinTable } from './pin-table.ts';
import type { WiringProfile } from '../../harness/mbot/mcore-pins.ts';
import { ToneMeter } from './tone-meter.ts';

/** Board model; `pins` must be the firmware's pin table. */
export class MbotBoard implements McoreHardware {
  private lastStepMs: number;
  private readonly tone = new ToneMeter();
  private lastBuzzerLevel = 0;
  private pins: PinTable | undefined;
  // Line sensors cost a polyline search; both A2 and A3 read them each sample, so reuse per pose.
  private readonly lineCache = { valid: false, x: 0, y: 0, h: 0, left: false, right: false };
  private readonly motionPins: readonly number[];
  /** Called after a motor command changed, so the owner can start or stop stepping physics. */
  onActuated: (() => void) | undefined;

  constructor(
    private readonly world: World,
    private readonly wiring: WiringProfile,
    private readonly clock: Clock,
  ) {
    this.lastStepMs = clock.monotonicMs();
    this.motionPins = Object.freeze([wiring.lineSensorPins.left, wiring.lineSensorPins.right]);
  }

  /** True while a wheel is driven or still coasting faster than 0.001 cm/s (the lag decays exponentially, never to exactly 0). */
  get moving(): boolean {
    const w = this.world;
    const v = w.wheelSpeedsCmPerS;
    return w.wheels.left !== 0 || w.wheels.right !== 0 || Math.abs(v.left) > 1e-3 || Math.abs(v.right) > 1e-3;
  }

  /** Digital inputs whose level follows the robot's motion (the line follower's two pins). */
  get motionSensitivePins(): readonly number[] {
    return this.motionPins;
  }

  /** Connects the firmware's pin table (read to learn each pin's drive). */
  attachPins(pins: PinTable): void {
    this.pins = pins;
  }

  /** Steps the world up to the clock's now. */
  sync(): void {
    const now = this.clock.monotonicMs();
    const dt = now - this.lastStepMs;
    if (dt > 0) {
      this.world.step(dt);
      this.lastStepMs = now;
    }
  }

  /** Stops the tone once the buzzer pin has gone quiet (called before every world read and each physics step). */
  tick(): void {
    if (this.world.toneHz > 0 && this.tone.frequencyHz(this.clock.monotonicMs()) === 0) {
      this.world.setTone(0);
      this.tone.clear();
    }
  }

  analogRead(channel: number): number {
    const pin = 14 + channel;
    const w = this.wiring;
    if (pin === w.lightSensorPin) return this.world.lightLevel();
    if (pin === w.buttonPin) return this.world.buttonPressed ? 0 : 1023;
    if (pin === w.lineSensorPins.left || pin === w.lineSensorPins.right) {
      return this.lineLevel(pin) * 1023;
    }
    return 0;
  }

  digitalRead(pin: number, pullup: boolean): 0 | 1 {
    const w = this.wiring;
    if (pin === w.lineSensorPins.left || pin === w.lineSensorPins.right) return this.lineLevel(pin);
    if (pin === w.ultrasonicPin) return 0;
    if (pin === w.irReceiverPin) return 1;
    return pullup ? 1 : 0;
  }

  outputChanged(pin: number, atMs: number): void {
    const p = this.pins;
    if (p === undefined) return;
    const w = this.wiring;
    if (pin === w.leftMotor.pwm || pin === w.leftMotor.dir || pin === w.rightMotor.pwm || pin === w.rightMotor.dir) {
      // `+ 0` turns a stopped reversing wheel's -0 into 0.
      const left = p.pwmDuty(w.leftMotor.pwm) * (p.outputLevel(w.leftMotor.dir) === 1 ? -1 : 1) + 0;
      const right = p.pwmDuty(w.rightMotor.pwm) * (p.outputLevel(w.rightMotor.dir) === 1 ? 1 : -1) + 0;
      if (this.world.wheels.left !== left) this.world.setWheel('left', left);
      if (this.world.wheels.right !== right) this.world.setWheel('right', right);
      this.onActuated?.();
      return;
    }
    if (pin === w.buzzerPin) {
      const level = p.outputLevel(pin);
      if (level === this.lastBuzzerLevel) return;
      this.lastBuzzerLevel = level;
      this.tone.edge(atMs);
      const hz = this.tone.frequencyHz(atMs);
      if (hz > 0 && hz !== this.world.toneHz) this.world.setTone(hz);
      return;
    }
    if (pin === w.penServoPin) {
      const angle = p.servoAngleDeg(pin);
      if (angle !== undefined) this.world.setPenServo(Math.min(180, Math.max(0, angle)));
    }
  }

  pingEchoUs(pin: number): number {
    return pin === this.wiring.ultrasonicPin ? this.world.ultrasonicEchoUs() : 0;
  }

  pixelsShown(pin: number, colors: readonly number[]): void {
    if (pin !== this.wiring.ledPin) return;
    const n = Math.min(this.wiring.ledCount, colors.length);
    for (let i = 0; i < n; i++) {
      const c = colors[i] ?? 0;
      this.world.setLed(i as 0 | 1, { r: (c >> 16) & 0xff, g: (c >> 8) & 0xff, b: c & 0xff });
    }
  }

  private lineLevel(pin: number): 0 | 1 {
    const p = this.world.pose;
    const c = this.lineCache;
    if (!(c.valid && c.x === p.xCm && c.y === p.yCm && c.h === p.headingRad)) {
      const s = this.world.lineSensors();
      c.valid = true;
      c.x = p.xCm;
      c.y = p.yCm;
      c.h = p.headingRad;
      c.left = s.left;
      c.right = s.right;
    }
    const onBlack = pin === this.wiring.lineSensorPins.left ? c.left : c.right;
    return onBlack ? 0 : 1;
  }
}
