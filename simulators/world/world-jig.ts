/**
 * A test jig backed by the simulator's world: what a physical jig on a bench
 * would do (press the button, shine a lamp, put the robot somewhere, measure
 * how far it went, look at the paper), done to the simulated world instead.
 * Used by the sim target and by the PTY stand-in, so a spec that needs a jig
 * runs unchanged on both.
 */
import { HilError } from '../../harness/errors.ts';
import type { World } from './types.ts';
import { ALL_JIG_CAPABILITIES, type Jig, type JigCapability } from '../../harness/mbot/jig.ts';

/** What the world jig needs besides the world: the cable faults of the link in use. */
export interface WorldJigDeps {
  world: World;
  /** E.g. `simulator world (seed 1)`. */
  name: string;
  /** Pulls the cable (the host sees a disconnect). */
  unplug(): Promise<void>;
  /** Puts it back. */
  replug(): Promise<void>;
  /** Sends line noise from the robot to the host. */
  injectNoise(bytes: Uint8Array): void;
}

const RAD_PER_DEG = Math.PI / 180;

function checkRaw(raw: number): number {
  if (!Number.isFinite(raw) || raw < 0 || raw > 1023) {
    throw new HilError('HIL_CONFIG_INVALID', `jig.setLightLevel: the level is a raw 10-bit ADC reading 0..1023; got ${raw}`);
  }
  return Math.round(raw);
}

/**
 * Makes a jig over `deps.world`. `odometerCm()` counts from the last
 * `reset()` (the world's own odometer never resets). Every capability is
 * present.
 */
export function createWorldJig(deps: WorldJigDeps): Jig {
  const { world } = deps;
  let odometerBaseCm = world.odometerCm;
  return {
    name: deps.name,
    capabilities: new Set<JigCapability>(ALL_JIG_CAPABILITIES),
    pressButton: () => world.pressButton(),
    releaseButton: () => world.releaseButton(),
    setLightLevel: (raw) => world.setLightLevel(checkRaw(raw)),
    placeRobot: (pose) => world.setPose({ xCm: pose.xCm, yCm: pose.yCm, headingRad: pose.headingDeg * RAD_PER_DEG }),
    pose: () => {
      const p = world.pose;
      return { xCm: p.xCm, yCm: p.yCm, headingDeg: p.headingRad / RAD_PER_DEG };
    },
    odometerCm: () => world.odometerCm - odometerBaseCm,
    obstacleDistanceCm: () => world.ultrasonicCm(),
    lineUnderSensors: () => world.lineSensors(),
    buzzerHz: () => (world.toneHz > 0 ? world.toneHz : null),
    strokes: () => world.strokes.map((s) => s.points.map((p) => ({ xCm: p.xCm, yCm: p.yCm }))),
    penIsDown: () => world.penDown,
    leds: () => world.leds.map((c) => [c.r, c.g, c.b] as const),
    unplug: () => deps.unplug(),
    replug: () => deps.replug(),
    injectNoise: (bytes) => deps.injectNoise(bytes),
    reset: () => {
      world.reset();
      odometerBaseCm = world.odometerCm;
    },
  };
}
