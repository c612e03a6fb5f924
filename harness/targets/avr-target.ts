/**
 * The real-firmware target (`HIL_PORT=avr:<image>`): an mBot whose mCore runs
 * a real firmware image in the emulated ATmega328P (`simulators/avr`), opened
 * through serialport's `SerialPortStream` exactly as a real port, with the
 * simulated world wired to the chip's pins and standing in as the jig. The
 * firmware is real code, so specs check Johnny-Five against real firmware
 * behaviour, not only against our model of it.
 *
 * What the jig can do follows from the firmware: after the handshake the
 * capability table says whether the board has A6/A7 (light sensor, button),
 * PING_READ on the ultrasonic's pin, and node-pixel's LED protocol; a spec that
 * needs a missing one skips, and the jig's name says why.
 *
 * `kind` is 'hardware' (a serial port and a real firmware; no simulator
 * controls), the clock virtual by default (the chip runs as fast as the
 * emulation allows, exact at any load) or wall (`HIL_CLOCK=wall`), which
 * keeps time only while the emulator runs faster than real time: slower, and
 * the chip's catch-up delays the host's own timers.
 */
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '../../simulators/mbot/serial-types.ts';
import { createVirtualClock, createWallClock, type Clock } from '../clock/index.ts';
import { HilError } from '../errors.ts';
import { createAvrMbot, type AvrMbot } from '../../simulators/avr/avr-mbot.ts';
import { loadFirmware, type LoadedFirmware } from '../../simulators/avr/load-firmware.ts';
import type { WiringProfileName } from '../../simulators/index.ts';
import { PortTarget } from './port-target.ts';
import { ALL_JIG_CAPABILITIES, type Connected, type Jig, type JigCapability, type Target } from './target.ts';
import { createWorldJig } from '../../simulators/world/world-jig.ts';

/** `HIL_PORT` prefix of this target. */
export const AVR_PORT_PREFIX = 'avr:';

/** Baud rate the avr target opens at when `HIL_BAUD` is not given: StandardFirmata's Firmata.begin(57600). */
export const AVR_DEFAULT_BAUD_RATE = 57_600;

/** Clock ms to wait for the handshake on the virtual clock: the firmware's ≈ 1.9 s version blink, then the handshake. */
export const AVR_FIRMWARE_TIMEOUT_MS = 6000;

/**
 * The same on the wall clock, ms: the emulated chip may run slower than real
 * time on a loaded machine (1.1× at load 18 here, 3.7× quiet), so its 2 s of
 * boot can take several wall seconds.
 */
export const AVR_WALL_FIRMWARE_TIMEOUT_MS = 20_000;

/** Options of {@link createAvrTarget}. */
export interface AvrTargetOptions {
  /** What follows `avr:`: a bundled image's name or a .hex path ('' = standard-firmata). */
  image: string;
  seed?: number;
  wiring?: WiringProfileName;
  /** Default 'virtual' (installed for the target's life). */
  clock?: 'virtual' | 'wall';
  /** Default {@link AVR_DEFAULT_BAUD_RATE}. A rate the firmware's UART does not agree with gives garbage, as on a bench. */
  baudRate?: number;
  firmwareTimeoutMs?: number;
  bench?: string;
  /** Wraps the emulator's binding (HIL_RECORD records through it). */
  wrapBinding?: (binding: BindingInterface) => BindingInterface;
}

/** The avr target: a {@link Target} plus the emulated board. */
export interface AvrTarget extends Target {
  readonly kind: 'hardware';
  /** The emulated mBot (chip, world, speed figures). */
  readonly avr: AvrMbot;
}

const PING_READ_MODE = 0x75;

/** Jig abilities the board behind `live` cannot serve, each with the reason. */
export function missingAbilities(live: Connected, avr: AvrMbot): Map<JigCapability, string> {
  const missing = new Map<JigCapability, string>();
  const pins = live.io.pins as Array<{ supportedModes: number[] } | undefined>;
  const analog = live.io.analogPins as number[];
  const w = avr.wiring;
  if (analog.length <= w.lightSensorPin - 14) missing.set('light-sensor', `it has no A${w.lightSensorPin - 14} (${pins.length} pins)`);
  if (analog.length <= w.buttonPin - 14) missing.set('button', `it has no A${w.buttonPin - 14} (${pins.length} pins)`);
  // Johnny-Five calls a 20-pin board an UNO and translates pins 14..19 to A0..A5, i.e. to 0..5:
  // Sensor({ pin: 16, type: 'digital' }) then reads D2 (board.pins.js, Pins.translations.UNO.dtoa).
  const translated = [w.lineSensorPins.left, w.lineSensorPins.right].filter((p) => p >= 14 && p <= 19);
  if (pins.length === 20 && translated.length > 0) {
    missing.set('line-follower', `Johnny-Five takes pins ${translated.join('/')} of a 20-pin (UNO) board for A${translated.map((p) => p - 14).join('/A')} and reads D${translated.map((p) => p - 14).join('/D')} instead (HIL_WIRING=assembly-guide puts the line follower on 9/10)`);
  }
  if (!(pins[w.ultrasonicPin]?.supportedModes ?? []).includes(PING_READ_MODE)) {
    missing.set('obstacle', `it has no PING_READ (sysex 0x75) on pin ${w.ultrasonicPin}`);
  }
  if (!/pixel/i.test(live.firmware.name)) missing.set('rgb-leds', "it does not speak node-pixel's WS2812 sysex");
  // The emulator does not decode WS2812 bit streams: even node-pixel's firmware cannot light the world's LEDs yet.
  else missing.set('rgb-leds', 'the emulator does not decode its WS2812 bit stream on pin 13');
  return missing;
}

