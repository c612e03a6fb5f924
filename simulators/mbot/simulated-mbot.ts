/**
 * `createSimulatedMbot`: the public entry of the simulator. One call gives a
 * serialport binding whose single port is an emulated mBot (mCore running
 * StandardFirmata 2.5 with ping-read and node-pixel, as Makeblock's mBot
 * Firmata is) in a simulated world, plus test controls: faults, the byte
 * trace, and `serve()` for a real stream. Its UART runs at the firmware
 * profile's rate (57600 baud by default); a host at another rate reads
 * garbage, as from a real board.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { createWallClock, type Clock } from '../../harness/clock/index.ts';
import { HilError } from '../../harness/errors.ts';
import type { LinkDirection, LinkOptions, ResolvedLinkOptions } from '../link/link-options.ts';
import { resolveLinkOptions } from '../link/link-options.ts';
import { createWorld } from '../world/index.ts';
import type { World, WorldOptions } from '../world/types.ts';
import { FIRMATA_FIRMWARE_VERSION, FIRMATA_PROTOCOL_VERSION } from '../../harness/mbot/firmata-constants.ts';
import { DEFAULT_FIRMWARE_PROFILE_ID, FIRMWARE_PROFILES, isFirmwareProfileId, type FirmwareProfile, type FirmwareProfileId } from '../../harness/mbot/firmware-profiles.ts';
import { MbotDevice } from './mbot-device.ts';
import { DEFAULT_WIRING, WIRING_PROFILES, type WiringProfile, type WiringProfileName } from '../../harness/mbot/mcore-pins.ts';
import type { BindingInterface, OpenOptions } from './serial-types.ts';
import type { SimPortBinding } from './sim-binding.ts';
import { parseSimProfile, simProfileOptions, type SimProfile } from './sim-profile.ts';
import type { Trace } from './trace.ts';

/** Default name in REPORT_FIRMWARE. */
export const DEFAULT_FIRMWARE_NAME = 'mbot-hil-sim/StandardFirmata.ino';
/** Default time from reset (port open) to the Firmata announce, ms: an Uno-class bootloader plus StandardFirmata's version blink. */
export const DEFAULT_RESET_DELAY_MS = 2000;

/** Longest accepted `resetDelayMs`, ms. */
export const MAX_RESET_DELAY_MS = 60_000;
/** Default period of the physics step + digital-input scan that runs while the robot moves with a line-follower pin reported, ms. */
export const DEFAULT_STEP_MS = 10;

/** Options of `createSimulatedMbot`; every field is optional and validated. */
export interface SimulatedMbotOptions {
  /** Root seed (safe integer): world noise, motor gains and link faults derive from it. Default 1. */
  seed?: number;
  /** Timeline. Default: a new wall clock (real time), so a plain Johnny-Five program works without a test framework. */
  clock?: Clock;
  /** Where the ultrasonic and line follower are plugged. Default 'johnny-five-examples'. */
  wiring?: WiringProfileName;
  /** Reset-to-announce delay after the port opens, ms (0..60,000). Default 2000. */
  resetDelayMs?: number;
  /** World options (arena, line map, drive, start pose, light, noise...). `seed` defaults to the simulator's seed. */
  world?: Partial<WorldOptions>;
  /**
   * Which firmware the board runs, by profile (`firmware-profiles.ts`):
   * 'mbot-usb' (default: Makeblock's mBot Firmata, UART at 57600) or
   * 'mbot-bluetooth' (its Bluetooth build, 115200). It sets the UART's rate;
   * 'standard-firmata' is refused (its 20-pin table is not the mCore's 22).
   */
  firmware?: FirmwareProfileId;
  /** Serial link model (latency, jitter, drop/corrupt rates; `baudRate` overrides the profile's rate). */
  link?: LinkOptions;
  /** Port path. Default unique per process: '/dev/ttyMBOTSIM0', '/dev/ttyMBOTSIM1', ... */
  path?: string;
  /** Name the firmware reports (printable ASCII, 1..64 chars). Default 'mbot-hil-sim/StandardFirmata.ino'; use 'node_pixel_firmata.ino' for node-pixel's firmware check. */
  firmwareName?: string;
  /**
   * Period of the physics step + digital-input scan, ms (1..100). Default 10.
   * It runs only while the robot moves and a line-follower pin is a reported
   * digital input (StandardFirmata scans inputs every loop, so a line edge is
   * reported at most `stepMs` late); otherwise physics is brought up to date
   * on demand and costs no timer.
   */
  stepMs?: number;
  /** Cap on stored trace entries (the digest covers all). Default 2,000,000. */
  traceMaxEntries?: number;
  /**
   * A calibration profile (`sim-profile.ts`, e.g. from `loadSimProfile` or
   * `HIL_SIM_PROFILE`): drive, motor gains, sensor noise, link timing, reset
   * delay. It sits under the explicit options: `world.drive.*`, `link.*` and
   * `resetDelayMs` given here win over the profile's. Default: none.
   */
  profile?: SimProfile;
  /** Answer unimplemented sysex commands with STRING_DATA "unsupported sysex 0xNN", a debugging aid; a real StandardFirmata is silent, and so is the simulator by default. Default false. */
  reportUnsupportedSysex?: boolean;
}

