/**
 * The hardware target: a real serial port opened with serialport 13's real
 * binding (@serialport/bindings-cpp). The port is `HIL_PORT`, or the mBot
 * found by USB id (`detect.ts`). The simulator behind a PTY
 * (`HIL_PORT=sim-pty`, see `select-target.ts`) is opened the same way.
 *
 * Bench safety (docs/bench-safety.md): every connect writes a safe stop
 * before anything else (the last process on the port may have been killed
 * mid-drive); while connected, an exit guard (`exit-guard.ts`) stops the
 * motors and the buzzer on SIGINT, SIGTERM, SIGHUP, SIGQUIT (and every other
 * catchable fatal signal, `GUARDED_SIGNALS`), Ctrl-Z (`SUSPEND_SIGNALS`), an uncaught
 * exception or unhandled rejection, process exit and the parent's death;
 * every write goes through a paced queue (`write-queue.ts`) so a stop never
 * waits behind a backlog; `close()` always stops before closing; a vanished
 * port is reported as HIL_PORT_DISCONNECTED to the disconnect listeners at
 * once, and a link judged dead while the port still looks open gets a last
 * stop first.
 *
 * Baud rate: the firmware profile's (`firmware-profiles.ts`; 57600 for
 * Makeblock's mBot Firmata over USB and for StandardFirmata, 115200 for its
 * Bluetooth build), unless `baudRate` (HIL_BAUD) says otherwise.
 */
import { isMainThread } from 'node:worker_threads';
import { SerialPort } from 'serialport';
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '../../simulators/mbot/serial-types.ts';
import type { Clock } from '../clock/index.ts';
import { HilError } from '../errors.ts';
import { createWallClock } from '../clock/index.ts';
import { DEFAULT_FIRMWARE_PROFILE_ID, firmwareProfile, type FirmwareProfileId } from '../mbot/firmware-profiles.ts';
import { detectMbotPort, listPorts, requireExistingPort, type ListDeps } from './detect.ts';
import { installExitGuard, watchParentForLife, writeStopSync } from './exit-guard.ts';
import { clearSafeStopPins, MBOT_SAFE_STOP_PINS, safeStopBytes } from '../mbot/firmata-bytes.ts';
import { PortTarget } from './port-target.ts';
import { TCP_PORT_PREFIX } from './tcp-binding.ts';
import { DEFAULT_RECONNECT_WAIT_MS } from './reconnect.ts';
import type { Jig, Target } from './target.ts';

/** Baud rate a port is opened at when neither a profile nor HIL_BAUD says otherwise: Makeblock's mBot Firmata over USB, 57600. */
export const DEFAULT_BAUD_RATE = firmwareProfile(DEFAULT_FIRMWARE_PROFILE_ID).baudRate;

/** Ms to wait for the Firmata handshake on a real board: a ~2 s DTR reset plus the handshake, with margin. */
export const DEFAULT_HARDWARE_FIRMWARE_TIMEOUT_MS = 10_000;

/** Ms of silence after which the host asks for the version (a board that did not reset announces nothing). */
export const DEFAULT_VERSION_QUERY_AFTER_MS = 2500;

/** Options of {@link createHardwareTarget}. */
export interface HardwareTargetOptions {
  /** Device path; undefined = auto-detect by USB id. */
  port?: string;
  /** Firmware the board runs (HIL_FIRMWARE). Default 'mbot-usb'. */
  firmware?: FirmwareProfileId;
  /** Rate to open the port at. Default: the firmware profile's. */
  baudRate?: number;
  /** True when `baudRate` came from HIL_BAUD (said so in a handshake timeout). */
  baudRateFromEnv?: boolean;
  /** Default {@link DEFAULT_HARDWARE_FIRMWARE_TIMEOUT_MS}. */
  firmwareTimeoutMs?: number;
  /** Default {@link DEFAULT_VERSION_QUERY_AFTER_MS}. */
  versionQueryAfterMs?: number;
  /** Default: a new wall clock (owned and disposed by the target). */
  clock?: Clock;
  /** The bench's jig, if it has one. */
  jig?: Jig;
  /** Bench name for reports (`HIL_BENCH`). */
  bench?: string;
  /** How the port appears in `info.port` and errors. Default: the path. */
  portLabel?: string;
  /** Released by `dispose()` after the port closed (e.g. the PTY stand-in). */
  release?: () => Promise<void>;
  /** Port listing for auto-detection (tests). */
  listDeps?: ListDeps;
  /** A binding other than the OS's serial ports (tcp://); `port` is then passed to it as is, without a device check. */
  binding?: BindingInterface;
  /** Wraps the binding in use (HIL_RECORD records through it). */
  wrapBinding?: (binding: BindingInterface) => BindingInterface;
  /**
   * When the port was lost (a pulled cable) and has not come back by
   * `dispose()`, how long to wait for the device so the connect's first
   * write stops a robot that may still run its last drive
   * (`HIL_RECONNECT_WAIT_MS`). Default {@link DEFAULT_RECONNECT_WAIT_MS}; 0: no wait.
   */
  stopAfterLossWaitMs?: number;
}

interface FdBinding {
  fd?: number | null;
}

