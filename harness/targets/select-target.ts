/**
 * Chooses and builds the target from the environment, as the robot fixture
 * and the CLI do:
 *
 * | variable | values | default |
 * |---|---|---|
 * | `HIL_TARGET` | `sim`, `hardware` (set per Vitest project) | `sim` |
 * | `HIL_SEED` | safe integer, the simulator's seed | `1` |
 * | `HIL_CLOCK` | `virtual`, `wall` (sim target only) | `virtual` |
 * | `HIL_WIRING` | `johnny-five-examples`, `assembly-guide` | `johnny-five-examples` |
 * | `HIL_PORT` | a device path, `auto` (detect by USB id), `sim-pty`, `avr:<image>` (a bundled image's name or a .hex path: real firmware in the emulated ATmega328P), `replay:<file>` (a recording plays the robot), `tcp://host:port` (a robot on another computer) | auto |
 * | `HIL_PTY_PROVIDER` | who makes the PTY of `sim-pty`: `python3`, `socat`, `auto` (python3 when installed, else socat) | auto |
 * | `HIL_FIRMWARE` | firmware profile: `mbot-usb`, `mbot-bluetooth`, `standard-firmata` (the simulator: the first two) | `mbot-usb` |
 * | `HIL_BAUD` | baud rate the host opens the port at (sim and hardware); overrides the profile's | the profile's: 57600 (`mbot-usb`, `standard-firmata`), 115200 (`mbot-bluetooth`); `avr:` 57600 |
 * | `HIL_FIRMWARE_TIMEOUT_MS` | handshake timeout, ms | 10000 (hardware), 3000 (sim-pty), 5000 (sim) |
 * | `HIL_VERSION_QUERY_MS` | ms of silence before the host asks the board for its version | 2500 (hardware), 100 (sim-pty) |
 * | `HIL_BENCH` | bench name for reports | unset |
 * | `HIL_SIM_PROFILE` | a simulator profile file (`mbot-hil/sim-profile@1` JSON, docs/drift-and-calibration.md) for the simulator of `sim` and `sim-pty` | unset (the defaults) |
 * | `HIL_RECONNECT_WAIT_MS` | how long the test after a lost port waits for the device to come back, ms (0 = not at all) | 5000 |
 * | `HIL_RECORD` | record every byte both ways, the jig calls and the test boundaries to this file (sessions append), or to `<folder>/<spec>.hilrec` when it names a folder (docs/record-replay-and-remote.md) | unset |
 *
 * A bad value throws HIL_CONFIG_INVALID naming the variable and what it accepts.
 */
import { HilError } from '../errors.ts';
import { WIRING_PROFILES, type WiringProfileName } from '../../simulators/index.ts';
import { DEFAULT_FIRMWARE_PROFILE_ID, FIRMWARE_PROFILES, isFirmwareProfileId, type FirmwareProfileId } from '../../simulators/mbot/firmware-profiles.ts';
import { loadSimProfile, type SimProfile } from '../../simulators/mbot/sim-profile.ts';
import { standInLabel, startPtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { AVR_PORT_PREFIX, createAvrTarget } from './avr-target.ts';
import { createHardwareTarget } from './hardware-target.ts';
import { DEFAULT_RECONNECT_WAIT_MS } from './reconnect.ts';
import { createSimTarget } from './sim-target.ts';
import type { Target } from './target.ts';
import { resolveRecordPath, TargetRecorder } from '../record/record-target.ts';
import { createReplayTarget, REPLAY_PORT_PREFIX } from './replay-target.ts';
import type { BindingInterface } from '../../simulators/mbot/serial-types.ts';

/** `HIL_PORT` value that means "the simulator behind a PTY" (the stand-in: python3 relay or socat). */
export const SIM_PTY_PORT = 'sim-pty';

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
  /** `HIL_SIM_PROFILE`: the profile file and its validated content, for the simulator of `sim` and `sim-pty`. */
  simProfile?: { file: string; profile: SimProfile };
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
    ...(env.HIL_SIM_PROFILE ? { simProfile: { file: env.HIL_SIM_PROFILE, profile: loadSimProfile(env.HIL_SIM_PROFILE) } } : {}),
    record: env.HIL_RECORD || undefined,
  };
}

/**
 * Builds the target the settings describe (not yet connected). For
 * `HIL_PORT=sim-pty` this starts the PTY stand-in (PTY relay + simulator,
 * real time); the target's `dispose()` stops it, and `info.bench` names the
 * relay (python3 or socat). Rejects with HIL_PTY_UNAVAILABLE when neither
 * python3 nor socat is installed. For `HIL_PORT=avr:<image>` it loads the image
 * (HIL_AVR_FIRMWARE_UNAVAILABLE, HIL_AVR_HEX_INVALID, HIL_CONFIG_INVALID).
 */
