/**
 * The drive model a fit tries parameters on: the simulator's own world
 * physics (simulators/world), driven by the wheel commands a session's host
 * gave, read by the ultrasonic at the times the host pinged, without noise.
 * Same arena and start pose as the simulator's defaults, so a session
 * recorded on the simulator (or on a robot set up like it: facing a flat
 * wall) is predicted sample for sample.
 */
import { createWorld, DEFAULT_START_POSE } from '../../simulators/world/index.ts';
import type { Pose, World } from '../../simulators/world/types.ts';
import type { WheelCommand } from './streams.ts';

/** The drive parameters a fit estimates. */
export interface DriveParams {
  /** Ground speed at PWM 255 of a nominal motor (the mean of the two wheels'), cm/s. */
  maxSpeedCmPerS: number;
  /** |PWM| at or below which a wheel does not move. */
  deadBandPwm: number;
  /** Each motor's gain (1 = nominal). */
  gainLeft: number;
  gainRight: number;
  /** First-order lag of wheel speed, ms. */
  accelTimeConstantMs: number;
}

/** When the robot was put somewhere: at `pose`, or at the simulator's start moved `shiftCm` along its heading. */
export interface StartEpoch {
  atMs: number;
  /** Where the jig placed it (world frame); undefined = the start pose, shifted. */
  pose?: Pose;
  /** Shift of the start pose along its heading, cm (+ = closer to the wall ahead); ignored with `pose`. */
  shiftCm: number;
}

function makeWorld(params: DriveParams): World {
  return createWorld({
    seed: 1,
    drive: {
      maxSpeedCmPerS: params.maxSpeedCmPerS,
      deadBandPwm: params.deadBandPwm,
      accelTimeConstantMs: params.accelTimeConstantMs,
      motorVariation: 0,
    },
    motorGains: { left: params.gainLeft, right: params.gainRight },
    noise: { ultrasonicSdCm: 0, lightSd: 0 },
  });
}

function shifted(shiftCm: number, start: Pose = DEFAULT_START_POSE): Pose {
  return {
    xCm: start.xCm + shiftCm * Math.cos(start.headingRad),
    yCm: start.yCm + shiftCm * Math.sin(start.headingRad),
    headingRad: start.headingRad,
  };
}

/** The noise-free ultrasonic reading, cm, at the simulator's start pose moved `shiftCm` along its heading. */
export function startDistanceCm(shiftCm = 0): number {
  const w = makeWorld({ maxSpeedCmPerS: 35, deadBandPwm: 40, gainLeft: 1, gainRight: 1, accelTimeConstantMs: 50 });
  w.setPose(shifted(shiftCm));
  return w.ultrasonicCm();
}

/**
 * Ultrasonic distances, cm, the model predicts at `sampleTimesMs` (ascending)
 * for `params`: the world starts at `epochs[0]`, is put back at its (shifted)
 * start at every later epoch, and applies each wheel command at its time.
 */
export function predictSonarCm(
  commands: readonly WheelCommand[],
  epochs: readonly StartEpoch[],
  sampleTimesMs: readonly number[],
  params: DriveParams,
): number[] {
  const world = makeWorld(params);
  type Ev = { atMs: number; order: number; apply: () => void };
  const events: Ev[] = [];
  for (const e of epochs) events.push({ atMs: e.atMs, order: 0, apply: () => world.reset({ pose: e.pose ?? shifted(e.shiftCm) }) });
  for (const c of commands) {
    events.push({
      atMs: c.atMs,
      order: 1,
      apply: () => {
        world.setWheel('left', c.left);
        world.setWheel('right', c.right);
      },
    });
  }
  events.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  const t0 = Math.min(epochs[0]?.atMs ?? 0, events[0]?.atMs ?? 0, sampleTimesMs[0] ?? 0);
  let now = t0;
  const advanceTo = (t: number): void => {
    if (t > now) {
      world.step(t - now);
      now = t;
    }
  };
  const out: number[] = [];
  let k = 0;
  for (const t of sampleTimesMs) {
    while (k < events.length && (events[k] as Ev).atMs <= t) {
      advanceTo((events[k] as Ev).atMs);
      (events[k] as Ev).apply();
      k++;
    }
    advanceTo(t);
    out.push(world.ultrasonicCm());
  }
  return out;
}