/** Fault injection and physical interventions. */
export interface SimulatedMbotFaults {
  /** Pulls the USB cable: an open SerialPortStream emits 'close' with a DisconnectedError; the port cannot be opened until `replug()`. The robot keeps moving (battery). */
  unplug(): void;
  /** Plugs the cable back in; the next open resets the board. */
  replug(): void;
  /** True while plugged in. */
  readonly plugged: boolean;
  /** Changes the link model from now on (validated like `options.link`). */
  setLink(options: LinkOptions): void;
  /** Link options in force. */
  readonly link: ResolvedLinkOptions;
  /** Flips one random bit in each of the next `n` bytes in `dir` (default 'to-host'). */
  corruptNext(n: number, dir?: LinkDirection): void;
  /** Loses the next `n` bytes in `dir` (default 'to-host'). */
  dropNext(n: number, dir?: LinkDirection): void;
  /** Presses the mCore's reset button (reboot, announce again). */
  pressReset(): void;
}

/** A running simulated mBot. Obligation: `await close()` when done. */
export interface SimulatedMbot {
  /** Pass to `new SerialPortStream({ binding, path, baudRate: sim.firmware.baudRate })`. */
  readonly binding: BindingInterface<SimPortBinding>;
  /**
   * A port constructor for libraries that open ports by path, serialport
   * style: `new sim.Transport(path, { baudRate })`. Give it to firmata-io
   * (`require('firmata-io')(sim.Transport)`, then `new Firmata(sim.path)`)
   * and the host opens at its own default rate (57600), as Johnny-Five opens
   * a real board by path.
   */
  readonly Transport: new (path: string, options?: Partial<Omit<OpenOptions, 'path'>> & { highWaterMark?: number; autoOpen?: boolean }) => Duplex;
  /** The one port of `binding`. */
  readonly path: string;
  /** The physics: pose, sensors, pen strokes, tone, LEDs. */
  readonly world: World;
  /** The clock everything runs on. */
  readonly clock: Clock;
  /** The root seed. */
  readonly seed: number;
  /** Pin assignment in force. */
  readonly wiring: WiringProfile;
  /** What the firmware reports: REPORT_FIRMWARE name and version, REPORT_VERSION protocol version; its profile and UART rate. */
  readonly firmware: {
    readonly profile: FirmwareProfile;
    /** Rate of the board's UART, baud (the profile's unless `link.baudRate` said otherwise). */
    readonly baudRate: number;
    readonly name: string;
    readonly version: { readonly major: number; readonly minor: number };
    readonly protocolVersion: { readonly major: number; readonly minor: number };
  };
  readonly faults: SimulatedMbotFaults;
  /** Every byte on the link, with times, digest and Firmata decoding. */
  readonly trace: Trace;
  /** Firmware state for assertions; `rxDroppedBytes` counts host bytes the full receive buffer lost. */
  status(): { booted: boolean; bootCount: number; hostConnected: boolean; plugged: boolean; samplingIntervalMs: number; rxDroppedBytes: number };
  /** Firmata mode of `pin` (0..21) as the firmware holds it. */
  pinMode(pin: number): number;
  /** Serves the board on a Duplex stream instead of the binding (see MbotDevice.serve); returns a stop function. */
  serve(stream: NodeJS.ReadWriteStream): () => void;
  /**
   * Tells the simulator the baud rate the far end of a served stream runs at
   * (a PTY host's port setting, which the stream does not carry); undefined =
   * unknown, taken to match. A rate other than the UART's garbles both ways.
   */
  setServedHostBaudRate(baudRate: number | undefined): void;
  /** Disconnects any host, stops all timers, disposes the default wall clock. Idempotent. */
  close(): Promise<void>;
}

