/**
 * Differential-drive physics: PWM → wheel speed → pose.
 *
 * Wheel speed for a command (WHEEL frame, + = forward):
 *   |pwm| <= deadBand → 0
 *   else sign(pwm) · maxSpeed · (|pwm| − deadBand) / (255 − deadBand) · gain
 * approached with a first-order lag of `accelTimeConstantMs`. Body motion:
 *   v = (vL + vR) / 2,  ω = (vR − vL) / wheelBase   (ω > 0 turns left, CCW).
 */
import type { DriveOptions, Pose } from './types.ts';
import { checkNumber, checkObject } from './validate.ts';

/** Largest |pwm| a wheel accepts (8-bit analogWrite). */
export const MAX_PWM = 255;

/**
 * Default drive train of an mBot (two TT gear motors, 6.4 cm wheels, 4×AA):
 * - wheelBaseCm 11.5: mBot track width (wheel contact centre to centre).
 * - maxSpeedCmPerS 35: the middle of the 30–40 cm/s an mBot makes on the floor
 *   at full PWM (≈ 105 rpm on a 20 cm circumference; the motors' 200 rpm is unloaded).
 * - deadBandPwm 40: below ≈ 40/255 the motors hum but do not overcome
 *   gearbox friction.
 * - motorVariation 0.02: two TT motors of one batch differ by a few percent,
 *   enough to make "straight" curve slightly, as real mBots do.
 * - accelTimeConstantMs 50: small DC gear motor plus a ≈ 0.5 kg robot reach
 *   63 % of a speed step in tens of ms.
 */
export const DEFAULT_DRIVE: Readonly<Required<DriveOptions>> = Object.freeze({
  wheelBaseCm: 11.5,
  maxSpeedCmPerS: 35,
  deadBandPwm: 40,
  motorVariation: 0.02,
  accelTimeConstantMs: 50,
});

/** Largest physics sub-step, ms. */
export const MAX_SUBSTEP_MS = 5;

