/**
 * What a bench's test jig can do to the robot, and the simulator's world does
 * in its place: the contract between the targets (which offer a jig) and the
 * specs (which skip with a reason when a capability is missing).
 */
import type { JigCapability } from './capabilities.ts';

export type { JigCapability } from './capabilities.ts';
export { ALL_JIG_CAPABILITIES } from './capabilities.ts';

/**
 * A bench's physical test jig, or the simulator's world standing in for one
 * (on `sim` and on the PTY stand-in). Units are in the names. A method the
 * jig cannot perform is absent from `capabilities`; calling it throws
 * HIL_CONFIG_INVALID naming the missing capability.
 */
export interface Jig {
  /** Human-readable name for reports, e.g. `simulator world (seed 1)` or `bench jig v2`. */
  readonly name: string;
  /** What this jig can do; specs skip with a reason when a capability is missing. */
  readonly capabilities: ReadonlySet<JigCapability>;
  /** Holds the onboard button down (A7 reads low) until `releaseButton()`. */
  pressButton(): void;
  releaseButton(): void;
  /** Sets the light falling on the A6 sensor, as the raw 10-bit ADC reading it causes (0..1023). */
  setLightLevel(raw: number): void;
  /** Places the robot at (`xCm`, `yCm`) heading `headingDeg` (0 = +x, counter-clockwise). */
  placeRobot(pose: { xCm: number; yCm: number; headingDeg: number }): void;
  /** Current pose of the robot as the jig measures it. */
  pose(): { xCm: number; yCm: number; headingDeg: number };
  /** Distance the robot's centre travelled since the last reset, in cm (path length, not displacement). */
  odometerCm(): number;
  /** Distance from the ultrasonic's face to the nearest obstacle straight ahead, in cm, as the jig measures it (a world jig: the simulator's sensor model, with its noise). */
  obstacleDistanceCm(): number;
  /** Left/right line sensor ground truth: true when that sensor is over the dark line. */
  lineUnderSensors(): { left: boolean; right: boolean };
  /** Frequency the buzzer sounds now in Hz, or null when silent. */
  buzzerHz(): number | null;
  /** Strokes the pen has drawn since the last reset: polylines of points in cm. */
  strokes(): ReadonlyArray<ReadonlyArray<{ xCm: number; yCm: number }>>;
  /** True while the pen touches the paper. */
  penIsDown(): boolean;
  /** Colour of each onboard WS2812 LED as `[r, g, b]` 0..255. */
  leds(): ReadonlyArray<readonly [number, number, number]>;
  /** Pulls the USB cable: the host sees the port vanish (HIL_PORT_DISCONNECTED). */
  unplug(): Promise<void>;
  /** Puts the cable back; the next `connect()` succeeds again. */
  replug(): Promise<void>;
  /** Sends `bytes` of line noise from the robot to the host, as a bad cable would. */
  injectNoise(bytes: Uint8Array): void;
  /** Returns the world to its initial state (robot at the start pose, button up, light default, no strokes, odometer 0). */
  reset(): void;
}
