/**
 * `createAvrMbot`: an mBot whose mCore runs a real firmware image in the
 * emulated ATmega328P, behind the same serialport binding as the simulator
 * (`mbot/sim-binding.ts`: opening the port pulses DTR, which resets the
 * chip; an unplug fails the pending read like a pulled cable). The chip runs
 * on the injected Clock: a clock interval of {@link AVR_STEP_MS} brings it up
 * to the clock's now, and so does every host write, so bytes reach the
 * firmware at their time on the wire and its replies reach the host at most
 * one step late. On a virtual clock it runs as fast as the emulation allows;
 * on a wall clock in real time (the emulator is faster than real time here).
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';
import { HilError } from '../../harness/errors.ts';
import { DEFAULT_WIRING, WIRING_PROFILES, type WiringProfile, type WiringProfileName } from '../../harness/mbot/mcore-pins.ts';
import type { BindingInterface } from '../mbot/serial-types.ts';
import { createSimBinding, type SimPortBinding, type SimPortHost } from '../mbot/sim-binding.ts';
import { createRng } from '../world/rng.ts';
import { createWorld } from '../world/index.ts';
import type { World, WorldOptions } from '../world/types.ts';
import { AvrMbotCore } from './avr-mbot-core.ts';
import type { LoadedFirmware } from './load-firmware.ts';

/** Period of the clock timer that runs the chip, ms. */
export const AVR_STEP_MS = 1;

/** Options of {@link createAvrMbot}. */
export interface AvrMbotOptions {
  /** The image to run (`loadFirmware`). */
  firmware: LoadedFirmware;
  /** Everything runs on it; not disposed by `close()`. */
  clock: Clock;
  /** World seed (safe integer). Default 1. */
  seed?: number;
  /** Where the ultrasonic and line follower are plugged. Default 'johnny-five-examples'. */
  wiring?: WiringProfileName;
  /** World options; `seed` defaults to `seed`. */
  world?: Partial<WorldOptions>;
  /** Port path. Default unique per process: '/dev/ttyMBOTAVR0', ... */
  path?: string;
}

/** A running emulated mBot. Obligation: `await close()`. */
export interface AvrMbot {
  readonly binding: BindingInterface<SimPortBinding>;
  readonly path: string;
  readonly world: World;
  readonly wiring: WiringProfile;
  readonly firmware: LoadedFirmware;
  /** The chip, its line and the world (tests, speed figures). */
  readonly core: AvrMbotCore;
  readonly faults: {
    /** Pulls the USB cable: the open port fails (HIL_PORT_DISCONNECTED upstream). The firmware keeps running (battery). */
    unplug(): void;
    /** Puts it back; the next open resets the chip. */
    replug(): void;
    readonly plugged: boolean;
    /** Flips one seeded random bit in each of the next `n` bytes to the host. */
    corruptNext(n: number): void;
  };
  /** Emulated ms since creation and wall ms spent running the chip. */
  readonly speed: { readonly emulatedMs: number; readonly wallMs: number };
  close(): Promise<void>;
}

let pathCounter = 0;

class AvrMbotDevice implements SimPortHost {
  readonly path: string;
  readonly binding: BindingInterface<SimPortBinding>;
  private port: SimPortBinding | undefined;
  private plugged = true;
  private closed = false;
  private readonly timer: ClockTimer;
  private readonly originMs: number;
  private corrupt = 0;
  private readonly rng;
  wallMs = 0;

  constructor(
    readonly core: AvrMbotCore,
    private readonly clock: Clock,
    path: string,
    seed: number,
  ) {
    this.path = path;
    this.rng = createRng(seed).fork('avr-link');
    this.originMs = clock.monotonicMs();
    this.binding = createSimBinding(this);
    this.timer = clock.setInterval(() => this.catchUp(), AVR_STEP_MS);
  }

  get available(): boolean {
    return this.plugged && !this.closed;
  }

