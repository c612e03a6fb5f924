/**
 * The one reader of a run's settings from the environment: the robot
 * fixture, the performance fixtures, the lab's capability checks and the CLI
 * all read them here.
 *
 * | variable | values | default |
 * |---|---|---|
 * | `HIL_TARGET` | `sim`, `hardware` (set per Vitest project) | `sim` |
 * | `HIL_SEED` | safe integer, the simulator's seed | `1` |
 * | `HIL_CLOCK` | `virtual`, `wall` (sim target only) | `virtual` |
 * | `HIL_WIRING` | `johnny-five-examples`, `assembly-guide` | `johnny-five-examples` |
 * | `HIL_PORT` | a device path, `auto` (detect by USB id), `sim-pty`, `avr:<image>` (a bundled image's name or a .hex path: real firmware in the emulated ATmega328P), `replay:<file>` (a recording plays the robot), `tcp://host:port` (a robot on another computer), `sim-tcp` (the PTY stand-in over a loopback TCP bridge) | auto |
 * | `HIL_PTY_PROVIDER` | who makes the PTY of `sim-pty`: `python3`, `socat`, `auto` (python3 when installed, else socat) | auto |
 * | `HIL_FIRMWARE` | firmware profile: `mbot-usb`, `mbot-bluetooth`, `standard-firmata` (the simulator: the first two) | `mbot-usb` |
 * | `HIL_BAUD` | baud rate the host opens the port at (sim and hardware); overrides the profile's | the profile's: 57600 (`mbot-usb`, `standard-firmata`), 115200 (`mbot-bluetooth`); `avr:` 57600 |
 * | `HIL_FIRMWARE_TIMEOUT_MS` | handshake timeout, ms | 10000 (hardware), 3000 (sim-pty), 5000 (sim) |
 * | `HIL_VERSION_QUERY_MS` | ms of silence before the host asks the board for its version | 2500 (hardware), 100 (sim-pty) |
 * | `HIL_BENCH` | bench name for reports | unset |
 * | `HIL_SIM_PROFILE` | a simulator profile file (`mbot-hil/sim-profile@1` JSON, docs/drift-and-calibration.md) for the simulator of `sim`, `sim-pty` and `sim-tcp`; read and checked when the target is made | unset (the defaults) |
 * | `HIL_RECONNECT_WAIT_MS` | how long the test after a lost port (or the file's teardown, to stop the robot) waits for the device to come back, ms (0 = not at all) | 5000 |
 * | `HIL_RECORD` | record every byte both ways, the jig calls and the test boundaries to this file (sessions append), or to `<folder>/<spec>.hilrec` when it names a folder (docs/record-replay-and-remote.md) | unset |
 *
 * A bad value throws HIL_CONFIG_INVALID naming the variable and what it accepts.
 */
import { HilError } from '../errors.ts';
import { DEFAULT_FIRMWARE_PROFILE_ID, FIRMWARE_PROFILES, isFirmwareProfileId, type FirmwareProfileId } from '../mbot/firmware-profiles.ts';
import { WIRING_PROFILES, type WiringProfileName } from '../mbot/mcore-pins.ts';
import { DEFAULT_RECONNECT_WAIT_MS } from './reconnect.ts';

/** `HIL_PORT` value that means "the simulator behind a PTY" (the stand-in: python3 relay or socat). */
export const SIM_PTY_PORT = 'sim-pty';

/**
 * `HIL_PORT` value that means "the simulator behind a PTY, reached over a
 * loopback TCP bridge" (`serve-port.ts`): the remote-bench path
 * (`tcp://`) end to end, with the stand-in's jig, and no robot.
 */
export const SIM_TCP_PORT = 'sim-tcp';

/** Default seed of simulator runs. */
export const DEFAULT_SEED = 1;

