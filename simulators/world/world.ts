/**
 * The simulated mBot and its surroundings: drive physics, sensors, pen, buzzer
 * and LEDs. Frame and units: see types.ts. The Firmata device (simulators/mbot)
 * maps pins onto these calls; nothing here knows about pins.
 */
import { DEFAULT_ARENA, raycastCm, validateArena } from './arena.ts';
import { arcMoveInPlace, lagStepInto, MAX_PWM, MAX_SUBSTEP_MS, resolveDrive, wheelSpeedCmPerS, wrapAngleRad } from './drive.ts';
import { compileLineMap, DEFAULT_LINE_MAP, validateLineMap, type CompiledLineMap } from './line-map.ts';
import { DEFAULT_PEN_DOWN_THRESHOLD_DEG, PenRecorder } from './pen.ts';
import { createRng } from './rng.ts';
import type {
  ArenaSpec,
  DriveOptions,
  LineMapSpec,
  MotorSide,
  PointCm,
  Pose,
  Rgb,
  Rng,
  RobotGeometry,
  Stroke,
  World,
  WorldOptions,
} from './types.ts';
import { checkNumber, checkObject, invalidOption } from './validate.ts';

/** HC-SR04 maximum range, cm; also the reading when nothing is hit. */
export const ULTRASONIC_MAX_RANGE_CM = 400;

/** Echo µs per cm of distance: the round trip (2 cm) at 343 m/s ≈ 58.31 µs. */
export const ECHO_US_PER_CM = 2 / 0.0343;

/**
 * Default sensor placement on an mBot (measured from the wheel axle midpoint):
 * the ultrasonic module's transducers sit at the front bumper ≈ 11 cm ahead;
 * the line follower is under the front of the chassis ≈ 7.5 cm ahead with its
 * two sensors ≈ 1.5 cm apart (both see a 2 cm line when centred on it); the
 * pen sits on the axle so spins in place draw dots, not circles.
 */
export const DEFAULT_GEOMETRY: Readonly<RobotGeometry> = Object.freeze({
  ultrasonicOffsetCm: 11,
  lineSensorOffsetCm: 7.5,
  lineSensorSpacingCm: 1.5,
  penOffsetCm: 0,
});

/**
 * Default start: on the lower straight of `DEFAULT_LINE_MAP` (100, 45), facing
 * +x (counter-clockwise round the oval); both line sensors see the line and
 * the ultrasonic sees the east wall 89 cm ahead.
 */
export const DEFAULT_START_POSE: Readonly<Pose> = Object.freeze({ xCm: 100, yCm: 45, headingRad: 0 });

/** Default ambient light on A6 (0..1023): a lit room. */
export const DEFAULT_LIGHT_LEVEL = 500;

/** Default sensor noise: HC-SR04 ±3 mm class accuracy, a couple of ADC counts on the light sensor. */
export const DEFAULT_NOISE: Readonly<{ ultrasonicSdCm: number; lightSd: number }> = Object.freeze({
  ultrasonicSdCm: 0.3,
  lightSd: 2,
});

const STEP_RULE = Object.freeze({ min: 0, unit: 'ms' });

/** Motor gains are clamped to this band so extreme samples stay physical. */
const GAIN_MIN = 0.5;
const GAIN_MAX = 1.5;
/** Range of a motor gain, sampled or given (`WorldOptions.motorGains`). */
export const MOTOR_GAIN_RANGE: Readonly<{ min: number; max: number }> = Object.freeze({ min: GAIN_MIN, max: GAIN_MAX });

function checkPose(option: string, p: unknown): Pose {
  checkObject(option, p);
  return {
    xCm: checkNumber(`${option}.xCm`, p.xCm, { unit: 'cm' }),
    yCm: checkNumber(`${option}.yCm`, p.yCm, { unit: 'cm' }),
    headingRad: wrapAngleRad(checkNumber(`${option}.headingRad`, p.headingRad, { unit: 'rad' })),
  };
}

