/**
 * Opening a port and bringing up firmata-io + Johnny-Five on it, with every
 * wait measured on the target's clock (virtual on sim, wall on hardware).
 *
 * A real mBot resets when the port opens (DTR) and announces REPORT_VERSION
 * and its firmware name about 2 s later. A PTY (and a board already running)
 * announces nothing: firmata-io's `reportVersionTimeout` makes the host ask
 * (REPORT_VERSION 0xF9 + QUERY_FIRMWARE) once that many ms pass in silence,
 * so both cases end in the same handshake.
 */
import type { SerialPortStream } from '@serialport/stream';
import type { Clock } from '../clock/index.ts';
import { HilError } from '../errors.ts';
import { baudRateFacts, type FirmwareProfile } from '../mbot/firmware-profiles.ts';
import { hexBytes, queryFirmwareBytes, reportVersionBytes } from '../mbot/firmata-bytes.ts';
import type { FirmwareInfo } from './target.ts';
import { loadFirmata, loadFive, type FirmataIo, type FiveBoard } from './vendor.ts';

/** The serial line a port was opened with, for a timeout's advice. */
export interface LineSettings {
  /** Rate the port was opened at. */
  baudRate: number;
  /** Firmware the host expects (HIL_FIRMWARE). */
  profile: FirmwareProfile;
  /** True when HIL_BAUD chose the rate rather than the profile. */
  baudRateFromEnv: boolean;
}

/** Options of {@link handshake}. */
export interface HandshakeOptions {
  /** A port made with `autoOpen: false`; {@link handshake} opens it. */
  port: SerialPortStream;
  clock: Clock;
  /** Shown in errors, e.g. `/dev/ttyUSB0` or `sim:/dev/mbot-sim-1`. */
  portLabel: string;
  /** Give up (HIL_FIRMWARE_TIMEOUT) when the board is not ready this many ms after the port opened. */
  timeoutMs: number;
  /** Ask for the version after this many ms without an announce (firmata-io `reportVersionTimeout`). */
  versionQueryAfterMs: number;
  /**
   * Discard input the OS buffered before the open (tcflush). A PTY keeps
   * what the simulator wrote while no host was attached; a real board's
   * reset makes that moot, so it is harmless there.
   */
  flushOnOpen?: boolean;
  /** The rate and firmware profile in force (named in a timeout's advice). */
  line?: LineSettings;
  /**
   * Bytes written the moment the port is open (after the flush), before
   * anything else: the safe stop a hardware connect begins with, because
   * the process that last held the port may have been killed mid-drive.
   */
  firstWrite?: Uint8Array;
}

/** A finished handshake. */
export interface Handshake {
  io: FirmataIo;
  board: FiveBoard;
  firmware: FirmwareInfo;
  /** Clock ms from "open requested" to "Johnny-Five board ready". */
  handshakeMs: number;
}

const MAX_KEPT_BYTES = 96;

function openPort(port: SerialPortStream): Promise<void> {
  return new Promise((resolve, reject) => {
    port.open((err) => (err ? reject(err) : resolve()));
  });
}

function closeQuietly(port: SerialPortStream): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

function openFailure(label: string, err: unknown): HilError {
  const msg = err instanceof Error ? err.message : String(err);
  let hint = 'check the cable and that the robot is switched on';
  if (/EACCES|permission/i.test(msg)) hint = 'add your user to the dialout group (sudo usermod -aG dialout $USER, then log in again) or fix the device permissions';
  else if (/EBUSY|lock|resource busy/i.test(msg)) hint = 'another program holds the port (mBlock, the Arduino IDE serial monitor, another test run): close it';
  else if (/ENOENT|no such file/i.test(msg)) hint = 'the device vanished; plug the robot in again or fix HIL_PORT';
  return new HilError('HIL_PORT_OPEN_FAILED', `cannot open ${label}: ${msg}; ${hint}`, { cause: err });
}

/** Explains received bytes for a timeout message. */
export function describeReceived(bytes: readonly number[], total: number): string {
  if (total === 0) return 'received nothing at all (is the robot switched on, and is this its port?)';
  const head = `received ${total} byte(s): ${hexBytes(bytes)}`;
  if (bytes[0] === 0xff && bytes[1] === 0x55) {
    return `${head} — that is Makeblock's own serial protocol (0xFF 0x55): the robot runs the factory/mBlock firmware, not Firmata`;
  }
  const printable = bytes.filter((b) => b >= 0x20 && b < 0x7f).length;
  if (printable > bytes.length * 0.8) {
    return `${head} ("${String.fromCharCode(...bytes)}") — text, not Firmata: another sketch is running, or the baud rate is wrong`;
  }
  if (!bytes.includes(0xf9)) return `${head} — no REPORT_VERSION (0xF9) among them: the baud rate may be wrong or the firmware is not Firmata`;
  return `${head} — a version report arrived but the handshake (firmware name, capabilities) did not complete`;
}

/**
 * What to do when no handshake came: the rate the port was opened at and
 * where it came from, each firmware's rate, `mbot-hil doctor`, and how to
 * flash the expected firmware.
 */
