/**
 * Types of the simulated world the emulated mBot lives in.
 *
 * World frame: a flat floor seen from above. Origin at the arena's lower-left
 * corner, +x to the right ("east"), +y up ("north"), lengths in cm. Headings
 * in radians, 0 = facing +x, counter-clockwise positive (so pi/2 faces +y).
 * The robot's pose is the midpoint of its drive-wheel axle, which is also its
 * centre of rotation for a spin in place.
 */

/** A seeded pseudo-random stream. Same seed, same calls → same numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Gaussian sample; defaults mean 0, sd 1; `sd` must be >= 0. */
  normal(mean?: number, sd?: number): number;
  /** Uniform integer in [minIncl, maxIncl]; both integers, minIncl <= maxIncl. */
  int(minIncl: number, maxIncl: number): number;
  /**
   * An independent deterministic sub-stream named `label`: depends only on this
   * stream's seed and the label, never on how many numbers were drawn, so
   * adding a consumer does not shift another's sequence.
   */
  fork(label: string): Rng;
  /** The seed this stream was made from (for a fork: the derived 32-bit seed). */
  readonly seed: number;
}

/** Where the robot is: axle midpoint in cm, heading in rad (0 = +x, CCW positive). */
export interface Pose {
  xCm: number;
  yCm: number;
  headingRad: number;
}

/** A point on the floor, world frame, cm. */
export interface PointCm {
  xCm: number;
  yCm: number;
}

/** Which drive wheel. */
export type MotorSide = 'left' | 'right';

/** Drive-train parameters. */
export interface DriveOptions {
  /** Distance between the two wheels' contact points (track width), cm. mBot ≈ 11.5. */
  wheelBaseCm: number;
  /** Ground speed of a wheel at |pwm| 255 with nominal gain, cm/s. Default 35. */
  maxSpeedCmPerS: number;
  /** |pwm| at or below this gives no motion (static friction, gearbox), 0..254. Default 40. */
  deadBandPwm: number;
  /** Relative sd of each motor's gain, sampled once per world (clamped to 0.5..1.5), 0..0.2. Default 0.02. */
  motorVariation: number;
  /** First-order time constant of wheel speed after a command change, ms; 0 = instant. Default 50. */
  accelTimeConstantMs?: number;
}

/** Where the sensors and the pen sit on the robot, robot frame (forward of the axle, left of centre), cm. */
export interface RobotGeometry {
  /** Ultrasonic transducer face, forward of the axle midpoint, cm. Default 11. */
  ultrasonicOffsetCm: number;
  /** Line-follower sensor pair, forward of the axle midpoint, cm. Default 7.5. */
  lineSensorOffsetCm: number;
  /** Distance between the two line-follower sensors, cm (each is half of it left/right of centre). Default 1.5. */
  lineSensorSpacingCm: number;
  /** Pen tip, forward of the axle midpoint, cm. Default 0 (on the axle: spins draw dots). */
  penOffsetCm: number;
}

/** A straight wall, world frame, cm. Zero-length walls are rejected. */
export interface WallSegment {
  x1Cm: number;
  y1Cm: number;
  x2Cm: number;
  y2Cm: number;
}

/** An obstacle: an axis-aligned box or a circle (world frame, cm). */
export type Obstacle =
  | { kind: 'box'; minXCm: number; minYCm: number; maxXCm: number; maxYCm: number }
  | { kind: 'circle'; xCm: number; yCm: number; radiusCm: number };

/** What the ultrasonic can hit. */
export interface ArenaSpec {
  /** Walls as segments. */
  walls: readonly WallSegment[];
  /** Obstacles inside the arena. */
  obstacles: readonly Obstacle[];
}

/** A painted line: a polyline of `widthCm` (black on a white floor). */
export interface LinePath {
  /** At least two points, world frame, cm. */
  points: readonly PointCm[];
  /** Full width of the painted line, cm (> 0). */
  widthCm: number;
  /** Joins the last point back to the first. Default false. */
  closed?: boolean;
}

/** The lines painted on the floor. An empty `lines` list is a blank floor. */
export interface LineMapSpec {
  lines: readonly LinePath[];
}

/** A pen trace: points at least 0.5 cm apart, `atMs` in world time. */
export interface Stroke {
  points: { xCm: number; yCm: number; atMs: number }[];
}

/** An RGB colour, each channel an integer 0..255. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Options of `createWorld`; every field is validated (HIL_SIM_INVALID_OPTION). */
export interface WorldOptions {
  /** Root seed (safe integer): motor gains and all sensor noise derive from it. */
  seed: number;
  /** Walls and obstacles. Default `DEFAULT_ARENA`. */
  arena?: ArenaSpec;
  /** Painted lines. Default `DEFAULT_LINE_MAP`. Read once when the world is created (the paint does not move): changing the spec's points afterwards is not seen. */
  lineMap?: LineMapSpec;
  /** Drive-train parameters; unset ones take the defaults (`DEFAULT_DRIVE`). */
  drive?: Partial<DriveOptions>;
  /**
   * Each motor's gain (1 = nominal), each 0.5..1.5, e.g. measured on a team's
   * own robot (a calibration profile). When set, `drive.motorVariation` is not
   * sampled. Default: sampled from the seed with `drive.motorVariation`.
   */
  motorGains?: { left: number; right: number };
  /** Sensor and pen placement; unset ones take the defaults (`DEFAULT_GEOMETRY`). */
  geometry?: Partial<RobotGeometry>;
  /** Starting pose (also where `reset()` returns). Default `DEFAULT_START_POSE`. */
  start?: Pose;
  /** Ambient light as the A6 ADC reads it, 0..1023. Default 500. */
  lightLevel?: number;
  /** Sensor noise sds: ultrasonic in cm (default 0.3), light in ADC counts (default 2). 0 = exact. */
  noise?: { ultrasonicSdCm?: number; lightSd?: number };
  /** Servo angle (deg) at or above which the pen touches the paper. Default 45 (90 = down, 0..10 = up). */
  penDownThresholdDeg?: number;
}