function checkGeometry(partial: unknown): RobotGeometry {
  checkObject('geometry', partial);
  const g = { ...DEFAULT_GEOMETRY, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) };
  const rule = { min: -50, max: 50, unit: 'cm' };
  return {
    ultrasonicOffsetCm: checkNumber('geometry.ultrasonicOffsetCm', g.ultrasonicOffsetCm, rule),
    lineSensorOffsetCm: checkNumber('geometry.lineSensorOffsetCm', g.lineSensorOffsetCm, rule),
    lineSensorSpacingCm: checkNumber('geometry.lineSensorSpacingCm', g.lineSensorSpacingCm, { min: 0, max: 50, unit: 'cm' }),
    penOffsetCm: checkNumber('geometry.penOffsetCm', g.penOffsetCm, rule),
  };
}

function checkGains(gains: unknown): { left: number; right: number } {
  checkObject('motorGains', gains);
  const rule = { min: GAIN_MIN, max: GAIN_MAX };
  return { left: checkNumber('motorGains.left', gains.left, rule), right: checkNumber('motorGains.right', gains.right, rule) };
}

function checkRgb(option: string, rgb: unknown): Rgb {
  checkObject(option, rgb);
  const rule = { integer: true, min: 0, max: 255 };
  return { r: checkNumber(`${option}.r`, rgb.r, rule), g: checkNumber(`${option}.g`, rgb.g, rule), b: checkNumber(`${option}.b`, rgb.b, rule) };
}

interface WheelState {
  pwm: number;
  speedCmPerS: number;
  readonly gain: number;
}

class SimWorld implements World {
  readonly rng: Rng;
  readonly arena: ArenaSpec;
  readonly lineMap: LineMapSpec;
  // The painted floor, prepared once for the line follower's point tests.
  private readonly lineTest: CompiledLineMap;
  private readonly drive: Required<DriveOptions>;
  private readonly geometry: RobotGeometry;
  private readonly start: Pose;
  private readonly baseLight: number;
  private readonly ultrasonicSdCm: number;
  private readonly lightSd: number;
  private readonly penThresholdDeg: number;
  // Separate streams: a consumer added later never shifts another's numbers.
  private readonly ultrasonicRng: Rng;
  private readonly lightRng: Rng;
  private readonly left: WheelState;
  private readonly right: WheelState;
  private readonly pen = new PenRecorder();
  private current: Pose;
  // Scratch results of the wheel lag, reused by every physics sub-step.
  private readonly lagLeft = { v: 0, distCm: 0 };
  private readonly lagRight = { v: 0, distCm: 0 };
  private time = 0;
  private odometer = 0;
  private light: number;
  private button = false;
  private servoDeg = 0;
  private tone = 0;
  private ledValues: Rgb[] = [
    { r: 0, g: 0, b: 0 },
    { r: 0, g: 0, b: 0 },
  ];

  constructor(opts: WorldOptions) {
    checkObject('options', opts);
    this.rng = createRng(opts.seed);
    this.arena = opts.arena === undefined ? DEFAULT_ARENA : validateArena('arena', opts.arena);
    this.lineMap = opts.lineMap === undefined ? DEFAULT_LINE_MAP : validateLineMap('lineMap', opts.lineMap);
    this.lineTest = compileLineMap(this.lineMap);
    this.drive = resolveDrive(opts.drive ?? {});
    this.geometry = checkGeometry(opts.geometry ?? {});
    this.start = checkPose('start', opts.start ?? DEFAULT_START_POSE);
    this.baseLight = checkNumber('lightLevel', opts.lightLevel ?? DEFAULT_LIGHT_LEVEL, { min: 0, max: 1023, unit: 'ADC counts' });
    const noise = opts.noise ?? {};
    checkObject('noise', noise);
    this.ultrasonicSdCm = checkNumber('noise.ultrasonicSdCm', noise.ultrasonicSdCm ?? DEFAULT_NOISE.ultrasonicSdCm, {
      min: 0,
      max: 50,
      unit: 'cm',
    });
    this.lightSd = checkNumber('noise.lightSd', noise.lightSd ?? DEFAULT_NOISE.lightSd, { min: 0, max: 200, unit: 'ADC counts' });
    this.penThresholdDeg = checkNumber('penDownThresholdDeg', opts.penDownThresholdDeg ?? DEFAULT_PEN_DOWN_THRESHOLD_DEG, {
      min: 0,
      minExclusive: true,
      max: 180,
      unit: 'deg',
    });
    this.ultrasonicRng = this.rng.fork('ultrasonic');
    this.lightRng = this.rng.fork('light');
    const gainRng = this.rng.fork('motor-gain');
    const gain = (): number =>
      Math.min(GAIN_MAX, Math.max(GAIN_MIN, 1 + gainRng.normal(0, 1) * this.drive.motorVariation));
    const fixed = opts.motorGains === undefined ? undefined : checkGains(opts.motorGains);
    this.left = { pwm: 0, speedCmPerS: 0, gain: fixed?.left ?? gain() };
    this.right = { pwm: 0, speedCmPerS: 0, gain: fixed?.right ?? gain() };
    this.current = { ...this.start };
    this.light = this.baseLight;
  }

