/**
 * The sim target: the simulated mBot (`createSimulatedMbot`) behind its
 * serialport binding, opened with `SerialPortStream` exactly as the hardware
 * target opens a real port, so firmata-io and Johnny-Five cannot tell.
 *
 * Clock: a virtual clock installed for the target's lifetime by default
 * (Johnny-Five, firmata-io and the simulator all on fake timers; a spec's
 * `clock.sleep(2000)` costs no real time), or real time with
 * `clock: 'wall'` / `HIL_CLOCK=wall`. The simulator's own controls (world,
 * faults, trace) are `target.sim`; the same world also backs `target.jig`.
 *
 * Baud rate: the host opens the port at `baudRate` (HIL_BAUD), by default the
 * rate of the simulator's firmware profile; at any other rate the simulated
 * UART garbles the line both ways and the handshake times out, as on a bench.
 */
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '../../simulators/mbot/serial-types.ts';
import { createVirtualClock, createWallClock, type Clock } from '../clock/index.ts';
import { HilError } from '../errors.ts';
import { createSimulatedMbot, type SimulatedMbot, type SimulatedMbotOptions } from '../../simulators/index.ts';
import { PortTarget } from './port-target.ts';
import type { Target } from './target.ts';
import { createWorldJig } from './world-jig.ts';

/** Clock ms the sim target waits for the handshake (the sim announces 2000 ms after the open). */
export const DEFAULT_SIM_FIRMWARE_TIMEOUT_MS = 5000;

/** Options of {@link createSimTarget}. */
export interface SimTargetOptions extends Omit<SimulatedMbotOptions, 'clock'> {
  /**
   * `'virtual'` (default): a new virtual clock, installed for the target's
   * life and disposed with it. `'wall'`: a new wall clock. A Clock: used as
   * is and not disposed (its owner installs it if it is virtual).
   */
  clock?: 'virtual' | 'wall' | Clock;
  /** Handshake timeout, clock ms. Default {@link DEFAULT_SIM_FIRMWARE_TIMEOUT_MS}. */
  firmwareTimeoutMs?: number;
  /** Rate the host opens the port at. Default: the simulator's UART rate (its firmware profile's). */
  baudRate?: number;
  /** Wraps the simulator's binding (HIL_RECORD records through it). */
  wrapBinding?: (binding: BindingInterface) => BindingInterface;
}

/** A sim target: a {@link Target} plus the simulator's test controls. */
export interface SimTarget extends Target {
  readonly kind: 'sim';
  /** The simulator: world, faults (unplug, corrupt, ...), byte trace, firmware status. */
  readonly sim: SimulatedMbot;
  /** Seed the simulator was made with. */
  readonly seed: number;
}

function makeClock(choice: SimTargetOptions['clock']): { clock: Clock; owned: boolean } {
  if (choice === undefined || choice === 'virtual') return { clock: createVirtualClock({ install: true }), owned: true };
  if (choice === 'wall') return { clock: createWallClock(), owned: true };
  if (typeof choice === 'object' && choice !== null && typeof choice.sleep === 'function') return { clock: choice, owned: false };
  throw new HilError('HIL_CONFIG_INVALID', `sim target: clock must be 'virtual', 'wall' or a Clock; got ${String(choice)}`);
}

/**
 * Makes a sim target. Throws HIL_CLOCK_MISUSE when a virtual clock is asked
 * for while another one is installed, HIL_SIM_INVALID_OPTION for bad
 * simulator options. Nothing is opened until `connect()`.
 */
export function createSimTarget(opts: SimTargetOptions = {}): SimTarget {
  const { clock: clockChoice, firmwareTimeoutMs, baudRate, wrapBinding, ...simOptions } = opts;
  const { clock, owned } = makeClock(clockChoice);
  let sim: SimulatedMbot;
  try {
    sim = createSimulatedMbot({ ...simOptions, clock });
  } catch (err) {
    if (owned) clock.dispose();
    throw err;
  }
  const hostBaudRate = baudRate ?? sim.firmware.baudRate;
  const binding = wrapBinding ? wrapBinding(sim.binding) : sim.binding;
  const jig = createWorldJig({
    world: sim.world,
    name: `simulator world (seed ${sim.seed}, wiring ${sim.wiring.name})`,
    unplug: async () => sim.faults.unplug(),
    replug: async () => sim.faults.replug(),
    injectNoise: (bytes) => sim.faults.corruptNext(bytes.length),
  });
  const base = new PortTarget({
    kind: 'sim',
    info: { kind: 'sim', port: sim.path },
    clock,
    jig,
    portLabel: `simulated mBot on ${sim.path}`,
    makePort: async () => {
      if (!sim.faults.plugged) {
        throw new HilError('HIL_PORT_NOT_FOUND', `the simulated mBot on ${sim.path} is unplugged (faults.unplug()); call faults.replug() or jig.replug() first`);
      }
      return new SerialPortStream({ binding, path: sim.path, baudRate: hostBaudRate, autoOpen: false });
    },
    line: { baudRate: hostBaudRate, profile: sim.firmware.profile, baudRateFromEnv: baudRate !== undefined && baudRate !== sim.firmware.baudRate },
    firmwareTimeoutMs: firmwareTimeoutMs ?? DEFAULT_SIM_FIRMWARE_TIMEOUT_MS,
    // The sim resets on open and announces like a board; asking earlier would only race the boot.
    versionQueryAfterMs: 3000,
    async release() {
      try {
        await sim.close();
      } finally {
        if (owned) clock.dispose();
      }
    },
  });
  return Object.assign(base, { kind: 'sim' as const, sim, seed: sim.seed });
}