/**
 * Makes a hardware target. Nothing is opened until `connect()`. Errors of
 * `connect()`: HIL_PORT_NOT_FOUND (listing every port with its USB ids),
 * HIL_PORT_OPEN_FAILED, HIL_FIRMWARE_TIMEOUT, HIL_FIRMWARE_UNSUPPORTED.
 */
export function createHardwareTarget(opts: HardwareTargetOptions = {}): Target {
  // A worker thread hears no signal and runs no exit handler when the run is stopped (Ctrl-C ends Vitest's
  // threads without a word): nothing could stop the motors there. A mock binding reaches no robot; a TCP
  // one does (ser2net leaves the robot driving when the socket goes).
  if (!isMainThread && (opts.binding === undefined || opts.port?.startsWith(TCP_PORT_PREFIX))) {
    throw new HilError('HIL_CONFIG_INVALID', "the hardware target drives a robot only from a process of its own, not from a worker thread (Vitest's pool 'threads' or 'vmThreads'), where no signal or exit handler runs when the run is stopped and nothing could stop the motors: give the project that runs on hardware pool: 'forks' (Vitest 4's default)");
  }
  // A process that can reach a robot ends with its parent, port open or not (exit-guard.ts).
  watchParentForLife();
  const ownsClock = opts.clock === undefined;
  const clock = opts.clock ?? createWallClock();
  const profile = firmwareProfile(opts.firmware ?? DEFAULT_FIRMWARE_PROFILE_ID);
  const baudRate = opts.baudRate ?? profile.baudRate;
  let resolvedPath: string | undefined = opts.port;
  let removeGuard: (() => void) | null = null;
  const label = (): string => opts.portLabel ?? resolvedPath ?? 'the auto-detected mBot port';

  const binding = (opts.wrapBinding ?? ((b: BindingInterface) => b))(opts.binding ?? (SerialPort.binding as BindingInterface));
  const makePort = async (): Promise<SerialPortStream> => {
    if (opts.binding !== undefined && opts.port !== undefined) {
      resolvedPath = opts.port;
    } else if (opts.port !== undefined) {
      await requireExistingPort(opts.port, opts.listDeps);
      resolvedPath = opts.port;
    } else {
      const found = detectMbotPort(await listPorts(opts.listDeps));
      resolvedPath = found.path;
      // Two robots (or an mBot and another USB-serial device) on one machine: say which one this run drives.
      if (found.alsoMatching.length > 0) {
        process.stderr.write(`mbot-hil: HIL_PORT=auto chose ${found.path} (${found.adapter.chip}); also matching: ${found.alsoMatching.join(', ')}. Set HIL_PORT to pick another.\n`);
      }
    }
    // SerialPort is SerialPortStream with the OS binding; the stream itself takes any binding.
    return new SerialPortStream({ binding, path: resolvedPath, baudRate, autoOpen: false });
  };

  const target: PortTarget = new PortTarget({
    kind: 'hardware',
    info: { kind: 'hardware', ...(opts.port || opts.portLabel ? { port: opts.portLabel ?? opts.port } : {}), ...(opts.bench ? { bench: opts.bench } : {}) },
    clock,
    jig: opts.jig,
    get portLabel() { return label(); },
    makePort,
    line: { baudRate, profile, baudRateFromEnv: opts.baudRateFromEnv ?? false },
    firmwareTimeoutMs: opts.firmwareTimeoutMs ?? DEFAULT_HARDWARE_FIRMWARE_TIMEOUT_MS,
    versionQueryAfterMs: opts.versionQueryAfterMs ?? DEFAULT_VERSION_QUERY_AFTER_MS,
    flushOnOpen: true,
    stopOnConnect: true,
    stopAfterLossWaitMs: opts.stopAfterLossWaitMs ?? DEFAULT_RECONNECT_WAIT_MS,
    liveness: true,
    onConnected(live, queue) {
      removeGuard?.();
      removeGuard = installExitGuard({
        fd: () => (live.port.isOpen ? ((live.port.port as FdBinding | undefined)?.fd ?? null) : null),
        stopBytes: () => safeStopBytes(MBOT_SAFE_STOP_PINS, live.io.ports),
        // Johnny-Five's tone timer would sound the buzzer again right after the sync stop (the process may go on).
        quiesce: () => target.quiesce(),
        // The stop bypasses the stream: queued drive writes must not follow it out.
        beforeSyncStop: (bytes) => queue.discardOverridden(bytes),
        seal: () => queue.seal(),
        afterSyncStop: () => clearSafeStopPins(live.io.ports),
        close: () => target.close(),
      });
    },
    onClosed() {
      removeGuard?.();
      removeGuard = null;
    },
    lastStop(live) {
      const fd = (live.port.port as FdBinding | undefined)?.fd ?? null;
      if (writeStopSync(fd, safeStopBytes(MBOT_SAFE_STOP_PINS, live.io.ports))) clearSafeStopPins(live.io.ports);
    },
    async release() {
      removeGuard?.();
      removeGuard = null;
      try {
        await opts.release?.();
      } finally {
        if (ownsClock) clock.dispose();
      }
    },
  });
  return target;
}