export function handshakeAdvice(line: LineSettings | undefined): string {
  const opened = line === undefined
    ? ''
    : `The port was opened at ${line.baudRate} baud (${line.baudRateFromEnv ? 'HIL_BAUD' : `the rate of HIL_FIRMWARE=${line.profile.id}, ${line.profile.title}`}). `;
  const flash = line === undefined ? 'flash Firmata onto the mBot' : `flash ${line.profile.title} (${line.profile.install})`;
  return `${opened}Firmware rates: ${baudRateFacts()}; set HIL_FIRMWARE to the firmware on the board or HIL_BAUD to its rate, ` +
    `or run \`mbot-hil doctor\`, which tries the common rates and names the one that answers. Otherwise ${flash}, check HIL_PORT points at the robot, or raise HIL_FIRMWARE_TIMEOUT_MS.`;
}

/**
 * Opens `port`, waits for firmata-io to finish its handshake and for a
 * Johnny-Five Board (repl, debug and its own SIGINT handler off) to be ready.
 *
 * Rejects with HIL_PORT_OPEN_FAILED when the port does not open,
 * HIL_FIRMWARE_TIMEOUT (listing what was received) when the board is not
 * ready within `timeoutMs` of the clock, HIL_FIRMWARE_UNSUPPORTED when the
 * board speaks a Firmata protocol older than 2.x. On rejection the port is
 * closed again.
 */
export async function handshake(opts: HandshakeOptions): Promise<Handshake> {
  const { port, clock, portLabel } = opts;
  const startMs = clock.monotonicMs();
  const received: number[] = [];
  let receivedTotal = 0;
  const onData = (chunk: Buffer): void => {
    receivedTotal += chunk.length;
    for (const b of chunk) if (received.length < MAX_KEPT_BYTES) received.push(b);
  };
  let ioError: unknown = null;

  try {
    await openPort(port);
  } catch (err) {
    throw openFailure(portLabel, err);
  }
  if (opts.flushOnOpen) {
    await new Promise<void>((resolve) => port.flush(() => resolve()));
  }
  if (opts.firstWrite && opts.firstWrite.length > 0) port.write(Buffer.from(opts.firstWrite));
  port.on('data', onData);

  const Firmata = loadFirmata();
  const io = new Firmata(port, { reportVersionTimeout: opts.versionQueryAfterMs });
  // firmata-io re-emits transport errors; without a listener they would crash the worker.
  io.on('error', (err: unknown) => { ioError = err; });

  const fail = async (err: HilError): Promise<never> => {
    if (io.reportVersionTimeoutId !== undefined) clearTimeout(io.reportVersionTimeoutId);
    port.off('data', onData);
    await closeQuietly(port);
    throw err;
  };

  // firmata-io asks once; a board still booting then misses the question, so keep asking
  // (REPORT_VERSION + QUERY_FIRMWARE) every interval until a version arrives.
  const requeryEveryMs = Math.max(250, opts.versionQueryAfterMs);
  let nextQueryAtMs = clock.monotonicMs() + opts.versionQueryAfterMs + requeryEveryMs;
  const requery = (): void => {
    if (io.versionReceived || !port.isOpen || clock.monotonicMs() < nextQueryAtMs) return;
    nextQueryAtMs += requeryEveryMs;
    port.write(Buffer.from([...reportVersionBytes(), ...queryFirmwareBytes()]));
  };
  const ready = await clock.waitFor(() => {
    requery();
    return io.isReady || ioError !== null || !port.isOpen;
  }, {
    timeoutMs: opts.timeoutMs,
    stepMs: clock.kind === 'virtual' ? 5 : 10,
  });
  if (ioError !== null) {
    return fail(new HilError('HIL_PORT_DISCONNECTED', `${portLabel} failed during the Firmata handshake: ${String((ioError as Error).message ?? ioError)}`, { cause: ioError }));
  }
  if (!port.isOpen) {
    return fail(new HilError('HIL_PORT_DISCONNECTED', `${portLabel} closed during the Firmata handshake; plug the robot in again`));
  }
  if (!ready) {
    const querySent = opts.versionQueryAfterMs < opts.timeoutMs ? ` (the host asked with REPORT_VERSION after ${opts.versionQueryAfterMs} ms of silence)` : '';
    return fail(new HilError(
      'HIL_FIRMWARE_TIMEOUT',
      `no Firmata handshake from ${portLabel} within ${opts.timeoutMs} ms${querySent}; ${describeReceived(received, receivedTotal)}. ` +
        handshakeAdvice(opts.line),
    ));
  }
  const major = io.version.major ?? 0;
  if (major < 2) {
    return fail(new HilError(
      'HIL_FIRMWARE_UNSUPPORTED',
      `${portLabel} speaks Firmata protocol ${major}.${io.version.minor ?? 0}; the harness needs 2.x (StandardFirmata 2.5): flash a current StandardFirmata`,
    ));
  }
  port.off('data', onData);

  const five = loadFive();
  const board = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: opts.timeoutMs });
  // Johnny-Five re-emits io errors on the board; unhandled they would crash the worker.
  board.on('error', () => {});
  const boardReady = await clock.waitFor(() => board.isReady, { timeoutMs: Math.max(1000, opts.timeoutMs), stepMs: 1 });
  if (!boardReady) {
    return fail(new HilError('HIL_FIRMWARE_TIMEOUT', `firmata-io on ${portLabel} is ready but the Johnny-Five board did not become ready`));
  }
  const fw = io.firmware;
  const firmware: FirmwareInfo = {
    name: fw.name ?? 'unknown',
    version: `${fw.version?.major ?? io.version.major ?? 0}.${fw.version?.minor ?? io.version.minor ?? 0}`,
  };
  return { io, board, firmware, handshakeMs: clock.monotonicMs() - startMs };
}
