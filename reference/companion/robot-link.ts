/**
 * The companion's view of the robot: read the sensors, run a command. The
 * reference implementation sits on the Johnny-Five parts of the `robot`
 * fixture (`fixtures/robot-rig.ts`), so the companion reads whatever the
 * fixture reads: the simulator on `sim`, a real mBot (or the PTY stand-in)
 * on `hardware`. Tests and benchmarks that want the companion without a
 * robot use {@link createScriptedRobot}.
 */
import { HilError } from '../../harness/errors.ts';
import type { TargetInfo } from '../../harness/metrics/snapshot.ts';
import type { FiveMotor } from '../../harness/targets/vendor.ts';
import type { Robot } from '../../harness/robot/robot-handle.ts';
import type { RobotCommand } from './inbound.ts';

/** One set of sensor readings; `null` where the sensor has not reported yet. */
export interface SensorReadings {
  /** Ultrasonic distance to the obstacle ahead, cm. */
  distanceCm: number | null;
  /** Light sensor on A6, raw ADC 0..1023 (brighter = higher). */
  light: number | null;
  /** Line follower: true where that sensor sees the dark line. */
  line: { left: boolean; right: boolean } | null;
  /** Onboard button held down. */
  button: boolean;
}

/** The link to the robot: `up` while commands reach it, `lost` from a lost port until it is back. */
export type LinkState = 'up' | 'lost';

/** A change of the link, as the companion tells its clients (`robot_link` event). */
export interface LinkChange {
  state: LinkState;
  /** `HIL_PORT_DISCONNECTED` when the link was lost. */
  code?: 'HIL_PORT_DISCONNECTED';
  /** What happened, and (when lost) that the companion reconnects by itself. */
  message: string;
}

/** Where link changes come from (the companion host's {@link LinkWatch}); a robot without one is always up. */
export interface LinkSource {
  readonly state: LinkState;
  /** Calls `fn` on every change; returns the unsubscribe function. */
  on(fn: (change: LinkChange) => void): () => void;
}

/** What the companion needs from a robot. Methods may throw a HilError (e.g. HIL_PORT_DISCONNECTED). */
export interface CompanionRobot {
  /** Target description for the `state` snapshot and reports. */
  readonly info: TargetInfo;
  /** The link now; while `lost`, `read()` is stale and `execute()` throws HIL_PORT_DISCONNECTED. */
  readonly link: LinkState;
  /** Calls `fn` on every link change; returns the unsubscribe function. */
  onLink(fn: (change: LinkChange) => void): () => void;
  /** Latest readings (cheap: the parts cache them; no serial round trip). */
  read(): SensorReadings;
  /** Calls `fn` on every button press/release; returns the unsubscribe function. */
  onButton(fn: (pressed: boolean) => void): () => void;
  /**
   * Runs one validated command; throws HIL_PORT_DISCONNECTED while the link
   * is lost. A `stop` returns a promise that resolves once the stop bytes
   * went out ahead of every queued drive write and the port drained them
   * (answer the client only then); other commands return nothing.
   */
  execute(command: RobotCommand): void | Promise<void>;
  /** Motors off and buzzer silent; never throws. */
  safeStop(): void;
}

/** The fixture parts the companion uses (a `Robot` from the `robot` fixture satisfies it). */
export type RobotParts = Pick<Robot, 'motors' | 'ultrasonic' | 'light' | 'button' | 'line' | 'buzzer' | 'leds' | 'pen' | 'target'>;

const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// The mBot's motors are mounted mirrored: a wheel "forward" is the left motor's
// reverse() and the right motor's forward() (DESIGN.md pin map).
function wheel(motor: FiveMotor, pwm: number, mirrored: boolean): void {
  if (pwm === 0) {
    motor.stop();
    return;
  }
  const forward = (pwm > 0) !== mirrored;
  if (forward) motor.forward(Math.abs(pwm));
  else motor.reverse(Math.abs(pwm));
}

/** The error `execute` throws while the link is lost. */
export function linkLostError(info: TargetInfo): HilError {
  return new HilError(
    'HIL_PORT_DISCONNECTED',
    `the robot on ${info.port ?? 'its port'} is not connected, so the command did not run; the companion reconnects by itself when the port returns (a robot_link "up" event says so)`,
  );
}

const ALWAYS_UP: LinkSource = { state: 'up', on: () => () => {} };

/**
 * A {@link CompanionRobot} on the fixture's Johnny-Five parts. `drive`
 * takes wheel PWMs in the robot's frame (+ = that wheel forward) and
 * handles the mirrored mounting; `pen` moves the pen servo; `buzzer` plays
 * `hz` for `durationMs` (0 Hz silences); `leds` sets one or both WS2812s.
 *
 * `link` (the companion host's {@link LinkWatch}) says when the port was
 * lost and when it is back: while lost, commands throw
 * HIL_PORT_DISCONNECTED instead of writing to a dead port; after a
 * reconnect the parts are new objects (`parts` must be read afresh, as the
 * `robot` fixture's getters are), and button listeners move to the new
 * button. Without `link` the robot is always up.
 */