  setWheel(side: MotorSide, pwm: number): void {
    if (side !== 'left' && side !== 'right') throw invalidOption('setWheel side', `'left' or 'right'`, side);
    this.wheel(side).pwm = checkNumber(`setWheel ${side} pwm`, pwm, { min: -MAX_PWM, max: MAX_PWM });
  }

  get wheels(): { left: number; right: number } {
    return { left: this.left.pwm, right: this.right.pwm };
  }

  get wheelSpeedsCmPerS(): { left: number; right: number } {
    return { left: this.left.speedCmPerS, right: this.right.speedCmPerS };
  }

  get motorGains(): { left: number; right: number } {
    return { left: this.left.gain, right: this.right.gain };
  }

  step(dtMs: number): void {
    checkNumber('step dtMs', dtMs, STEP_RULE);
    if (dtMs === 0) return;
    const n = Math.ceil(dtMs / MAX_SUBSTEP_MS);
    const h = dtMs / n;
    const tau = this.drive.accelTimeConstantMs;
    const t0 = this.time;
    // `current` is this world's own object (`pose` hands out copies), so it moves in place.
    const l = this.lagLeft;
    const r = this.lagRight;
    for (let i = 1; i <= n; i++) {
      lagStepInto(l, this.left.speedCmPerS, wheelSpeedCmPerS(this.left.pwm, this.drive, this.left.gain), h, tau);
      lagStepInto(r, this.right.speedCmPerS, wheelSpeedCmPerS(this.right.pwm, this.drive, this.right.gain), h, tau);
      this.left.speedCmPerS = l.v;
      this.right.speedCmPerS = r.v;
      arcMoveInPlace(this.current, l.distCm, r.distCm, this.drive.wheelBaseCm);
      this.odometer += Math.abs((l.distCm + r.distCm) / 2);
      // Multiply rather than accumulate h, so step times carry no rounding drift.
      if (this.pen.down) this.pen.track(this.penTip(), t0 + (dtMs * i) / n);
    }
    this.current.headingRad = wrapAngleRad(this.current.headingRad);
    this.time = t0 + dtMs;
  }

  get timeMs(): number {
    return this.time;
  }

  get pose(): Pose {
    return { ...this.current };
  }

  setPose(p: Pose): void {
    this.current = checkPose('setPose pose', p);
    // A teleport is not a drawn line: restart the stroke at the new place.
    if (this.pen.down) {
      this.pen.setDown(false, this.penTip(), this.time);
      this.pen.setDown(true, this.penTip(), this.time);
    }
  }

  ultrasonicCm(): number {
    const origin = this.ahead(this.geometry.ultrasonicOffsetCm, 0);
    const hit = raycastCm(this.arena, origin, this.current.headingRad, ULTRASONIC_MAX_RANGE_CM);
    // Draw noise even on a miss, so the stream's position does not depend on what was hit.
    const noise = this.ultrasonicSdCm > 0 ? this.ultrasonicRng.normal(0, this.ultrasonicSdCm) : 0;
    if (hit === undefined) return ULTRASONIC_MAX_RANGE_CM;
    return Math.min(ULTRASONIC_MAX_RANGE_CM, Math.max(0, hit + noise));
  }