/**
 * Loads the image (fetching a bundled one on first use) and makes the
 * target; nothing is opened until `connect()`. Rejects with
 * HIL_AVR_FIRMWARE_UNAVAILABLE, HIL_AVR_HEX_INVALID or HIL_CONFIG_INVALID.
 */
export async function createAvrTarget(opts: AvrTargetOptions): Promise<AvrTarget> {
  const firmware: LoadedFirmware = await loadFirmware(opts.image);
  const clockChoice = opts.clock ?? 'virtual';
  if (clockChoice !== 'virtual' && clockChoice !== 'wall') {
    throw new HilError('HIL_CONFIG_INVALID', `avr target: clock must be 'virtual' or 'wall'; got ${String(clockChoice)}`);
  }
  const clock: Clock = clockChoice === 'virtual' ? createVirtualClock({ install: true }) : createWallClock();
  let avr: AvrMbot;
  try {
    avr = createAvrMbot({ firmware, clock, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.wiring ? { wiring: opts.wiring } : {}) });
  } catch (err) {
    clock.dispose();
    throw err;
  }
  const label = `${AVR_PORT_PREFIX}${firmware.label}`;
  const what = firmware.bundled?.summary ?? `${firmware.label} (sha256 ${firmware.sha256.slice(0, 12)})`;
  const capabilities = new Set<JigCapability>(ALL_JIG_CAPABILITIES);
  const baseJig = createWorldJig({
    world: avr.world,
    name: `simulator world on the pins of an emulated ATmega328P running ${what}`,
    unplug: async () => avr.faults.unplug(),
    replug: async () => avr.faults.replug(),
    injectNoise: (bytes) => avr.faults.corruptNext(bytes.length),
  });
  // The name carries why a capability is missing: needJig's skip reason quotes it.
  let jigName = baseJig.name;
  const jig: Jig = Object.defineProperties({ ...baseJig }, {
    name: { get: () => jigName, enumerable: true },
    capabilities: { value: capabilities, enumerable: true },
  });
  const base = new PortTarget({
    kind: 'hardware',
    info: { kind: 'hardware', port: label, ...(opts.bench ? { bench: opts.bench } : {}) },
    clock,
    jig,
    portLabel: `${label} (emulated ATmega328P)`,
    makePort: async () => {
      if (!avr.faults.plugged) throw new HilError('HIL_PORT_NOT_FOUND', `${label} is unplugged (jig.unplug()); call jig.replug() first`);
      return new SerialPortStream({ binding: opts.wrapBinding ? opts.wrapBinding(avr.binding) : avr.binding, path: avr.path, baudRate: opts.baudRate ?? AVR_DEFAULT_BAUD_RATE, autoOpen: false });
    },
    firmwareTimeoutMs: opts.firmwareTimeoutMs ?? (clockChoice === 'wall' ? AVR_WALL_FIRMWARE_TIMEOUT_MS : AVR_FIRMWARE_TIMEOUT_MS),
    // The chip resets on open and announces after its version blink; asking earlier only races the boot.
    versionQueryAfterMs: 3000,
    onConnected(live) {
      const missing = missingAbilities(live, avr);
      capabilities.clear();
      for (const c of ALL_JIG_CAPABILITIES) if (!missing.has(c)) capabilities.add(c);
      const reasons = [...missing].map(([c, why]) => `${c}: ${why}`).join('; ');
      jigName = reasons ? `${baseJig.name} — the firmware cannot serve ${reasons}` : baseJig.name;
    },
    async release() {
      try {
        await avr.close();
      } finally {
        clock.dispose();
      }
    },
  });
  return Object.assign(base, { kind: 'hardware' as const, avr });
}