/** The simulated robot and its surroundings. Deterministic from `WorldOptions.seed`. */
export interface World {
  /** The root stream; fork it (`world.rng.fork('my-consumer')`) for your own randomness. */
  readonly rng: Rng;
  /**
   * Signed wheel command in WHEEL frame, -255..255: +255 drives that wheel so
   * the robot moves forward. (The pin→wheel mapping incl. the mBot's mirrored
   * mounting lives in the Firmata device, not here.) Out of range throws.
   */
  setWheel(side: MotorSide, pwm: number): void;
  /** Current wheel commands, WHEEL frame. */
  readonly wheels: { readonly left: number; readonly right: number };
  /** Current ground speed of each wheel, cm/s (after gain and acceleration). */
  readonly wheelSpeedsCmPerS: { readonly left: number; readonly right: number };
  /** Gain of each motor sampled at creation (1 = nominal). */
  readonly motorGains: { readonly left: number; readonly right: number };
  /** Advances physics by `dtMs` (finite, >= 0), in sub-steps of at most 5 ms; exact for straight lines and constant-speed arcs. */
  step(dtMs: number): void;
  /** World time, ms since creation (sum of `step`s). */
  readonly timeMs: number;
  /** Current pose (a copy); headingRad wrapped to (−π, π]. */
  readonly pose: Pose;
  /** Teleports the robot (heading wrapped to (−π, π]); adds nothing to the odometer; a pen that is down starts a new stroke there. */
  setPose(p: Pose): void;
  /**
   * HC-SR04 reading, cm: distance along the heading from the transducer face
   * (`geometry.ultrasonicOffsetCm` ahead of the axle) to the nearest wall or
   * obstacle, plus seeded gaussian noise, clamped to [0, 400]; exactly 400
   * (the max range) when nothing is hit within range.
   */
  ultrasonicCm(): number;
  /** Echo pulse in µs as Firmata's ping-read would measure: a fresh `ultrasonicCm()` × 58.3 (round trip at 343 m/s). */
  ultrasonicEchoUs(): number;
  /**
   * Line follower: two sensors `lineSensorSpacingCm` apart, `lineSensorOffsetCm`
   * ahead of the axle, left and right of centre; `true` = that sensor is over
   * the line (black).
   */
  lineSensors(): { left: boolean; right: boolean };
  /** Ambient light as the mBot's A6 reads it: integer 0..1023 with seeded noise. */
  lightLevel(): number;
  /** Sets the noiseless ambient light, 0..1023. */
  setLightLevel(v: number): void;
  /** Onboard button state (the Firmata device inverts it onto A7). */
  readonly buttonPressed: boolean;
  /** Holds the onboard button down until `releaseButton()`. */
  pressButton(): void;
  /** Lets the onboard button go. */
  releaseButton(): void;
  /**
   * Pen-lift servo angle, 0..180 deg. At or above `penDownThresholdDeg`
   * (default 45) the pen is down; convention 90 = down, 0..10 = up. Each time
   * it goes down a new stroke starts at the pen tip; while down, a point is
   * recorded whenever the tip has moved >= 0.5 cm from the last point.
   */
  setPenServo(angleDeg: number): void;
  /** Last servo angle set, deg (initially 0: pen up). */
  readonly penServoDeg: number;
  /** True while the pen touches the paper. */
  readonly penDown: boolean;
  /** Strokes drawn since creation/reset, oldest first (the last one grows while the pen is down). */
  readonly strokes: readonly Stroke[];
  /** Buzzer frequency, Hz, 0..100000; 0 = silent. */
  setTone(frequencyHz: number): void;
  /** Current buzzer frequency, Hz; 0 = silent. */
  readonly toneHz: number;
  /** Sets one of the two onboard WS2812 LEDs; channels integers 0..255. */
  setLed(index: 0 | 1, rgb: Rgb): void;
  /** Both LEDs (copies), index 0 then 1; initially off. */
  readonly leds: readonly Rgb[];
  /** Path length driven by the axle midpoint since creation, cm (not reset; a spin in place adds 0). */
  readonly odometerCm: number;
  /** The arena in force (for rendering and assertions). */
  readonly arena: ArenaSpec;
  /** The line map in force. */
  readonly lineMap: LineMapSpec;
  /**
   * Back to start (or `opts.pose`): wheels 0 and at rest, pen up (servo 0),
   * strokes cleared, button released, tone 0, LEDs off, light back to the
   * option's level. Time, odometer, motor gains and noise streams continue.
   */
  reset(opts?: { pose?: Pose }): void;
}