  ultrasonicEchoUs(): number {
    return this.ultrasonicCm() * ECHO_US_PER_CM;
  }

  lineSensors(): { left: boolean; right: boolean } {
    const half = this.geometry.lineSensorSpacingCm / 2;
    const forward = this.geometry.lineSensorOffsetCm;
    // `ahead(forward, ±half)` without allocating the points (same arithmetic).
    const c = Math.cos(this.current.headingRad);
    const s = Math.sin(this.current.headingRad);
    const x = this.current.xCm;
    const y = this.current.yCm;
    const right = -half;
    return {
      left: this.lineTest.contains(x + forward * c - half * s, y + forward * s + half * c),
      right: this.lineTest.contains(x + forward * c - right * s, y + forward * s + right * c),
    };
  }

  lightLevel(): number {
    const noise = this.lightSd > 0 ? this.lightRng.normal(0, this.lightSd) : 0;
    return Math.round(Math.min(1023, Math.max(0, this.light + noise)));
  }

  setLightLevel(v: number): void {
    this.light = checkNumber('setLightLevel', v, { min: 0, max: 1023, unit: 'ADC counts' });
  }

  get buttonPressed(): boolean {
    return this.button;
  }

  pressButton(): void {
    this.button = true;
  }

  releaseButton(): void {
    this.button = false;
  }

  setPenServo(angleDeg: number): void {
    this.servoDeg = checkNumber('setPenServo angleDeg', angleDeg, { min: 0, max: 180, unit: 'deg' });
    this.pen.setDown(angleDeg >= this.penThresholdDeg, this.penTip(), this.time);
  }

  get penServoDeg(): number {
    return this.servoDeg;
  }

  get penDown(): boolean {
    return this.pen.down;
  }

  get strokes(): readonly Stroke[] {
    return this.pen.strokes;
  }

  setTone(frequencyHz: number): void {
    this.tone = checkNumber('setTone frequencyHz', frequencyHz, { min: 0, max: 100_000, unit: 'Hz' });
  }

  get toneHz(): number {
    return this.tone;
  }

  setLed(index: 0 | 1, rgb: Rgb): void {
    if (index !== 0 && index !== 1) throw invalidOption('setLed index', '0 or 1', index);
    this.ledValues[index] = checkRgb(`setLed ${index} rgb`, rgb);
  }

  get leds(): readonly Rgb[] {
    return this.ledValues.map((c) => ({ ...c }));
  }

  get odometerCm(): number {
    return this.odometer;
  }

  reset(opts: { pose?: Pose } = {}): void {
    const pose = opts.pose === undefined ? this.start : checkPose('reset pose', opts.pose);
    for (const w of [this.left, this.right]) {
      w.pwm = 0;
      w.speedCmPerS = 0;
    }
    this.current = { ...pose };
    this.pen.clear();
    this.servoDeg = 0;
    this.button = false;
    this.tone = 0;
    this.ledValues = [
      { r: 0, g: 0, b: 0 },
      { r: 0, g: 0, b: 0 },
    ];
    this.light = this.baseLight;
  }

  private wheel(side: MotorSide): WheelState {
    return side === 'left' ? this.left : this.right;
  }

  private penTip(): PointCm {
    return this.ahead(this.geometry.penOffsetCm, 0);
  }

  /** A robot-frame point (`forwardCm` ahead of the axle, `leftCm` to its left) in world coordinates. */
  private ahead(forwardCm: number, leftCm: number): PointCm {
    const c = Math.cos(this.current.headingRad);
    const s = Math.sin(this.current.headingRad);
    return { xCm: this.current.xCm + forwardCm * c - leftCm * s, yCm: this.current.yCm + forwardCm * s + leftCm * c };
  }
}

/** A new world, deterministic from `opts.seed`; every option is validated (HIL_SIM_INVALID_OPTION). */
export function createWorld(opts: WorldOptions): World {
  return new SimWorld(opts);
}
