/**
 * The hardware stand-in: the simulated mBot behind a socat PTY pair, so the
 * hardware target (and any other program: a Johnny-Five script, the
 * companion) opens a real tty with serialport's real binding.
 *
 *   hardware target --real binding--> <dir>/host ==socat== <dir>/sim <--real binding-- SerialPort + sim.serve()
 *
 * The simulator runs in real time (a wall clock) because the host on the
 * other side does. A PTY carries no DTR, so opening the host end does not
 * reset the board: the firmware is booted once when serving starts and
 * answers REPORT_VERSION / QUERY_FIRMWARE at any time (StandardFirmata
 * does), and the hardware target asks for the version when no announce
 * arrives (firmata-io `reportVersionTimeout`, see handshake.ts).
 *
 * The stand-in's jig is backed by its simulator's world, so specs that need
 * a jig run on "hardware" here too; `unplug()` kills socat (the host sees
 * the tty hang up, as when a USB cable is pulled) and `replug()` starts it
 * again on the same link paths.
 *
 * Line speed: the simulator's UART runs at its firmware profile's rate
 * (57600 by default). A PTY passes bytes at any setting, so the stand-in
 * reads the rate the host set on its end (`line-speed.ts`, with `stty`) and
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
import type { Jig } from '../../harness/targets/target.ts';
import { createWorldJig } from '../../harness/targets/world-jig.ts';
import { createSimulatedMbot, type SimulatedMbot, type SimulatedMbotOptions } from '../index.ts';
import { LineSpeedWatch } from './line-speed.ts';
import { startSocatPair, type SocatPair } from './socat.ts';

/** Options of {@link startPtyStandIn}: the simulator's, minus the clock (always a wall clock here). */
export interface PtyStandInOptions extends Omit<SimulatedMbotOptions, 'clock' | 'path'> {
  /** Directory for the links. Default: a fresh temp dir, removed by `close()`. */
  dir?: string;
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
  /** True while the PTY pair is up (between `replug()` and `unplug()`). */
  readonly plugged: boolean;
  /** Stops socat: the host's port hangs up (HIL_PORT_DISCONNECTED there). The robot keeps its last commands (battery). */
  unplug(): Promise<void>;
  /** Restarts socat on the same paths and serves the simulator again (the board boots again). */
  replug(): Promise<void>;
  close(): Promise<void>;
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
 * go straight to the port. Reading the tty pauses while the watch holds
 * bytes or the simulator does not take them, so a fast host blocks in its
 * writes (as on a tty) instead of piling bytes up here.
 */
function gatedStream(port: SerialPort, watch: LineSpeedWatch): { stream: Duplex; detach: () => void } {
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
 * Starts socat and serves a new simulated mBot on its `sim` end. Rejects
 * with HIL_PTY_UNAVAILABLE (with install instructions) when socat is missing
 * or fails, HIL_SIM_INVALID_OPTION for bad simulator options.
 */
export async function startPtyStandIn(opts: PtyStandInOptions = {}): Promise<PtyStandIn> {
  const { dir: givenDir, ...simOptions } = opts;
  const dir = givenDir ?? mkdtempSync(join(tmpdir(), 'mbot-hil-pty-'));
  const ownsDir = givenDir === undefined;
  let pair: SocatPair;
  try {
    pair = await startSocatPair({ dir });
  } catch (err) {
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const clock = createWallClock();
  const sim = createSimulatedMbot({ ...simOptions, clock });
  let simPort: SerialPort | null = null;
  let stopServing: (() => void) | null = null;
  const watch = new LineSpeedWatch({
    clock,
    device: () => pair.devices.host,
    apply: (baudRate) => sim.setServedHostBaudRate(baudRate),
  });
  let plugged = false;
  let closed = false;

  const serve = async (): Promise<void> => {
    try {
      simPort = await openSimSide(pair.simPath, sim.firmware.baudRate);
    } catch (err) {
      throw new HilError('HIL_PTY_UNAVAILABLE', `cannot open the simulator's end of the PTY (${pair.simPath}): ${(err as Error).message}`, { cause: err });
    }
    // A hang-up on our end (socat killed) is expected during unplug; without a listener it would crash the process.
    simPort.on('error', () => {});
    watch.reset();
    const gated = gatedStream(simPort, watch);
    const stop = sim.serve(gated.stream);
    stopServing = () => {
      stop();
      gated.detach();
    };
    plugged = true;
  };
  const unserve = async (): Promise<void> => {
    plugged = false;
    stopServing?.();
    stopServing = null;
    watch.reset();
    const port = simPort;
    simPort = null;
    await closePort(port);
  };

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
    name: `simulator world behind a PTY (seed ${sim.seed}, wiring ${sim.wiring.name})`,
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
    get plugged() { return plugged; },
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
