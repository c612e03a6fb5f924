/**
 * The part of a target that is the same on sim and hardware: connect through
 * {@link handshake}, watch the port for a disconnect, the byte-level safe
 * stop, and the close order (safe stop -> drain -> close). `sim-target.ts`
 * and `hardware-target.ts` supply the port, the clock, the jig and what they
 * own (simulator, PTY, process handlers).
 */
import type { SerialPortStream } from '@serialport/stream';
import type { Clock } from '../clock/index.ts';
import { HilError, isHilError } from '../errors.ts';
import { clearSafeStopPins, MBOT_SAFE_STOP_PINS, safeStopBytes, type SafeStopPins } from '../mbot/firmata-bytes.ts';
import { handshake, type LineSettings } from './handshake.ts';
import { watchLiveness } from './liveness.ts';
import { withinRealMs } from '../clock/real-time.ts';
import type { Connected, DisconnectListener, Jig, Quiescer, Target, TargetInfo } from './target.ts';
import { connectWhenBack } from './reconnect.ts';
import { installWriteQueue, type WriteQueue } from './write-queue.ts';

/** What a concrete target gives {@link PortTarget}. */
export interface PortTargetSpec {
  kind: 'sim' | 'hardware';
  info: TargetInfo;
  clock: Clock;
  jig: Jig | undefined;
  /** Shown in errors. */
  portLabel: string;
  /** Makes a fresh, unopened (`autoOpen: false`) port; called once per `connect()`. May reject with HIL_PORT_NOT_FOUND. */
  makePort(): Promise<SerialPortStream>;
  /** The rate the port is opened at and the firmware expected there (for a timeout's advice). */
  line?: LineSettings;
  /** Firmware handshake timeout, ms of `clock`. */
  firmwareTimeoutMs: number;
  /** Ask for the version after this many ms of silence. */
  versionQueryAfterMs: number;
  /** Pins the safe stop writes. Default: the mBot's. */
  safeStopPins?: SafeStopPins;
  /** Probe a quiet link and declare it dead when it does not answer (`liveness.ts`). Default false (the sim binding reports its own disconnects). */
  liveness?: boolean;
  /** Discard bytes that arrived before the handshake (stale output buffered in a PTY). Default false. */
  flushOnOpen?: boolean;
  /**
   * Write the safe stop the moment the port opens, before the handshake.
   * After a SIGKILL nothing stopped the robot; the next connect does.
   * Default false (a simulator in this process died with the process that
   * drove it).
   */
  stopOnConnect?: boolean;
  /**
   * With `stopOnConnect`: when the port was lost (a pulled cable) and not
   * regained by the time the target is disposed, how long `dispose()` waits
   * for the device to come back, so that the connect's first write, the safe
   * stop, reaches a robot that (on its battery) may still run its last drive.
   * Default 0: no wait.
   */
  stopAfterLossWaitMs?: number;
  /** Called once a connection is live (the hardware target installs its exit guard here); `queue` carries every write to the port. */
  onConnected?(live: Connected, queue: WriteQueue): void;
  /** Called once a live connection ended: closed, or lost to a disconnect. */
  onClosed?(): void;
  /**
   * Called when a connection is given up while its port still looks open
   * (the liveness watch judged the link dead): a last, synchronous stop the
   * robot may still hear, in case the verdict was wrong. Must not throw.
   */
  lastStop?(live: Connected): void;
  /** Releases what the concrete target owns; called once by `dispose()`, after `close()`. */
  release?(): Promise<void>;
}

/** Real ms a safe stop or close may take before it gives up waiting (the bytes are already queued). */
const STOP_DRAIN_LIMIT_MS = 1000;

interface LiveConnection extends Connected {
  disconnected: HilError | null;
  closing: boolean;
  stopLiveness: () => void;
  queue: WriteQueue;
}

/**
 * A {@link Target} over any serialport stream. Implements every obligation of
 * the seam; see `target.ts`.
 */
