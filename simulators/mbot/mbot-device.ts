/**
 * One simulated mBot on one serial link: world physics, the board model, the
 * emulated firmware, the link with its trace, and the host end, which is
 * either a port opened through the simulator's binding or a served Duplex
 * stream (one end of a PTY pair). All timers run on the injected Clock.
 *
 * Power model: the mBot runs on its battery, so the world keeps moving
 * whether or not a host is connected, and unplugging the USB cable does NOT
 * stop the motors (the firmware keeps its last commands). The board resets
 * (DTR) whenever a host opens the port or a stream is served, and boots
 * `resetDelayMs` later.
 *
 * Physics runs on the clock's time: before every firmware action (a command
 * arriving, a sample, a ping) and on every access through `world` (a facade)
 * the world is stepped up to the clock's now, so every reading is exact to
 * the ms. A clock interval of `stepMs` additionally steps the world and scans
 * the digital inputs while the robot moves AND a line-follower pin is a
 * reported input: that is the only input that changes by itself and must be
 * noticed without anyone asking (StandardFirmata scans inputs every loop).
 * Everything else costs no timer, which keeps long virtual runs cheap.
 *
 * Serial: the board's UART runs at the link's `baudRate` (the firmware
 * profile's rate); host bytes pass its 64-byte receive buffer (`uart-rx.ts`),
 * which drops what overflows while the firmware's loop is blocked and
 * records that in the trace as a device event.
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';
import { HilError } from '../../harness/errors.ts';
import type { LinkDirection, LinkOptions } from '../link/link-options.ts';
import { SerialLink } from '../link/serial-link.ts';
import type { Rng, World } from '../world/types.ts';
import { MbotBoard } from './mbot-board.ts';
import { McoreFirmware } from './mcore-firmware.ts';
import type { WiringProfile } from '../../harness/mbot/mcore-pins.ts';
import type { BindingInterface } from './serial-types.ts';
import { createSimBinding, type SimPortBinding, type SimPortHost } from './sim-binding.ts';
import { Trace } from './trace.ts';
import { RX_BUFFER_CAPACITY, UartRx } from './uart-rx.ts';

/** Everything `MbotDevice` needs, already validated. */
export interface MbotDeviceConfig {
  clock: Clock;
  world: World;
  rng: Rng;
  wiring: WiringProfile;
  path: string;
  firmwareName: string;
  resetDelayMs: number;
  stepMs: number;
  link?: LinkOptions;
  traceMaxEntries?: number;
  reportUnsupportedSysex?: boolean;
}

/** A connected host stream (see `serve`). */
interface ServedStream {
  stream: NodeJS.ReadWriteStream;
  onData: (chunk: Buffer | string) => void;
  onEnd: () => void;
  /** Reading is paused until the wire catches up (see `SERVE_HIGH_WATER_BYTES`). */
  paused: boolean;
}

/**
 * Host bytes a served stream may have on the wire before reading pauses: a
 * tty's buffer is a few KiB, so a host writing faster than the baud rate
 * blocks in write() instead of queueing without limit in this process.
 */
const SERVE_HIGH_WATER_BYTES = 4096;

/** The device behind `createSimulatedMbot`. Obligation: `close()` when done. */
export class MbotDevice implements SimPortHost {
  readonly path: string;
  readonly trace: Trace;
  readonly link: SerialLink;
  readonly firmware: McoreFirmware;
  /** The ATmega328P's serial receive buffer in front of the firmware. */
  readonly rx: UartRx;
  readonly board: MbotBoard;
  readonly binding: BindingInterface<SimPortBinding>;
  /** The world, synced to the clock on every access; test-side changes (setPose, pressButton...) are seen by the firmware at once. */
  readonly world: World;
  private port: SimPortBinding | undefined;
  private served: ServedStream | undefined;
  private physicsTimer: ClockTimer | undefined;
  private isClosed = false;

