/**
 * The hardware stand-in: the simulated mBot behind a PTY pair (`pty-pair.ts`:
 * Python 3's relay, or socat), so the hardware target (and any other
 * program: a Johnny-Five script, the companion) opens a real tty with
 * serialport's real binding.
 *
 *   hardware target --real binding--> <dir>/host ==relay== <dir>/sim <--real binding-- SerialPort + sim.serve()
 *
 * The simulator runs in real time (a wall clock) because the host on the
 * other side does. The firmware boots when serving starts. A PTY carries no
 * DTR line; with the python3 relay, which sees the host open its end, the
 * board resets on every open and announces `resetDelayMs` later, as a real
 * board does after its DTR reset (`resetOnOpen`), so a Johnny-Five program
 * is ready in about that long instead of waiting firmata-io's 5 s
 * `reportVersionTimeout`. With socat no open is visible: the board boots
 * once and the host asks for the version (the hardware target does, see
 * handshake.ts).
 *
 * The stand-in's jig is backed by its simulator's world, so specs that need
 * a jig run on "hardware" here too; `unplug()` ends the relay (the host
 * sees the tty hang up, as when a USB cable is pulled) and `replug()` starts
 * it again on the same link paths. A relay that dies by itself counts as an
 * unplug (`onLost` says so), and `replug()` brings it back.
 *
 * Line speed: the simulator's UART runs at its firmware profile's rate
 * (57600 by default). A PTY passes bytes at any setting, so the stand-in
 * reads the rate the host set on its end (`line-speed.ts`: through the
 * python3 relay, which opens nothing; with socat, `stty`) and
 * tells the simulator, which then garbles the line both ways when the two
 * differ: a hardware target at the wrong HIL_BAUD fails here as on a bench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { createWallClock, type Clock } from '../../harness/clock/index.ts';
import { HilError } from '../../harness/errors.ts';
import type { Jig } from '../../harness/mbot/jig.ts';
import { createWorldJig } from '../world/world-jig.ts';
import { createSimulatedMbot, type SimulatedMbot, type SimulatedMbotOptions } from '../index.ts';
import { LineSpeedWatch } from './line-speed.ts';
import { startPtyPair, type PtyPair, type PtyPairExit, type PtyProvider } from './pty-pair.ts';

/** Options of {@link startPtyStandIn}: the simulator's, minus the clock (always a wall clock here). */
export interface PtyStandInOptions extends Omit<SimulatedMbotOptions, 'clock' | 'path'> {
  /** Directory for the links. Default: a fresh temp dir, removed by `close()` (and by the relay if this process dies). */
  dir?: string;
  /** Who makes the PTY pair. Default `auto` (`HIL_PTY_PROVIDER`, else python3 when installed, else socat). */
  provider?: PtyProvider | 'auto';
  /** Reset the board whenever a host opens the device, as DTR does (needs a provider that sees opens: python3). Default true. */
  resetOnOpen?: boolean;
}

/** A running stand-in. Obligation: `await close()` (kills socat, closes the simulator). */
export interface PtyStandIn {
  /** The stable device path the host opens (a symlink to the current /dev/pts/N). */
  readonly hostPath: string;
  /** The /dev/pts devices behind the links right now. */
  readonly devices: { readonly host: string; readonly sim: string };
  /** The simulator behind the PTY: world, faults, trace. */
  readonly sim: SimulatedMbot;
  /** A jig backed by the simulator's world, with unplug/replug through socat. */
  readonly jig: Jig;
  /** The wall clock the simulator runs on. */
  readonly clock: Clock;
  /** Who makes the PTY pair. */
  readonly provider: PtyProvider;
  /** True when the board resets as a host opens the device (python3 with `resetOnOpen`). */
  readonly resetsOnOpen: boolean;
  /** Process id of the relay (socat's watchdog for socat) while it runs. */
  readonly relayPid: number | undefined;
  /** Calls `listener` when the relay ended by itself (the host end is gone until `replug()`). Returns an unsubscribe function. */
  onLost(listener: (exit: PtyPairExit) => void): () => void;
  /** True while the PTY pair is up (between `replug()` and `unplug()`). */
  readonly plugged: boolean;
  /** Stops socat: the host's port hangs up (HIL_PORT_DISCONNECTED there). The robot keeps its last commands (battery). */
  unplug(): Promise<void>;
  /** Restarts socat on the same paths and serves the simulator again (the board boots again). */
  replug(): Promise<void>;
  close(): Promise<void>;
}

