/**
 * The calibration drive: what a robot does while a session is recorded for
 * `mbot-hil drift --fit` (specs/robot/calibration.spec.ts runs it). Set up
 * like the simulator's start: the robot on open floor facing a flat wall
 * about 90 cm ahead of its ultrasonic, at least 80 cm wide. It first pivots
 * on each wheel alone and back (the gains of the two motors part there),
 * then drives straight at five PWM levels (two or more above any plausible
 * dead band, one inside the default band), each forward then back so the
 * robot ends where it began. Stops in between let the robot settle, and
 * the sonar readings while still give the ultrasonic's noise.
 */

/** One step: wheel commands in the WHEEL frame (−255..255, + = robot forward) held for `ms`. */
export interface CalibrationStep {
  left: number;
  right: number;
  ms: number;
  /** What the step is for, for logs and reports. */
  label: string;
}

/** Straight-drive PWM levels, fastest first. */
export const CALIBRATION_PWM_LEVELS: readonly number[] = Object.freeze([255, 160, 100, 70, 45]);
/** PWM and duration of each single-wheel pivot. */
export const CALIBRATION_PIVOT = Object.freeze({ pwm: 120, ms: 400, repeats: 2 });
/** Duration of each straight drive, ms. */
export const CALIBRATION_DRIVE_MS = 700;
/** Settling stop between moves, ms. */
export const CALIBRATION_STOP_MS = 400;
/** Still time before the first move (places the robot and sees the sonar's noise), ms. */
export const CALIBRATION_LEAD_MS = 800;

/** The whole routine, in order. */
export function calibrationRoutine(): CalibrationStep[] {
  const steps: CalibrationStep[] = [{ left: 0, right: 0, ms: CALIBRATION_LEAD_MS, label: 'still (start)' }];
  const stop = (after: string): CalibrationStep => ({ left: 0, right: 0, ms: CALIBRATION_STOP_MS, label: `still (after ${after})` });
  // Pivots first, while the robot still faces the wall square: a heading error picked up later
  // (the two wheels never start and stop in the same microsecond) would blur which wheel is stronger.
  const { pwm, ms, repeats } = CALIBRATION_PIVOT;
  for (const side of (['left', 'right'] as const).flatMap((s) => Array<typeof s>(repeats).fill(s))) {
    const w = (v: number): { left: number; right: number } => (side === 'left' ? { left: v, right: 0 } : { left: 0, right: v });
    steps.push({ ...w(pwm), ms, label: `${side} wheel forward ${pwm}` }, stop(`${side} wheel forward`));
    steps.push({ ...w(-pwm), ms, label: `${side} wheel back ${pwm}` }, stop(`${side} wheel back`));
  }
  for (const level of CALIBRATION_PWM_LEVELS) {
    steps.push({ left: level, right: level, ms: CALIBRATION_DRIVE_MS, label: `forward ${level}` }, stop(`forward ${level}`));
    steps.push({ left: -level, right: -level, ms: CALIBRATION_DRIVE_MS, label: `reverse ${level}` }, stop(`reverse ${level}`));
  }
  return steps;
}

/** Total duration of the routine, ms. */
export function calibrationDurationMs(): number {
  return calibrationRoutine().reduce((s, x) => s + x.ms, 0);
}