/** The settings read from the environment, validated. */
export interface TargetSettings {
  target: 'sim' | 'hardware';
  seed: number;
  clock: 'virtual' | 'wall';
  wiring: WiringProfileName;
  /** undefined = auto-detect. */
  port: string | undefined;
  /** Firmware profile (`HIL_FIRMWARE`): the simulator runs it, the host expects it. */
  firmware: FirmwareProfileId;
  /** Rate the host opens the port at: `HIL_BAUD`, else the profile's. */
  baudRate: number;
  /** True when `HIL_BAUD` set `baudRate` (it differs from the profile's on purpose, or by mistake). */
  baudRateFromEnv: boolean;
  firmwareTimeoutMs: number | undefined;
  versionQueryAfterMs: number | undefined;
  bench: string | undefined;
  /** Ms the next test waits for a vanished device (see `reconnect.ts`). */
  reconnectWaitMs: number;
  /** `HIL_SIM_PROFILE` as given: the simulator's profile file (loaded by `createTarget`); undefined = the defaults. */
  simProfileFile: string | undefined;
  /** `HIL_RECORD` as given: a file, or a folder for one file per spec file; undefined = no recording. */
  record: string | undefined;
}

type Env = Record<string, string | undefined>;

function bad(name: string, value: string, accepts: string): never {
  throw new HilError('HIL_CONFIG_INVALID', `${name}=${value} is not valid; it accepts ${accepts}`);
}

function intVar(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) bad(name, raw, `an integer in ${min}..${max}`);
  return n;
}

/** Reads and validates the settings; throws HIL_CONFIG_INVALID on the first bad variable. */
export function readTargetSettings(env: Env = process.env): TargetSettings {
  const target = env.HIL_TARGET || 'sim';
  if (target !== 'sim' && target !== 'hardware') bad('HIL_TARGET', target, "'sim' or 'hardware'");
  const clock = env.HIL_CLOCK || 'virtual';
  if (clock !== 'virtual' && clock !== 'wall') bad('HIL_CLOCK', clock, "'virtual' or 'wall'");
  const wiring = env.HIL_WIRING || 'johnny-five-examples';
  if (!(wiring in WIRING_PROFILES)) bad('HIL_WIRING', wiring, Object.keys(WIRING_PROFILES).map((w) => `'${w}'`).join(' or '));
  const port = env.HIL_PORT && env.HIL_PORT !== 'auto' ? env.HIL_PORT : undefined;
  const firmware = env.HIL_FIRMWARE || DEFAULT_FIRMWARE_PROFILE_ID;
  if (!isFirmwareProfileId(firmware)) bad('HIL_FIRMWARE', firmware, Object.keys(FIRMWARE_PROFILES).map((f) => `'${f}'`).join(', '));
  const baudFromEnv = intVar(env, 'HIL_BAUD', 300, 4_000_000);
  return {
    target,
    seed: intVar(env, 'HIL_SEED', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? DEFAULT_SEED,
    clock,
    wiring: wiring as WiringProfileName,
    port,
    firmware,
    baudRate: baudFromEnv ?? FIRMWARE_PROFILES[firmware].baudRate,
    baudRateFromEnv: baudFromEnv !== undefined,
    firmwareTimeoutMs: intVar(env, 'HIL_FIRMWARE_TIMEOUT_MS', 1, 600_000),
    versionQueryAfterMs: intVar(env, 'HIL_VERSION_QUERY_MS', 0, 600_000),
    bench: env.HIL_BENCH || undefined,
    reconnectWaitMs: intVar(env, 'HIL_RECONNECT_WAIT_MS', 0, 600_000) ?? DEFAULT_RECONNECT_WAIT_MS,
    simProfileFile: env.HIL_SIM_PROFILE || undefined,
    record: env.HIL_RECORD || undefined,
  };
}


/** True when the run is the simulator project (`HIL_TARGET` unset or `sim`). */
export function onSimTarget(settings: Pick<TargetSettings, 'target'>): boolean {
  return settings.target === 'sim';
}

/** True when the hardware project runs against the simulator behind a PTY (CI), not a robot. */
export function onPtyStandIn(settings: Pick<TargetSettings, 'target' | 'port'>): boolean {
  return settings.target === 'hardware' && (settings.port === SIM_PTY_PORT || settings.port === SIM_TCP_PORT);
}

/** The port a companion opens for this run's robot: undefined on the simulator (it runs one inside), else `HIL_PORT` or `auto`. */
export function robotPortOf(settings: Pick<TargetSettings, 'target' | 'port'>): string | undefined {
  return settings.target === 'sim' ? undefined : (settings.port ?? 'auto');
}