export function robotFromParts(parts: RobotParts, link: LinkSource = ALWAYS_UP): CompanionRobot {
  const info: TargetInfo = {
    kind: parts.target.kind,
    ...(parts.target.port !== undefined ? { port: parts.target.port } : {}),
    ...(parts.target.firmware !== undefined ? { firmware: parts.target.firmware } : {}),
    ...(parts.target.bench !== undefined ? { bench: parts.target.bench } : {}),
  };
  // Button listeners live here and are attached to whichever button object
  // is current: a reconnect builds new parts, and the old button is dead.
  const buttonListeners = new Set<(pressed: boolean) => void>();
  const onPress = (): void => { for (const fn of [...buttonListeners]) fn(true); };
  const onRelease = (): void => { for (const fn of [...buttonListeners]) fn(false); };
  let attached: RobotParts['button'] | null = null;
  const attachButton = (): void => {
    const button = parts.button;
    if (button === attached) return;
    attached?.off('press', onPress);
    attached?.off('release', onRelease);
    button.on('press', onPress);
    button.on('release', onRelease);
    attached = button;
  };
  link.on((change) => { if (change.state === 'up' && buttonListeners.size > 0) attachButton(); });
  return {
    info,
    get link() { return link.state; },
    onLink: (fn) => link.on(fn),
    read() {
      const line = parts.line;
      return {
        distanceCm: finiteOrNull(parts.ultrasonic.cm),
        light: finiteOrNull(parts.light.value),
        line: line.sensors.left.value === null || line.sensors.left.value === undefined ? null : { left: line.left, right: line.right },
        button: parts.button.isDown === true,
      };
    },
    onButton(fn) {
      buttonListeners.add(fn);
      attachButton();
      return () => { buttonListeners.delete(fn); };
    },
    execute(command) {
      if (link.state !== 'up') throw linkLostError(info);
      switch (command.command) {
        case 'drive':
          wheel(parts.motors.left, command.left, true);
          wheel(parts.motors.right, command.right, false);
          return;
        case 'stop':
          parts.motors.left.stop();
          parts.motors.right.stop();
          // The byte-level stop jumps the write queue (drive values queued behind a flood are dropped).
          return parts.target.handle.safeStop();
        case 'pen':
          if (command.down) parts.pen.down();
          else parts.pen.up();
          return;
        case 'buzzer':
          if (command.hz === 0) parts.buzzer.noTone();
          else parts.buzzer.frequency(command.hz, command.durationMs);
          return;
        case 'leds':
          if (command.index === undefined) parts.leds.fill(command.rgb);
          else parts.leds.set(command.index, command.rgb);
      }
    },
    safeStop() {
      try {
        parts.motors.left.stop();
        parts.motors.right.stop();
        parts.buzzer.noTone();
      } catch {
        // the target's byte-level safe stop on close still runs
      }
    },
  };
}

/** Options of {@link createScriptedRobot}. */
export interface ScriptedRobotOptions {
  /** Readings to report; changed with `set`. */
  readings?: Partial<SensorReadings>;
  info?: TargetInfo;
}

/** A robot without hardware: readings you set, commands recorded. For unit tests and the benchmark. */
export interface ScriptedRobot extends CompanionRobot {
  /** Every command executed, oldest first (cleared with `commands.length = 0`). */
  readonly commands: RobotCommand[];
  /** Changes the readings; a changed `button` fires the button listeners. */
  set(readings: Partial<SensorReadings>): void;
  /** Pulls the cable: `link` becomes `lost` (listeners told) and commands throw HIL_PORT_DISCONNECTED. */
  unplug(): void;
  /** Puts it back: `link` becomes `up` (listeners told). */
  replug(): void;
}

/** Makes a {@link ScriptedRobot}. */
export function createScriptedRobot(options: ScriptedRobotOptions = {}): ScriptedRobot {
  let readings: SensorReadings = { distanceCm: 100, light: 512, line: { left: false, right: false }, button: false, ...options.readings };
  const listeners = new Set<(pressed: boolean) => void>();
  const commands: RobotCommand[] = [];
  const info = options.info ?? { kind: 'none' };
  let link: LinkState = 'up';
  const linkListeners = new Set<(change: LinkChange) => void>();
  const tell = (change: LinkChange): void => { for (const l of [...linkListeners]) l(change); };
  return {
    info,
    commands,
    get link() { return link; },
    onLink(fn) {
      linkListeners.add(fn);
      return () => { linkListeners.delete(fn); };
    },
    read: () => readings,
    onButton(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    execute(command) {
      if (link !== 'up') throw linkLostError(info);
      commands.push(command);
    },
    safeStop() { if (link === 'up') commands.push({ command: 'stop' }); },
    unplug() {
      if (link === 'lost') return;
      link = 'lost';
      tell({ state: 'lost', code: 'HIL_PORT_DISCONNECTED', message: 'the scripted robot was unplugged' });
    },
    replug() {
      if (link === 'up') return;
      link = 'up';
      tell({ state: 'up', message: 'the scripted robot is back' });
    },
    set(next) {
      const was = readings.button;
      readings = { ...readings, ...next };
      if (readings.button !== was) for (const l of [...listeners]) l(readings.button);
    },
  };
}
