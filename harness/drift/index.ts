/**
 * Drift between the simulator and a robot, and calibration (`mbot-hil
 * drift`, docs/drift-and-calibration.md): the calibration drive a recording
 * is made of, the run that compares a recording with the simulator and fits
 * simulator parameters, and the report it writes.
 */
export { calibrationDurationMs, calibrationRoutine, CALIBRATION_PWM_LEVELS } from './calibration-routine.ts';
export type { CalibrationStep } from './calibration-routine.ts';
export { runDrift } from './drift-run.ts';
export type { DriftOptions, DriftResult, FitParameter, SessionSummary } from './drift-run.ts';
export type { DriftRow, DriftVerdict } from './compare.ts';