let pathCounter = 0;
const livePaths = new Set<string>();

function invalid(option: string, range: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  throw new HilError('HIL_SIM_INVALID_OPTION', `createSimulatedMbot: ${option} must be ${range}; got ${shown}.`);
}

const KNOWN_OPTIONS = [
  'seed', 'clock', 'wiring', 'resetDelayMs', 'world', 'firmware', 'link', 'path', 'firmwareName', 'stepMs', 'traceMaxEntries', 'reportUnsupportedSysex', 'profile',
];

type StreamCtor = new (opts: Record<string, unknown>) => Duplex;
const SerialPortStream = (createRequire(import.meta.url)('@serialport/stream') as { SerialPortStream: StreamCtor }).SerialPortStream;

function resolveProfile(id: unknown): FirmwareProfile {
  const name = id ?? DEFAULT_FIRMWARE_PROFILE_ID;
  const simulated = Object.values(FIRMWARE_PROFILES).filter((p) => p.simulated).map((p) => p.id);
  if (!isFirmwareProfileId(name)) invalid('firmware', `one of ${simulated.join(', ')}`, name);
  const profile = FIRMWARE_PROFILES[name];
  if (!profile.simulated) {
    invalid('firmware', `one of ${simulated.join(', ')} (the simulator's pin table is the mCore's 22 pins; ${profile.title} describes ${profile.totalPins})`, name);
  }
  return profile;
}

function checkRange(option: string, v: unknown, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    invalid(option, `${integer ? 'an integer' : 'a number'} in ${min}..${max}`, v);
  }
  return v;
}

/** World options with a profile's drive, gains and noise under the explicit ones. */
function withProfile(explicit: Partial<WorldOptions> | undefined, fromProfile: Partial<WorldOptions> | undefined): Partial<WorldOptions> {
  if (fromProfile === undefined) return { ...explicit };
  const drive = { ...fromProfile.drive, ...explicit?.drive };
  const noise = { ...fromProfile.noise, ...explicit?.noise };
  const motorGains = explicit?.motorGains ?? fromProfile.motorGains;
  return { ...explicit, drive, noise, ...(motorGains !== undefined ? { motorGains } : {}) };
}

/**
 * Creates a simulated mBot. Throws HilError('HIL_SIM_INVALID_OPTION') naming
 * the option and its valid range when an option is bad.
 */