/** Fills unset drive options with `DEFAULT_DRIVE` and checks every one (HIL_SIM_INVALID_OPTION). */
export function resolveDrive(partial: unknown = {}, option = 'drive'): Required<DriveOptions> {
  checkObject(option, partial);
  const d = { ...DEFAULT_DRIVE, ...stripUndefined(partial) } as Record<string, unknown>;
  return {
    wheelBaseCm: checkNumber(`${option}.wheelBaseCm`, d.wheelBaseCm, { min: 1, max: 100, unit: 'cm' }),
    maxSpeedCmPerS: checkNumber(`${option}.maxSpeedCmPerS`, d.maxSpeedCmPerS, {
      min: 0,
      minExclusive: true,
      max: 1_000,
      unit: 'cm/s',
    }),
    deadBandPwm: checkNumber(`${option}.deadBandPwm`, d.deadBandPwm, { min: 0, max: MAX_PWM - 1, unit: 'PWM counts' }),
    motorVariation: checkNumber(`${option}.motorVariation`, d.motorVariation, { min: 0, max: 0.2, unit: '(relative sd)' }),
    accelTimeConstantMs: checkNumber(`${option}.accelTimeConstantMs`, d.accelTimeConstantMs, {
      min: 0,
      max: 10_000,
      unit: 'ms',
    }),
  };
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Steady ground speed of a wheel, cm/s, for `pwm` (−255..255) and motor `gain` (1 = nominal). */
export function wheelSpeedCmPerS(pwm: number, drive: Required<DriveOptions>, gain = 1): number {
  const mag = Math.abs(pwm);
  if (mag <= drive.deadBandPwm) return 0;
  return Math.sign(pwm) * drive.maxSpeedCmPerS * ((mag - drive.deadBandPwm) / (MAX_PWM - drive.deadBandPwm)) * gain;
}

/**
 * Exact first-order response over `dtMs` from speed `v0` towards `target`:
 * the end speed and the distance covered (cm). Instant when `tauMs` is 0.
 */
export function lagStep(v0: number, target: number, dtMs: number, tauMs: number): { v: number; distCm: number } {
  const out = { v: 0, distCm: 0 };
  lagStepInto(out, v0, target, dtMs, tauMs);
  return out;
}

/** `lagStep` writing its result into `out` (no allocation; the same arithmetic). */
export function lagStepInto(out: { v: number; distCm: number }, v0: number, target: number, dtMs: number, tauMs: number): void {
  const dtS = dtMs / 1000;
  if (tauMs <= 0) {
    out.v = target;
    out.distCm = target * dtS;
    return;
  }
  const decay = Math.exp(-dtMs / tauMs);
  out.v = target + (v0 - target) * decay;
  out.distCm = target * dtS + (v0 - target) * (tauMs / 1000) * (1 - decay);
}

/**
 * Moves `pose` by wheel displacements `dl`, `dr` (cm) along a constant-curvature
 * arc: exact when both wheels' speeds are proportional over the step (always
 * for straight lines and spins).
 */
export function arcMove(pose: Pose, dl: number, dr: number, wheelBaseCm: number): Pose {
  const out = { xCm: pose.xCm, yCm: pose.yCm, headingRad: pose.headingRad };
  arcMoveInPlace(out, dl, dr, wheelBaseCm);
  return out;
}

/** `arcMove` applied to `pose` itself (no allocation; the same arithmetic). */
export function arcMoveInPlace(pose: Pose, dl: number, dr: number, wheelBaseCm: number): void {
  const ds = (dl + dr) / 2;
  const dTheta = (dr - dl) / wheelBaseCm;
  const th = pose.headingRad;
  if (Math.abs(dTheta) < 1e-12) {
    const x = pose.xCm + ds * Math.cos(th);
    const y = pose.yCm + ds * Math.sin(th);
    pose.xCm = x;
    pose.yCm = y;
    return;
  }
  const r = ds / dTheta;
  const th2 = th + dTheta;
  const x = pose.xCm + r * (Math.sin(th2) - Math.sin(th));
  const y = pose.yCm - r * (Math.cos(th2) - Math.cos(th));
  pose.xCm = x;
  pose.yCm = y;
  pose.headingRad = th2;
}

/** `rad` wrapped into (−π, π]. */
export function wrapAngleRad(rad: number): number {
  const w = rad - 2 * Math.PI * Math.floor((rad + Math.PI) / (2 * Math.PI));
  return w === -Math.PI ? Math.PI : w;
}

/**
 * What the physics predicts for both wheels at `pwm` for `durationMs` from
 * rest, with nominal gains (no motor variation): signed distance in cm along
 * the heading (negative when reversing). Includes the acceleration lag:
 * v·(T − τ·(1 − e^(−T/τ))). Use it as the expected value in a spec.
 */
export function predictStraightDistanceCm(pwm: number, durationMs: number, drive: Partial<DriveOptions> = {}): number {
  checkNumber('pwm', pwm, { min: -MAX_PWM, max: MAX_PWM });
  checkNumber('durationMs', durationMs, { min: 0, unit: 'ms' });
  const d = resolveDrive(drive);
  return lagStep(0, wheelSpeedCmPerS(pwm, d), durationMs, d.accelTimeConstantMs).distCm;
}

/**
 * Steady turn rate, rad/s (CCW positive), of a spin in place with the left
 * wheel at −pwm and the right at +pwm, nominal gains: 2·v(pwm)/wheelBase.
 */
export function predictSpinRateRadPerS(pwm: number, drive: Partial<DriveOptions> = {}): number {
  checkNumber('pwm', pwm, { min: -MAX_PWM, max: MAX_PWM });
  const d = resolveDrive(drive);
  return (2 * wheelSpeedCmPerS(pwm, d)) / d.wheelBaseCm;
}