  constructor(private readonly cfg: MbotDeviceConfig) {
    this.path = cfg.path;
    this.trace = new Trace({ maxEntries: cfg.traceMaxEntries });
    this.link = new SerialLink(cfg.clock, cfg.rng.fork('link'), cfg.link, this.trace);
    this.board = new MbotBoard(cfg.world, cfg.wiring, cfg.clock);
    this.firmware = new McoreFirmware({
      clock: cfg.clock,
      hardware: this.board,
      send: (bytes, notBeforeMs) => this.link.send('to-host', bytes, notBeforeMs),
      firmwareName: cfg.firmwareName,
      resetDelayMs: cfg.resetDelayMs,
      reportUnsupportedSysex: cfg.reportUnsupportedSysex ?? false,
      // Host input the board model could not apply: a device-side event in the trace; the firmware goes on.
      onFault: (f) => this.trace.deviceEvent({ atMs: f.atMs, kind: 'firmware-fault', message: f.message }),
      takeArrivedInput: () => this.link.deliverArrived('to-device'),
    });
    this.board.attachPins(this.firmware.pins);
    this.board.onActuated = () => this.updatePhysics();
    const firmware = this.firmware;
    this.rx = new UartRx(
      cfg.clock,
      {
        receive: (bytes, lastByteAtMs, byteMs) => {
          const taken = this.firmware.receive(bytes, lastByteAtMs, byteMs);
          this.updatePhysics();
          return taken;
        },
        get loopBlockedUntilMs() {
          return firmware.loopBlockedUntilMs;
        },
      },
      (dropped, atMs) => this.trace.deviceEvent({ kind: 'uart-rx-overflow', atMs, dir: 'to-device', dropped, capacity: RX_BUFFER_CAPACITY }),
    );
    this.link.onDeliver('to-device', (bytes, lastByteAtMs, byteMs) => {
      this.rx.deliver(bytes, lastByteAtMs, byteMs);
      const served = this.served;
      if (served?.paused && this.link.pendingBytes('to-device') < SERVE_HIGH_WATER_BYTES) {
        served.paused = false;
        served.stream.resume();
      }
    });
    this.binding = createSimBinding(this);
    this.world = this.syncedWorld(cfg.world);
  }

  /** True while the cable is plugged in and the simulator is open. */
  get available(): boolean {
    return !this.isClosed && this.link.plugged;
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** True while a host has the port open or a stream is served. */
  get hostConnected(): boolean {
    return this.port !== undefined || this.served !== undefined;
  }

  /** @internal SimPortHost */
  attach(port: SimPortBinding, baudRate: number): void {
    this.port = port;
    this.link.hostBaudRate = baudRate;
    this.link.onDeliver('to-host', (bytes) => port.deliver(bytes));
    this.resetBoard();
  }

  /** @internal SimPortHost */
  detach(port: SimPortBinding): void {
    if (this.port !== port) return;
    this.port = undefined;
    this.link.hostBaudRate = undefined;
    this.link.onDeliver('to-host', undefined);
  }

  /** @internal SimPortHost */
  dtrPulse(port: SimPortBinding): void {
    if (this.port === port) this.resetBoard();
  }

  /** @internal SimPortHost */
  baudChanged(port: SimPortBinding, baudRate: number): void {
    if (this.port === port) this.link.hostBaudRate = baudRate;
  }

  /** @internal SimPortHost */
  write(bytes: Uint8Array): void {
    this.link.send('to-device', bytes);
  }

  /**
   * Serves the board on a real byte stream (e.g. one end of a PTY pair)
   * instead of the binding: bytes read from `stream` go to the board through
   * the link, the board's bytes are written to it. Reading pauses while more
   * than 4 KiB of host bytes wait for the wire, as a tty's writer blocks. Serving resets the board
   * (the host on the far side cannot raise DTR through a PTY). Returns a
   * function that stops serving (it does not end the stream). Throws
   * HIL_SIM_INVALID_OPTION while a port is open or another stream is served.
   */
  serve(stream: NodeJS.ReadWriteStream): () => void {
    if (this.isClosed) throw new HilError('HIL_SIM_INVALID_OPTION', 'serve(): the simulator is closed; create a new one.');
    if (this.hostConnected) {
      throw new HilError(
        'HIL_SIM_INVALID_OPTION',
        `serve(): ${this.path} already has a host (an open port or a served stream); close it first.`,
      );
    }
    const onData = (chunk: Buffer | string): void => {
      const served = this.served;
      if (served?.stream !== stream) return;
      this.link.send('to-device', typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Uint8Array.from(chunk));
      if (!served.paused && this.link.pendingBytes('to-device') >= SERVE_HIGH_WATER_BYTES) {
        served.paused = true;
        stream.pause();
      }
    };
    const onEnd = (): void => stop();
    const stop = (): void => {
      if (this.served?.stream !== stream) return;
      if (this.served.paused) stream.resume();
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('close', onEnd);
      stream.removeListener('error', onEnd);
      this.served = undefined;
      this.link.hostBaudRate = undefined;
      this.link.onDeliver('to-host', undefined);
    };
    this.served = { stream, onData, onEnd, paused: false };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onEnd);
    this.link.onDeliver('to-host', (bytes) => {
      if (this.served?.stream === stream) stream.write(Buffer.from(bytes));
    });
    this.resetBoard();
    return stop;
  }