export function createSimulatedMbot(options: SimulatedMbotOptions = {}): SimulatedMbot {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) invalid(key, `one of the known options (${KNOWN_OPTIONS.join(', ')})`, key);
  }
  const fromProfile = options.profile === undefined ? undefined : simProfileOptions(parseSimProfile(options.profile, 'profile option'));
  const seed = options.seed === undefined ? 1 : checkRange('seed', options.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  const wiringName = options.wiring ?? DEFAULT_WIRING;
  if (!(wiringName in WIRING_PROFILES)) invalid('wiring', `one of ${Object.keys(WIRING_PROFILES).join(', ')}`, wiringName);
  const wiring = WIRING_PROFILES[wiringName];
  const resetDelayMs = options.resetDelayMs === undefined ? (fromProfile?.resetDelayMs ?? DEFAULT_RESET_DELAY_MS) : checkRange('resetDelayMs', options.resetDelayMs, 0, MAX_RESET_DELAY_MS);
  const stepMs = options.stepMs === undefined ? DEFAULT_STEP_MS : checkRange('stepMs', options.stepMs, 1, 100);
  const traceMaxEntries = options.traceMaxEntries === undefined ? undefined : checkRange('traceMaxEntries', options.traceMaxEntries, 0, 100_000_000, true);
  const firmwareName = options.firmwareName ?? DEFAULT_FIRMWARE_NAME;
  if (typeof firmwareName !== 'string' || !/^[\x20-\x7e]{1,64}$/.test(firmwareName)) {
    invalid('firmwareName', 'printable ASCII of 1..64 characters', firmwareName);
  }
  if (options.reportUnsupportedSysex !== undefined && typeof options.reportUnsupportedSysex !== 'boolean') {
    invalid('reportUnsupportedSysex', 'true or false', options.reportUnsupportedSysex);
  }
  const clock = options.clock;
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.setInterval !== 'function' || typeof clock.monotonicMs !== 'function')) {
    invalid('clock', 'a Clock from harness/clock (createClock)', clock);
  }
  const path = options.path ?? `/dev/ttyMBOTSIM${pathCounter++}`;
  if (typeof path !== 'string' || path.length === 0) invalid('path', 'a non-empty string', path);
  if (livePaths.has(path)) invalid('path', `a path no other open simulator uses (close the one on ${path} first)`, path);
  const profile = resolveProfile(options.firmware);
  const link = resolveLinkOptions({ baudRate: profile.baudRate, ...fromProfile?.link, ...options.link });
  if (options.world !== undefined && (typeof options.world !== 'object' || options.world === null)) invalid('world', 'an object of world options', options.world);

  const world = createWorld({ ...withProfile(options.world, fromProfile?.world), seed: options.world?.seed ?? seed });
  const ownClock = clock === undefined;
  const theClock = clock ?? createWallClock();
  const device = new MbotDevice({
    clock: theClock,
    world,
    rng: world.rng.fork('mbot-link'),
    wiring,
    path,
    firmwareName,
    resetDelayMs,
    stepMs,
    link,
    traceMaxEntries,
    reportUnsupportedSysex: options.reportUnsupportedSysex,
  });
  livePaths.add(path);

  const faults: SimulatedMbotFaults = {
    unplug: () => device.unplug(),
    replug: () => device.replug(),
    get plugged() {
      return device.link.plugged;
    },
    setLink: (o) => device.link.setOptions(o),
    get link() {
      return device.link.options;
    },
    corruptNext: (n, dir) => device.corruptNext(checkRange('corruptNext(n)', n, 0, 1e9, true), dir),
    dropNext: (n, dir) => device.dropNext(checkRange('dropNext(n)', n, 0, 1e9, true), dir),
    pressReset: () => device.pressReset(),
  };

  const binding = device.binding;
  class Transport extends SerialPortStream {
    constructor(portPath: string, opts: Record<string, unknown> = {}) {
      super({ ...opts, binding, path: portPath });
    }
  }

  return {
    binding,
    Transport,
    path,
    world: device.world,
    clock: theClock,
    seed,
    wiring,
    firmware: Object.freeze({
      profile,
      baudRate: link.baudRate,
      name: firmwareName,
      version: { ...FIRMATA_FIRMWARE_VERSION },
      protocolVersion: { ...FIRMATA_PROTOCOL_VERSION },
    }),
    faults,
    trace: device.trace,
    status: () => ({
      booted: device.firmware.booted,
      bootCount: device.firmware.bootCount,
      hostConnected: device.hostConnected,
      plugged: device.link.plugged,
      samplingIntervalMs: device.firmware.samplingIntervalMs,
      rxDroppedBytes: device.rx.droppedTotal,
    }),
    pinMode: (pin) => device.firmware.pins.modes[pin] ?? 0,
    serve: (stream) => device.serve(stream),
    setServedHostBaudRate: (baudRate) => {
      if (baudRate !== undefined) checkRange('setServedHostBaudRate(baudRate)', baudRate, 1, 4_000_000, true);
      device.setServedHostBaudRate(baudRate);
    },
    close: async () => {
      if (device.closed) return;
      await device.close();
      livePaths.delete(path);
      if (ownClock) theClock.dispose();
    },
  };
}
