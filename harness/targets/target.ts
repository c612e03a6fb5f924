/**
 * The target seam: what a spec's robot runs against. One interface, two
 * implementations: `sim-target.ts` (the simulated mBot behind serialport's
 * mock binding, on a virtual or wall clock) and `hardware-target.ts` (a real
 * serial port: a bench mBot, or the simulator behind a PTY). Nothing
 * above this seam knows which one it has, except through `info.kind` and the
 * optional test controls (`sim`, `jig`), whose absence is a capability
 * answer, never an error.
 *
 * Life cycle: `connect()` -> (`safeStop()` any number of times) ->
 * `close()` -> `connect()` again if needed -> `dispose()` once.
 */
import type { SerialPortStream } from '@serialport/stream';
import type { Clock } from '../clock/index.ts';
import type { HilError } from '../errors.ts';
import type { TargetInfo } from '../metrics/snapshot.ts';
import type { TestMarks } from './test-marks.ts';
import type { FirmataIo, FiveBoard } from './vendor.ts';

export type { TargetInfo };

/** Firmware identity as the board reported it (QUERY_FIRMWARE), e.g. `{ name: 'StandardFirmata.ino', version: '2.5' }`. */
export interface FirmwareInfo {
  name: string;
  version: string;
}

/**
 * One live connection: an open port with firmata-io and a ready Johnny-Five
 * board on it. Valid until the port closes (by `close()` or a disconnect);
 * after that every write is dropped and a new `connect()` makes a new one.
 */
export interface Connected {
  /** The open serial stream (mock binding on sim, real binding on hardware). */
  readonly port: SerialPortStream;
  /** firmata-io host on `port`; `isReady` is true. */
  readonly io: FirmataIo;
  /** Johnny-Five board on `io` (repl, debug and J5's own SIGINT handler off); `isReady` is true. */
  readonly board: FiveBoard;
  /** What the board reported in the handshake. */
  readonly firmware: FirmwareInfo;
  /** Wall-clock ms the handshake took, from opening the port to board ready (virtual ms on a virtual clock). */
  readonly handshakeMs: number;
  /** Set once the port went away unexpectedly (code HIL_PORT_DISCONNECTED); null while connected or after a clean close. */
  readonly disconnected: HilError | null;
}

/** Why a disconnect listener was called; `error.code` is HIL_PORT_DISCONNECTED. */
export type DisconnectListener = (error: HilError) => void;

/**
 * Something that halts host-side activity (a Johnny-Five tone timer, an
 * animation) before the safe-stop bytes go out. Called synchronously; must
 * not throw (a throw is swallowed so the stop bytes still go out).
 */
export type Quiescer = () => void;

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

/** Names of {@link Jig} abilities. */
export type JigCapability =
  | 'button' | 'light' | 'pose' | 'odometer' | 'obstacle' | 'line'
  | 'buzzer' | 'pen' | 'leds' | 'unplug' | 'noise';

/** Every jig capability, for jigs that have them all (the simulator's world). */
export const ALL_JIG_CAPABILITIES: readonly JigCapability[] = [
  'button', 'light', 'pose', 'odometer', 'obstacle', 'line', 'buzzer', 'pen', 'leds', 'unplug', 'noise',
];

/**
 * What a spec's robot runs against.
 *
 * Obligations of every implementation:
 * - `connect()` opens the port, builds firmata-io's `Firmata` and a
 *   Johnny-Five `Board` on it and resolves once both are ready, within the
 *   target's firmware timeout measured on `clock`; otherwise it closes the
 *   port and rejects with HIL_FIRMWARE_TIMEOUT whose message lists the bytes
 *   received (or says none were). A port that cannot be found rejects with
 *   HIL_PORT_NOT_FOUND, one that cannot be opened with HIL_PORT_OPEN_FAILED.
 *   Calling it while connected returns the live connection.
 * - `safeStop()` writes, at the Firmata byte level (not through
 *   Johnny-Five), PWM 0 to the motor pins 6 and 5, LOW to the direction pins
 *   7 and 4 and LOW to the buzzer pin 8, after calling every quiescer; it
 *   never touches the pen servo. It is idempotent, never rejects, and does
 *   nothing when not connected. It resolves once the bytes are drained.
 * - `close()` ALWAYS runs `safeStop()` first, then drains, then closes the
 *   port. Idempotent; never rejects for a port that is already gone.
 * - An unexpected port loss is reported within 1 s to every disconnect
 *   listener with HIL_PORT_DISCONNECTED, and `connected.disconnected` is set.
 * - `dispose()` closes and then releases what the target owns (virtual
 *   clock, simulator, PTY, process handlers). After it, `connect()` rejects.
 */
export interface Target {
  readonly kind: 'sim' | 'hardware';
  /** Plain-JSON description for reports; `firmware` is filled in by the first successful `connect()`. */
  readonly info: TargetInfo;
  /** The clock every timeout and timestamp of this target uses (virtual on sim by default). */
  readonly clock: Clock;
  /** The live connection, or null before `connect()`, after `close()` and after a disconnect. */
  readonly connected: Connected | null;
  /** The test jig, or undefined when the bench has none. */
  readonly jig: Jig | undefined;
  /** Present on targets that record or replay (`HIL_RECORD`, `HIL_PORT=replay:`): the fixture marks each test on it. */
  readonly testMarks?: TestMarks;
  connect(): Promise<Connected>;
  safeStop(): Promise<void>;
  close(): Promise<void>;
  dispose(): Promise<void>;
  /** Calls `listener` on an unexpected port loss; returns an unsubscribe function. */
  onDisconnect(listener: DisconnectListener): () => void;
  /** Registers a quiescer run at the start of every safe stop; returns an unregister function. */
  addQuiescer(fn: Quiescer): () => void;
}