export async function createTarget(settings: TargetSettings, context: { specFile?: string } = {}): Promise<Target> {
  if (settings.target === 'hardware' && settings.port?.startsWith(REPLAY_PORT_PREFIX)) {
    const file = settings.port.slice(REPLAY_PORT_PREFIX.length);
    if (file === '') bad('HIL_PORT', settings.port, 'replay:<recording file>');
    // A replay is not recorded again (HIL_RECORD is ignored): it would only copy the recording.
    return createReplayTarget({
      file,
      ...(context.specFile ? { specFile: context.specFile } : {}),
      ...(settings.baudRateFromEnv ? { baudRate: settings.baudRate } : {}),
      ...(settings.bench !== undefined ? { bench: settings.bench } : {}),
    });
  }
  if (settings.record === undefined) return createPortTarget(settings, undefined);
  // HIL_RECORD: every port the target opens goes through the recorder's binding; the session opens once the target exists.
  const recorder = new TargetRecorder(resolveRecordPath(settings.record, context.specFile));
  const target = await createPortTarget(settings, recorder.wrapBinding);
  const seedKnown = settings.target === 'sim' || settings.port === SIM_PTY_PORT || settings.port?.startsWith(AVR_PORT_PREFIX);
  return recorder.attach(target, {
    firmwareProfile: settings.firmware,
    baudRate: settings.baudRate,
    wiring: { ...WIRING_PROFILES[settings.wiring] },
    seed: seedKnown ? settings.seed : null,
    // The simulator's calibration, so `mbot-hil drift` can score a fit against the parameters that made the recording.
    ...(settings.simProfile && (settings.target === 'sim' || settings.port === SIM_PTY_PORT) ? { extra: { simProfile: settings.simProfile.profile } } : {}),
  });
}

async function createPortTarget(settings: TargetSettings, wrapBinding: ((b: BindingInterface) => BindingInterface) | undefined): Promise<Target> {
  const wrap = wrapBinding ? { wrapBinding } : {};
  if (settings.target === 'sim') {
    return createSimTarget({
      seed: settings.seed,
      wiring: settings.wiring,
      clock: settings.clock,
      firmware: settings.firmware,
      baudRate: settings.baudRate,
      ...(settings.simProfile ? { profile: settings.simProfile.profile } : {}),
      ...(settings.firmwareTimeoutMs !== undefined ? { firmwareTimeoutMs: settings.firmwareTimeoutMs } : {}),
      ...wrap,
    });
  }
  if (settings.port?.startsWith(AVR_PORT_PREFIX)) {
    return createAvrTarget({
      image: settings.port.slice(AVR_PORT_PREFIX.length),
      seed: settings.seed,
      wiring: settings.wiring,
      clock: settings.clock,
      ...(settings.baudRateFromEnv ? { baudRate: settings.baudRate } : {}),
      ...(settings.firmwareTimeoutMs !== undefined ? { firmwareTimeoutMs: settings.firmwareTimeoutMs } : {}),
      bench: settings.bench ?? `real firmware in the emulated ATmega328P (${settings.port}, seed ${settings.seed})`,
      ...wrap,
    });
  }
  if (settings.port === SIM_PTY_PORT) {
    // A board that resets when the port opens (python3 relay; with socat it boots once when serving
    // starts) and boots in 300 ms rather than a real board's 2 s.
    const profile = settings.simProfile?.profile;
    const standIn = await startPtyStandIn({ seed: settings.seed, wiring: settings.wiring, resetDelayMs: 300, firmware: settings.firmware, ...(profile ? { profile } : {}) });
    return createHardwareTarget({
      port: standIn.hostPath,
      portLabel: `${SIM_PTY_PORT}:${standIn.hostPath}`,
      firmware: settings.firmware,
      baudRate: settings.baudRate,
      baudRateFromEnv: settings.baudRateFromEnv,
      firmwareTimeoutMs: settings.firmwareTimeoutMs ?? 3000,
      // Ask almost at once: with socat nothing announces (no reset on open).
      versionQueryAfterMs: settings.versionQueryAfterMs ?? 100,
      jig: standIn.jig,
      bench: settings.bench ?? `${standInLabel(standIn.provider, settings.seed)}${settings.simProfile ? `, profile ${settings.simProfile.file}` : ''}`,
      release: () => standIn.close(),
      ...wrap,
    });
  }
  return createHardwareTarget({
    ...(settings.port !== undefined ? { port: settings.port } : {}),
    firmware: settings.firmware,
    baudRate: settings.baudRate,
    baudRateFromEnv: settings.baudRateFromEnv,
    ...(settings.firmwareTimeoutMs !== undefined ? { firmwareTimeoutMs: settings.firmwareTimeoutMs } : {}),
    ...(settings.versionQueryAfterMs !== undefined ? { versionQueryAfterMs: settings.versionQueryAfterMs } : {}),
    ...(settings.bench !== undefined ? { bench: settings.bench } : {}),
    ...wrap,
  });
}