/** What the stand-in calls itself in reports, naming the PTY provider. */
export function standInLabel(provider: PtyProvider, seed: number): string {
  return `simulator behind a PTY (${provider === 'python3' ? 'python3 relay' : 'socat'}, seed ${seed})`;
}

function openSimSide(path: string, baudRate: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    // The rate of our own end changes nothing on a PTY; it is the board's, for whoever looks.
    const port = new SerialPort({ path, baudRate }, (err) => (err ? reject(err) : resolve(port)));
  });
}

/**
 * The simulator's side of the PTY as the simulator serves it: host bytes
 * pass the line-speed watch first (they may wait for a reading), board bytes
 * go straight to the port while `hostListening()` and are dropped otherwise
 * (a board's transmit line heard by nobody). Reading the tty pauses while
 * the watch holds bytes or the simulator does not take them, so a fast host
 * blocks in its writes (as on a tty) instead of piling bytes up here.
 */
function gatedStream(port: SerialPort, watch: LineSpeedWatch, hostListening: () => boolean): { stream: Duplex; detach: () => void } {
  let gateFull = false;
  const flow = (): void => {
    if (gateFull || watch.holding) port.pause();
    else port.resume();
  };
  const stream = new Duplex({
    read() {
      gateFull = false;
      flow();
    },
    write(chunk: Buffer, _encoding, callback) {
      // Dropped here, not only by the relay: a relay or a process slow to run could otherwise hand a host
      // what the board sent before the host's open reset it (the first boot's announce, as if it were the reset's).
      if (!hostListening()) return callback();
      port.write(chunk, (err) => callback(err ?? null));
    },
  });
  const onData = (chunk: Buffer): void => {
    watch.pass(chunk, (c) => {
      if (!stream.push(c)) gateFull = true;
    });
    flow();
  };
  const onEnd = (): void => {
    stream.push(null);
    stream.destroy();
  };
  watch.onRelease = flow;
  port.on('data', onData);
  port.once('close', onEnd);
  return {
    stream,
    detach: () => {
      watch.onRelease = () => {};
      port.off('data', onData);
      port.off('close', onEnd);
      stream.destroy();
    },
  };
}

function closePort(port: SerialPort | null): Promise<void> {
  return new Promise((resolve) => {
    if (!port?.isOpen) return resolve();
    port.close(() => resolve());
  });
}

/**
 * Starts the PTY pair and serves a new simulated mBot on its `sim` end.
 * Rejects with HIL_PTY_UNAVAILABLE (saying what to install) when no PTY
 * provider is available or it fails, HIL_SIM_INVALID_OPTION for bad
 * simulator options (checked before anything starts). Leaves nothing
 * running and no folder behind when it rejects.
 */
