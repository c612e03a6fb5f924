/**
 * The companion with its robot: opens the robot exactly as the `robot`
 * fixture does (a target from `harness/targets/`, then the fixture's own
 * `RobotHandle` and Johnny-Five rig on it) and starts the companion on it.
 * The simulator by default; `robotPort` opens a serial port instead (a real
 * mBot, `auto` to detect one, or `sim-pty` for the simulator behind a socat
 * PTY), read through the same environment variables as the fixture.
 */
import type { Clock, VirtualClock } from '../../harness/clock/index.ts';
import { HilError } from '../../harness/errors.ts';
import { createTarget, readTargetSettings, SIM_PTY_PORT } from '../../harness/targets/select-target.ts';
import { createSimTarget, type SimTarget } from '../../harness/targets/sim-target.ts';
import type { Target, TargetInfo } from '../../harness/targets/target.ts';
import { DisconnectWatch } from '../../harness/robot/disconnect-watch.ts';
import { RobotHandle } from '../../harness/robot/robot-handle.ts';
import { WIRING_PROFILES, type WiringProfileName } from '../../simulators/index.ts';
import { startCompanion, type Companion, type CompanionOptions } from './companion-server.ts';
import { LinkWatch } from './link-watch.ts';
import { robotFromParts } from './robot-link.ts';

/** Options of {@link startCompanionHost}. */
export interface CompanionHostOptions {
  /** Serial port of the robot (`auto`, a device path, or `sim-pty`); undefined = the simulator in this process. */
  robotPort?: string;
  /** Simulator seed (sim and sim-pty). Default `HIL_SEED` or 1. */
  seed?: number;
  /** Wiring profile. Default `HIL_WIRING` or `johnny-five-examples`. */
  wiring?: WiringProfileName;
  /** Simulator clock: `wall` (default) or `virtual` (time moves only through `advance`). Ports are always wall. */
  clock?: 'wall' | 'virtual';
  /** Simulator boot delay after the port opens, ms (default the simulator's 2000). */
  resetDelayMs?: number;
  /**
   * Asks the board for this Firmata analog sampling interval (SAMPLING_INTERVAL,
   * ms) instead of the firmware's 19 ms. Telemetry still goes out at the
   * companion's rate; only how often the board refreshes the analog readings
   * changes. Soaks use it to make virtual minutes cheaper.
   */
  samplingIntervalMs?: number;
  /** Environment the hardware settings are read from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * One companion per entry, all on the one robot (everything but the robot
   * and clock; default one `reference` companion on a free port). Several
   * let an A/B run compare configurations on the same robot without paying
   * for a second process; a companion without clients costs next to nothing.
   */
  companions?: ReadonlyArray<Omit<CompanionOptions, 'robot' | 'clock'>>;
}

/** A running companion on its robot. */
export interface CompanionHost {
  /** The first (often only) companion. */
  readonly companion: Companion;
  /** Every companion, in the order of `options.companions`. */
  readonly companions: readonly Companion[];
  readonly target: Target;
  /** What the companion reads, for reports: kind, port, firmware. */
  readonly info: TargetInfo;
  /** Simulator seed; null on a real robot. */
  readonly seed: number | null;
  readonly clock: Clock;
  /** Advances a virtual clock by `ms` (resolves with the clock's epoch ms); throws HIL_CLOCK_MISUSE on a wall clock. */
  advance(ms: number): Promise<number>;
  /** Closes the companion, stops the robot (safe stop), closes the port, releases the target. Idempotent. */
  close(): Promise<void>;
}

/** Opens the robot and starts the companion on it. Rejects with the target's errors (HIL_PORT_*, HIL_FIRMWARE_*, HIL_PTY_UNAVAILABLE). */
export async function startCompanionHost(options: CompanionHostOptions = {}): Promise<CompanionHost> {
  const env = options.env ?? process.env;
  const base = readTargetSettings({ ...env, HIL_TARGET: options.robotPort === undefined ? 'sim' : 'hardware', HIL_PORT: options.robotPort ?? env.HIL_PORT });
  const seed = options.seed ?? base.seed;
  const wiring = options.wiring ?? base.wiring;
  let target: Target;
  if (options.robotPort === undefined) {
    target = createSimTarget({
      seed,
      wiring,
      clock: options.clock ?? 'wall',
      // The simulated robot shares the companion's process here; its byte
      // trace (2M entries by default) must not pass for the companion's heap.
      traceMaxEntries: 10_000,
      ...(options.resetDelayMs !== undefined ? { resetDelayMs: options.resetDelayMs } : {}),
    });
  } else {
    if (options.clock === 'virtual') {
      throw new HilError('HIL_CONFIG_INVALID', 'a virtual clock needs the in-process simulator; a serial port (--port) always runs on the wall clock');
    }
    // The options win over the environment here too (the PTY stand-in's simulator takes both).
    target = await createTarget({ ...base, seed, wiring });
  }
  const simSeed = target.kind === 'sim' ? (target as SimTarget).seed : options.robotPort === SIM_PTY_PORT ? seed : null;
  let handle: RobotHandle | undefined;
  let link: LinkWatch | undefined;
  const companions: Companion[] = [];
  try {
    handle = await RobotHandle.open({
      target,
      clock: target.clock,
      watch: new DisconnectWatch(target),
      wiring: WIRING_PROFILES[wiring],
      seed: simSeed,
      sim: target.kind === 'sim' ? (target as SimTarget).sim : undefined,
    });
    if (options.samplingIntervalMs !== undefined) {
      (handle.connection.io as unknown as { setSamplingInterval(ms: number): void }).setSamplingInterval(options.samplingIntervalMs);
    }
    const start = target.jig?.capabilities.has('pose') ? target.jig.pose() : undefined;
    const reconnectable = handle;
    // A lost port pauses the companion (no frozen telemetry, commands refused) until it reconnects.
    link = new LinkWatch({ onDisconnect: (l) => target.onDisconnect(l), reconnect: () => reconnectable.reconnect() });
    const robot = robotFromParts(handle, link);
    for (const c of options.companions?.length ? options.companions : [{}]) {
      companions.push(await startCompanion({ ...c, robot, clock: target.clock, pose: { ...c.pose, ...(start ? { start } : {}) } }));
    }
  } catch (err) {
    link?.dispose();
    await Promise.all(companions.map((c) => c.close().catch(() => {})));
    await handle?.close().catch(() => {});
    await target.dispose().catch(() => {});
    throw err;
  }
  const opened = handle;
  const watch = link as LinkWatch;
  let closing: Promise<void> | undefined;
  return {
    companion: companions[0] as Companion,
    companions,
    target,
    get info() { return { ...target.info }; },
    seed: simSeed,
    clock: target.clock,
    async advance(ms) {
      if (target.clock.kind !== 'virtual') throw new HilError('HIL_CLOCK_MISUSE', 'advance() needs the virtual clock (--clock virtual); wall time passes by itself');
      await (target.clock as VirtualClock).advance(ms);
      return target.clock.now();
    },
    close() {
      closing ??= (async () => {
        watch.dispose();
        await Promise.all(companions.map((c) => c.close().catch(() => {})));
        await opened.close().catch(() => {});
        await target.dispose().catch(() => {});
      })();
      return closing;
    },
  };
}