  /** Runs the chip to the clock's now and hands what it sent to the host. */
  catchUp(): void {
    if (this.closed) return;
    const t0 = performance.now();
    this.core.advanceTo(this.clock.monotonicMs() - this.originMs);
    this.wallMs += performance.now() - t0;
    const out = this.core.toHost.splice(0);
    if (out.length === 0 || this.port === undefined) return;
    const bytes = Uint8Array.from(out, (b) => b.byte);
    for (let i = 0; i < bytes.length && this.corrupt > 0; i++, this.corrupt--) bytes[i] = (bytes[i] ?? 0) ^ (1 << this.rng.int(0, 7));
    this.port.deliver(bytes);
  }

  attach(port: SimPortBinding, baudRate: number): void {
    this.catchUp();
    this.port = port;
    this.core.uart.hostBaud = baudRate;
    this.core.reset();
  }

  detach(port: SimPortBinding): void {
    if (this.port !== port) return;
    this.catchUp();
    this.port = undefined;
    this.core.uart.hostBaud = undefined;
  }

  dtrPulse(port: SimPortBinding): void {
    if (this.port !== port) return;
    this.catchUp();
    this.core.reset();
  }

  baudChanged(port: SimPortBinding, baudRate: number): void {
    if (this.port !== port) return;
    this.catchUp();
    this.core.uart.hostBaud = baudRate;
  }

  write(bytes: Uint8Array): void {
    if (this.closed || !this.plugged) return;
    this.catchUp();
    this.core.hostWrite(bytes);
  }

  unplug(): void {
    if (!this.plugged || this.closed) return;
    this.catchUp();
    this.plugged = false;
    const port = this.port;
    this.port = undefined;
    this.core.uart.hostBaud = undefined;
    this.core.uart.clear();
    port?.disconnect();
  }

  replug(): void {
    if (!this.closed) this.plugged = true;
  }

  corruptNext(n: number): void {
    this.corrupt += n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.port?.disconnect();
    this.port = undefined;
    this.closed = true;
    try {
      this.clock.clearInterval(this.timer);
    } catch {
      // A disposed clock has no timers left.
    }
    // Let the serialport stream see the failed read and close (nextTick work, no timers).
    for (let i = 0; i < 4; i++) await new Promise<void>((resolve) => process.nextTick(resolve));
  }
}

function invalid(option: string, range: string, got: unknown): never {
  throw new HilError('HIL_SIM_INVALID_OPTION', `createAvrMbot: ${option} must be ${range}; got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}.`);
}

/** Makes an emulated mBot running `opts.firmware`. Throws HIL_SIM_INVALID_OPTION for a bad option. */
export function createAvrMbot(opts: AvrMbotOptions): AvrMbot {
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(seed)) invalid('seed', 'a safe integer', seed);
  const wiringName = opts.wiring ?? DEFAULT_WIRING;
  if (!Object.hasOwn(WIRING_PROFILES, wiringName)) invalid('wiring', Object.keys(WIRING_PROFILES).join(' or '), wiringName);
  const wiring = WIRING_PROFILES[wiringName];
  const path = opts.path ?? `/dev/ttyMBOTAVR${pathCounter++}`;
  const world = createWorld({ ...opts.world, seed: opts.world?.seed ?? seed });
  const core = new AvrMbotCore(opts.firmware.image, world, wiring);
  const device = new AvrMbotDevice(core, opts.clock, path, seed);
  return {
    binding: device.binding,
    path,
    world,
    wiring,
    firmware: opts.firmware,
    core,
    faults: {
      unplug: () => device.unplug(),
      replug: () => device.replug(),
      get plugged() {
        return device.available;
      },
      corruptNext: (n) => device.corruptNext(n),
    },
    get speed() {
      return { emulatedMs: core.nowMs, wallMs: device.wallMs };
    },
    close: () => device.close(),
  };
}
