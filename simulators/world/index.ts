/**
 * The simulated world of the emulated mBot: seeded randomness, arena, line
 * map, differential-drive physics, pen, and the `World` the Firmata device
 * drives. Frame and units: see types.ts.
 */
export type {
  ArenaSpec,
  DriveOptions,
  LineMapSpec,
  LinePath,
  MotorSide,
  Obstacle,
  PointCm,
  Pose,
  Rgb,
  Rng,
  RobotGeometry,
  Stroke,
  WallSegment,
  World,
  WorldOptions,
} from './types.ts';
export { createRng } from './rng.ts';
export { boxArena, DEFAULT_ARENA, raycastCm, validateArena } from './arena.ts';
export type { OvalTrackOptions } from './line-map.ts';
export { DEFAULT_LINE_MAP, distanceToSegmentCm, isOnLine, ovalTrack, validateLineMap } from './line-map.ts';
export {
  DEFAULT_DRIVE,
  MAX_PWM,
  MAX_SUBSTEP_MS,
  predictSpinRateRadPerS,
  predictStraightDistanceCm,
  resolveDrive,
  wheelSpeedCmPerS,
  wrapAngleRad,
} from './drive.ts';
export { DEFAULT_PEN_DOWN_THRESHOLD_DEG, MIN_POINT_SPACING_CM } from './pen.ts';
export {
  createWorld,
  DEFAULT_GEOMETRY,
  DEFAULT_LIGHT_LEVEL,
  DEFAULT_NOISE,
  DEFAULT_START_POSE,
  ECHO_US_PER_CM,
  ULTRASONIC_MAX_RANGE_CM,
} from './world.ts';