export class PortTarget implements Target {
  readonly kind: 'sim' | 'hardware';
  readonly clock: Clock;
  readonly jig: Jig | undefined;
  private readonly spec: PortTargetSpec;
  private live: LiveConnection | null = null;
  private connecting: Promise<Connected> | null = null;
  private readonly disconnectListeners = new Set<DisconnectListener>();
  private readonly quiescers = new Set<Quiescer>();
  private disposed = false;
  /** The last connection was lost (not closed) and none has been made since: nothing has stopped the robot. */
  private lost = false;
  private infoValue: TargetInfo;

  constructor(spec: PortTargetSpec) {
    this.spec = spec;
    this.kind = spec.kind;
    this.clock = spec.clock;
    this.jig = spec.jig;
    this.infoValue = { ...spec.info };
  }

  get info(): TargetInfo {
    return this.infoValue;
  }

  get connected(): Connected | null {
    return this.live && !this.live.disconnected && this.live.port.isOpen ? this.live : null;
  }

  connect(): Promise<Connected> {
    if (this.disposed) return Promise.reject(new HilError('HIL_CONFIG_INVALID', `the ${this.kind} target on ${this.spec.portLabel} was disposed; make a new target`));
    const current = this.connected;
    if (current) return Promise.resolve(current);
    this.connecting ??= this.doConnect().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  private async doConnect(): Promise<Connected> {
    this.live = null;
    const port = await this.spec.makePort();
    // Every write from here on (handshake, firmata-io, Johnny-Five, stops) is paced by one queue.
    const queue = installWriteQueue(port, { clock: this.clock });
    const pins = this.spec.safeStopPins ?? MBOT_SAFE_STOP_PINS;
    let hs: Awaited<ReturnType<typeof handshake>>;
    try {
      hs = await handshake({
        port,
        clock: this.clock,
        portLabel: this.spec.portLabel,
        timeoutMs: this.spec.firmwareTimeoutMs,
        versionQueryAfterMs: this.spec.versionQueryAfterMs,
        flushOnOpen: this.spec.flushOnOpen ?? false,
        ...(this.spec.line ? { line: this.spec.line } : {}),
        // Nothing known about the board's pins yet: every other output pin of those ports goes LOW too, the safe default.
        ...(this.spec.stopOnConnect ? { firstWrite: safeStopBytes(pins) } : {}),
      });
    } catch (err) {
      queue.dispose();
      throw err;
    }
    const live: LiveConnection = {
      port, io: hs.io, board: hs.board, firmware: hs.firmware, handshakeMs: hs.handshakeMs, disconnected: null, closing: false, stopLiveness: () => {}, queue,
    };
    if (this.spec.liveness) {
      live.stopLiveness = watchLiveness(port, { onDead: (why) => this.markDisconnected(live, why) });
    }
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      if (live.closing && !err?.disconnected) return;
      this.markDisconnected(live, err?.message ?? 'the port closed without being asked to');
    });
    // A write or read error on a live port (EIO when a USB adapter is pulled) ends the connection too.
    port.on('error', (err: Error) => this.markDisconnected(live, err.message));
    this.live = live;
    this.lost = false;
    this.infoValue = { ...this.infoValue, port: this.infoValue.port ?? this.spec.portLabel, firmware: hs.firmware };
    this.spec.onConnected?.(live, queue);
    return live;
  }

  private markDisconnected(live: LiveConnection, why: string): void {
    if (live.disconnected || live.closing) return;
    live.stopLiveness();
    live.queue.dispose();
    // A link judged dead may still look open; stop the robot in case it can still hear, then release the
    // handle (its close event is then ignored).
    if (live.port.isOpen) {
      this.spec.lastStop?.(live);
      live.port.close(() => {});
    }
    this.lost = true;
    live.disconnected = new HilError(
      'HIL_PORT_DISCONNECTED',
      `${this.spec.portLabel} went away during the run (${why}); the current test fails. Check the USB cable and the robot's power; the next test reconnects.`,
    );
    this.spec.onClosed?.();
    for (const listener of [...this.disconnectListeners]) {
      try {
        listener(live.disconnected);
      } catch {
        // a listener's own failure must not stop the others from hearing about the disconnect
      }
    }
  }

  onDisconnect(listener: DisconnectListener): () => void {
    this.disconnectListeners.add(listener);
    return () => { this.disconnectListeners.delete(listener); };
  }

  addQuiescer(fn: Quiescer): () => void {
    this.quiescers.add(fn);
    return () => { this.quiescers.delete(fn); };
  }

  /** Calls every quiescer (halts host-side generators: a tone timer, a song); never throws. The exit guard calls it before its sync stop. */
  quiesce(): void {
    for (const q of [...this.quiescers]) {
      try {
        q();
      } catch {
        // a wedged component must not keep the stop bytes from going out
      }
    }
  }

  async safeStop(): Promise<void> {
    const live = this.live;
    if (!live || live.disconnected || !live.port.isOpen) return;
    this.quiesce();
    const pins = this.spec.safeStopPins ?? MBOT_SAFE_STOP_PINS;
    const bytes = safeStopBytes(pins, live.io.ports);
    clearSafeStopPins(live.io.ports, pins);
    // Ahead of every queued write, whose drive values it drops; resolves once written and drained.
    await withinRealMs(live.queue.writeFirst(bytes), STOP_DRAIN_LIMIT_MS, undefined);
  }

  async close(): Promise<void> {
    const live = this.live;
    if (!live) return;
    // Drive bytes the OS still holds (a PTY keeps 64 KB, a USB-serial driver 4 KB) would reach the robot
    // after the stop when the far end reads slowly: discard them first (tcflush). Input goes too; nothing waits on it now.
    if (live.port.isOpen && !live.disconnected) await withinRealMs(flushPort(live.port), STOP_DRAIN_LIMIT_MS, undefined);
    await this.safeStop();
    live.closing = true;
    live.stopLiveness();
    // Whatever is still queued was meant for a robot this run is done with.
    live.queue.dispose();
    this.live = null;
    this.spec.onClosed?.();
    if (live.port.isOpen) {
      await withinRealMs(drain(live.port), STOP_DRAIN_LIMIT_MS, undefined);
      await withinRealMs(new Promise<void>((resolve) => live.port.close(() => resolve())), STOP_DRAIN_LIMIT_MS, undefined);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    try {
      await this.stopAfterLoss();
      await this.close();
    } finally {
      this.disposed = true;
      this.disconnectListeners.clear();
      this.quiescers.clear();
      await this.spec.release?.();
    }
  }

  /**
   * The port was lost and has not come back: the robot may still be running
   * its last drive. Waits for the device as the next test would (up to
   * `stopAfterLossWaitMs`), so the connect's first write stops it; says on
   * stderr that it waits, and whether it got there.
   */
  private async stopAfterLoss(): Promise<void> {
    const waitMs = this.spec.stopAfterLossWaitMs ?? 0;
    if (!this.lost || !this.spec.stopOnConnect || waitMs <= 0) return;
    const label = this.spec.portLabel;
    process.stderr.write(`mbot-hil: ${label} was lost and has not come back; waiting up to ${waitMs} ms for it, to stop the motors before letting go (HIL_RECONNECT_WAIT_MS)\n`);
    try {
      await connectWhenBack(this, waitMs);
      process.stderr.write(`mbot-hil: ${label} is back: the motors were stopped\n`);
    } catch (err) {
      const first = (err as Error).message.split('\n')[0];
      process.stderr.write(isHilError(err, 'HIL_PORT_NOT_FOUND') || isHilError(err, 'HIL_PORT_OPEN_FAILED')
        ? `mbot-hil: ${label} did not come back (${first}): the robot may still be running its last drive; stop it by hand\n`
        // It opened, so the safe stop went out as its first write; the handshake after it failed.
        : `mbot-hil: ${label} came back and was sent the safe stop, but did not answer (${first}); check that the robot stopped\n`);
    }
  }
}

function flushPort(port: SerialPortStream): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.flush(() => resolve());
  });
}

function drain(port: SerialPortStream): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!port.isOpen) return resolve();
    port.drain((err) => (err ? reject(err) : resolve()));
  });
}