export async function startPtyStandIn(opts: PtyStandInOptions = {}): Promise<PtyStandIn> {
  const { dir: givenDir, provider: askedProvider, resetOnOpen = true, ...simOptions } = opts;
  const clock = createWallClock();
  let sim: SimulatedMbot;
  try {
    // First, so bad options fail before any process or folder exists.
    sim = createSimulatedMbot({ ...simOptions, clock });
  } catch (err) {
    clock.dispose();
    throw err;
  }
  const dir = givenDir ?? mkdtempSync(join(tmpdir(), 'mbot-hil-pty-'));
  const ownsDir = givenDir === undefined;
  let pair: PtyPair;
  try {
    pair = await startPtyPair({ dir, provider: askedProvider ?? 'auto', cleanupDir: ownsDir });
  } catch (err) {
    await sim.close();
    clock.dispose();
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let simPort: SerialPort | null = null;
  let stopServing: (() => void) | null = null;
  const watch = new LineSpeedWatch({
    clock,
    device: () => pair.devices.host,
    apply: (baudRate) => sim.setServedHostBaudRate(baudRate),
    // The python3 relay reads the rate on its own side of the PTY: `stty -F` opens the device, and an
    // open just after a host closed would count as a new host and reset the board with nobody there.
    ...(pair.readsHostLineSpeed ? { read: async () => ({ baudRate: await pair.hostLineSpeed(), sttyMissing: false }) } : {}),
  });
  let plugged = false;
  let closed = false;
  const lostListeners = new Set<(exit: PtyPairExit) => void>();
  const resetsOnOpen = resetOnOpen && pair.seesHostOpens;
  // Who hears the board. With python3 the relay reports opens, and a host hears the board while it has
  // the device open, from the boot its open caused (resetsOnOpen): what the board sent before that reset
  // is not the host's, even when a late timer or a slow relay hands it over after the open. With socat
  // nothing is known, and the board's bytes always go to the relay (which drops them while no host reads).
  let hostOpen = false;
  let heardFromBoot = 0;
  const hostListening = (): boolean => !pair.seesHostOpens || (hostOpen && sim.status().bootCount >= heardFromBoot);

  const serve = async (): Promise<void> => {
    try {
      simPort = await openSimSide(pair.simPath, sim.firmware.baudRate);
    } catch (err) {
      throw new HilError('HIL_PTY_UNAVAILABLE', `cannot open the simulator's end of the PTY (${pair.simPath}): ${(err as Error).message}`, { cause: err });
    }
    // A hang-up on our end (the relay ended) is expected during unplug; without a listener it would crash the process.
    simPort.on('error', () => {});
    watch.reset();
    const gated = gatedStream(simPort, watch, hostListening);
    const stop = sim.serve(gated.stream);
    stopServing = () => {
      stop();
      gated.detach();
    };
    plugged = true;
  };
  const unserve = async (): Promise<void> => {
    plugged = false;
    hostOpen = false;
    stopServing?.();
    stopServing = null;
    watch.reset();
    const port = simPort;
    simPort = null;
    await closePort(port);
  };

  // DTR: a host opening the device resets the board, which announces resetDelayMs later.
  pair.onHostOpen((open) => {
    hostOpen = open;
    if (open && resetsOnOpen && plugged && !closed) {
      heardFromBoot = sim.status().bootCount + 1;
      sim.faults.pressReset();
    }
  });
  pair.onUnexpectedExit((exit) => {
    if (closed) return;
    void unserve().then(() => {
      for (const l of [...lostListeners]) l(exit);
    });
  });

  try {
    await serve();
  } catch (err) {
    await pair.stop();
    await sim.close();
    clock.dispose();
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const unplug = async (): Promise<void> => {
    if (!plugged) return;
    await unserve();
    await pair.stop();
  };
  const replug = async (): Promise<void> => {
    if (plugged || closed) return;
    await pair.restart();
    await serve();
  };
  const jig = createWorldJig({
    world: sim.world,
    name: `simulator world behind a PTY (${pair.provider}, seed ${sim.seed}, wiring ${sim.wiring.name})`,
    unplug,
    replug,
    injectNoise: (bytes) => sim.faults.corruptNext(bytes.length),
  });

  return {
    hostPath: pair.hostPath,
    get devices() { return pair.devices; },
    sim,
    jig,
    clock,
    provider: pair.provider,
    resetsOnOpen,
    get relayPid() { return pair.pid; },
    get plugged() { return plugged; },
    onLost(listener) {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
    unplug,
    replug,
    async close() {
      if (closed) return;
      closed = true;
      watch.stop();
      await unserve();
      await pair.stop();
      await sim.close();
      clock.dispose();
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