  /**
   * The line speed of a served stream's far end (a PTY host's port), which
   * the stream itself does not carry; undefined = unknown, taken to match.
   * Ignored while no stream is served.
   */
  setServedHostBaudRate(baudRate: number | undefined): void {
    if (this.served !== undefined) this.link.hostBaudRate = baudRate;
  }

  /**
   * Pulls the USB cable: the open port fails (EIO → 'close' with a
   * DisconnectedError), bytes in flight are lost, a served stream stops being
   * served (it is not ended: a PTY pair has no hang-up of its own; stop its relay
   * to make the far end see one).
   */
  unplug(): void {
    if (this.isClosed || !this.link.plugged) return;
    this.link.unplug();
    this.port?.disconnect();
    this.served?.onEnd();
  }

  /** Plugs the cable back in: the port can be listed and opened again (opening resets the board). */
  replug(): void {
    if (this.isClosed || this.link.plugged) return;
    this.link.replug();
  }

  /** Presses the mCore's reset button (the board reboots and announces again). */
  pressReset(): void {
    if (!this.isClosed) this.resetBoard();
  }

  /** A hardware reset: the receive buffer empties and the firmware reboots. */
  private resetBoard(): void {
    this.rx.reset();
    this.firmware.reset();
  }

  /** Corrupts the next `n` bytes in `dir` (default: board → host). */
  corruptNext(n: number, dir: LinkDirection = 'to-host'): void {
    this.link.corruptNext(n, dir);
  }

  /** Loses the next `n` bytes in `dir` (default: board → host). */
  dropNext(n: number, dir: LinkDirection = 'to-host'): void {
    this.link.dropNext(n, dir);
  }

  /**
   * Stops everything: an open port disconnects as on an unplug (its stream
   * emits 'close' with a DisconnectedError), a served stream is released, all
   * timers are cancelled; `world` stays readable (frozen at the close time). Idempotent.
   */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.port?.disconnect();
    if (this.served !== undefined) this.served.onEnd();
    this.isClosed = true;
    try {
      this.cfg.clock.clearInterval(this.physicsTimer);
    } catch {
      // A disposed clock has no timers left to cancel.
    }
    this.physicsTimer = undefined;
    this.firmware.dispose();
    this.rx.dispose();
    this.link.dispose();
    // Let the serialport stream see the failed read and close (nextTick work, no timers).
    for (let i = 0; i < 4; i++) await new Promise<void>((resolve) => process.nextTick(resolve));
  }

  private step(): void {
    this.board.sync();
    this.firmware.scanDigitalInputs();
    this.board.tick();
    this.updatePhysics();
  }

  /** True when a pin whose level follows the robot's motion is a reported input. */
  private motionInputReported(): boolean {
    const pins = this.board.motionSensitivePins;
    for (let i = 0; i < pins.length; i++) if (this.firmware.isInputReported(pins[i] as number)) return true;
    return false;
  }

  /** Runs the physics interval exactly while motion must be watched (see the class comment). */
  private updatePhysics(): void {
    if (this.isClosed) return;
    const want = this.board.moving && this.motionInputReported();
    if (want && this.physicsTimer === undefined) {
      this.board.sync();
      this.physicsTimer = this.cfg.clock.setInterval(() => this.step(), this.cfg.stepMs);
    } else if (!want && this.physicsTimer !== undefined) {
      this.cfg.clock.clearInterval(this.physicsTimer);
      this.physicsTimer = undefined;
    }
  }

  /**
   * A facade over `world`: every property read and method call first steps
   * the world to the clock's now (and checks the buzzer); after a call that
   * changes the world (setPose, pressButton, setLightLevel, reset...), the
   * firmware rescans its digital inputs and physics restarts if needed, as the
   * real loop would notice at once.
   */
  private syncedWorld(world: World): World {
    const sync = (): void => {
      if (this.isClosed) return;
      this.board.sync();
      this.board.tick();
    };
    return new Proxy(world, {
      get: (target, prop) => {
        sync();
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]): unknown => {
          sync();
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!this.isClosed && typeof prop === 'string' && /^(set|press|release|reset)/.test(prop)) {
            this.firmware.scanDigitalInputs();
            this.updatePhysics();
          }
          return result;
        };
      },
    });
  }
}
