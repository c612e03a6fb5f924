/**
 * Dead reckoning: the pose the companion reports, estimated from the wheel
 * PWMs it commanded (an mBot has no wheel encoders, so a real companion can
 * only estimate), and the pen strokes drawn along it. Memory is bounded: the
 * stroke in progress is split every {@link PoseTrackerOptions.maxStrokePoints}
 * points and only the last {@link PoseTrackerOptions.maxStoredStrokes}
 * finished strokes are kept for the `state` snapshot.
 */

/** Pose in the arena frame: cm, heading in degrees (0 = +x, counter-clockwise). */
export interface Pose {
  xCm: number;
  yCm: number;
  headingDeg: number;
}

/** A finished stroke: the points the pen passed over while down, cm. */
export interface StrokeRecord {
  /** 1, 2, 3, ... in drawing order. */
  id: number;
  points: Array<[number, number]>;
}

/**
 * Options; the drive defaults are an mBot's nominal drive train (two TT
 * gear motors, 6.4 cm wheels, 4×AA): 35 cm/s at full PWM, nothing below
 * PWM 40 (gearbox friction), 11.5 cm between the wheels.
 */
export interface PoseTrackerOptions {
  start?: Pose;
  maxSpeedCmPerS?: number;
  deadBandPwm?: number;
  wheelBaseCm?: number;
  /** Points after which a stroke in progress is closed and a new one begun. Default 2000. */
  maxStrokePoints?: number;
  /** Finished strokes kept for the state snapshot. Default 200. */
  maxStoredStrokes?: number;
  /** A new stroke point is added once the pen moved this far, cm. Default 0.2. */
  minPointSpacingCm?: number;
}

const DEG_PER_RAD = 180 / Math.PI;

/** Integrates commanded wheel speeds over time and records pen strokes. */
export class PoseTracker {
  #pose: Pose;
  #left = 0;
  #right = 0;
  #lastMs: number | null = null;
  #penDown = false;
  #current: Array<[number, number]> | null = null;
  #strokes: StrokeRecord[] = [];
  #nextStrokeId = 1;
  readonly #o: Required<Omit<PoseTrackerOptions, 'start'>>;

  constructor(options: PoseTrackerOptions = {}) {
    this.#pose = { ...(options.start ?? { xCm: 0, yCm: 0, headingDeg: 0 }) };
    this.#o = {
      maxSpeedCmPerS: options.maxSpeedCmPerS ?? 35,
      deadBandPwm: options.deadBandPwm ?? 40,
      wheelBaseCm: options.wheelBaseCm ?? 11.5,
      maxStrokePoints: options.maxStrokePoints ?? 2000,
      maxStoredStrokes: options.maxStoredStrokes ?? 200,
      minPointSpacingCm: options.minPointSpacingCm ?? 0.2,
    };
  }

  /** The estimated pose (a copy). */
  get pose(): Pose { return { ...this.#pose }; }
  /** True while the pen is commanded down. */
  get penDown(): boolean { return this.#penDown; }
  /** Wheel PWMs in force, robot frame. */
  get wheels(): { left: number; right: number } { return { left: this.#left, right: this.#right }; }
  /** Finished strokes kept (oldest first). */
  get strokes(): readonly StrokeRecord[] { return this.#strokes; }
  /** Points of the stroke in progress (empty when the pen is up). */
  get currentStroke(): ReadonlyArray<readonly [number, number]> { return this.#current ?? []; }

  /** New wheel PWMs from `atMs` on (integrates up to `atMs` first). */
  setWheels(left: number, right: number, atMs: number): void {
    this.advance(atMs);
    this.#left = left;
    this.#right = right;
  }

  /**
   * Pen up or down at `atMs`. Returns the stroke finished by lifting the pen
   * (or undefined), so the caller can publish it.
   */
  setPen(down: boolean, atMs: number): StrokeRecord | undefined {
    this.advance(atMs);
    if (down === this.#penDown) return undefined;
    this.#penDown = down;
    if (down) {
      this.#current = [[this.#pose.xCm, this.#pose.yCm]];
      return undefined;
    }
    return this.#finishStroke();
  }

  /**
   * Integrates the pose up to `atMs` (clock ms; never backwards). Returns a
   * stroke when the one in progress reached its point limit and was split.
   */
  advance(atMs: number): StrokeRecord | undefined {
    if (this.#lastMs === null || atMs <= this.#lastMs) {
      this.#lastMs = Math.max(this.#lastMs ?? atMs, atMs);
      return undefined;
    }
    const dtS = (atMs - this.#lastMs) / 1000;
    this.#lastMs = atMs;
    const vL = this.#speed(this.#left);
    const vR = this.#speed(this.#right);
    if (vL === 0 && vR === 0) return undefined;
    const v = (vL + vR) / 2;
    const omega = (vR - vL) / this.#o.wheelBaseCm;
    const theta = this.#pose.headingDeg / DEG_PER_RAD + omega * dtS / 2;
    this.#pose.xCm += v * dtS * Math.cos(theta);
    this.#pose.yCm += v * dtS * Math.sin(theta);
    this.#pose.headingDeg = (((this.#pose.headingDeg + omega * dtS * DEG_PER_RAD) % 360) + 360) % 360;
    if (!this.#penDown || !this.#current) return undefined;
    const last = this.#current[this.#current.length - 1] as [number, number];
    if (Math.hypot(this.#pose.xCm - last[0], this.#pose.yCm - last[1]) < this.#o.minPointSpacingCm) return undefined;
    this.#current.push([this.#pose.xCm, this.#pose.yCm]);
    if (this.#current.length < this.#o.maxStrokePoints) return undefined;
    const done = this.#finishStroke();
    this.#current = [[this.#pose.xCm, this.#pose.yCm]];
    return done;
  }

  #speed(pwm: number): number {
    const mag = Math.abs(pwm);
    if (mag <= this.#o.deadBandPwm) return 0;
    return Math.sign(pwm) * this.#o.maxSpeedCmPerS * (mag - this.#o.deadBandPwm) / (255 - this.#o.deadBandPwm);
  }

  #finishStroke(): StrokeRecord | undefined {
    const points = this.#current;
    this.#current = null;
    if (!points || points.length < 2) return undefined;
    const stroke: StrokeRecord = { id: this.#nextStrokeId++, points: points.map(([x, y]) => [round2(x), round2(y)]) };
    this.#strokes.push(stroke);
    if (this.#strokes.length > this.#o.maxStoredStrokes) this.#strokes.splice(0, this.#strokes.length - this.#o.maxStoredStrokes);
    return stroke;
  }
}

/** Rounds to 0.01 (cm on the wire: finer than the estimate is worth). */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
