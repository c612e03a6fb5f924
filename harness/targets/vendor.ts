/**
 * Typed handles on the two CommonJS libraries above the serial seam:
 * firmata-io (the Firmata host) and Johnny-Five. Neither ships types, and a
 * global `declare module` would collide with anyone else's, so they are
 * loaded here with `createRequire` and given the narrow types the harness
 * relies on. Everything a user's spec touches stays the real library object.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';

const require = createRequire(import.meta.url);

/** The part of a firmata-io `Firmata` instance the harness uses. */
export interface FirmataIo extends EventEmitter {
  /** True once version, firmware and (unless skipped) capabilities arrived. */
  isReady: boolean;
  /** True once a REPORT_VERSION reply was parsed. */
  versionReceived: boolean;
  /** `{ major, minor }` of the Firmata protocol, empty until reported. */
  version: { major?: number; minor?: number };
  /** Firmware name and version, empty until QUERY_FIRMWARE was answered. */
  firmware: { name?: string; version?: { major?: number; minor?: number } };
  /** Host-side digital port state (bit per pin), one entry per 8-pin port. */
  ports: number[];
  /** Writes queued on the transport and not yet called back. */
  pending: number;
  /** The serial stream firmata-io writes to. */
  transport: Duplex;
  pins: Array<{ mode?: number; value?: number; supportedModes: number[]; analogChannel: number }>;
  analogPins: number[];
  MODES: Record<string, number>;
  /** Sends a sysex message: `bytes` are the 7-bit payload without 0xF0/0xF7. */
  sysexCommand(bytes: number[]): void;
  pinMode(pin: number, mode: number): void;
  digitalWrite(pin: number, value: 0 | 1): void;
  /** PWM duty 0..255 (or a servo angle on a servo pin). */
  analogWrite(pin: number, value: number): void;
  /** Starts reporting analog channel `channel`; `cb` gets each 10-bit reading. */
  analogRead(channel: number, cb: (value: number) => void): void;
  /** Starts reporting digital pin `pin`; `cb` gets each level. */
  digitalRead(pin: number, cb: (value: 0 | 1) => void): void;
  reportVersionTimeoutId?: ReturnType<typeof setTimeout>;
}

/** Options of `new Firmata(transport, options)` that the targets set. */
export interface FirmataOptions {
  /** Ms without a version announce before the host asks (REPORT_VERSION + QUERY_FIRMWARE). Default 5000. */
  reportVersionTimeout?: number;
  /** Skip CAPABILITY_QUERY / ANALOG_MAPPING_QUERY (then `pins`/`analogPins` must be given). */
  skipCapabilities?: boolean;
  /** Analog sampling interval in ms sent after the handshake, when given. */
  samplingInterval?: number;
}

/** Constructor of firmata-io's `Firmata` over an already made transport (a serialport stream). */
export type FirmataConstructor = new (transport: Duplex, options?: FirmataOptions) => FirmataIo;

/** A Johnny-Five board: an event emitter with `io` and `isReady`. */
export interface FiveBoard extends EventEmitter {
  io: FirmataIo;
  isReady: boolean;
  id: string;
  /** Components registered on the board (motors, sensors, ...). */
  register: unknown[];
}

/** Options of `new five.Board` the harness passes. */
export interface FiveBoardOptions {
  io: FirmataIo;
  /** Disabled: a REPL would read stdin inside a test worker. */
  repl: false;
  /** Disabled: Johnny-Five's own log lines would clutter test output. */
  debug: false;
  /** Disabled: Johnny-Five's SIGINT handler exits without a safe stop; the target installs its own. */
  sigint: false;
  timeout?: number;
  id?: string;
}

/**
 * The Johnny-Five classes the robot fixture builds. Constructors take the
 * options documented by Johnny-Five; results are the library's objects, typed
 * loosely on purpose (a spec uses the real API).
 */
export interface FiveModule {
  Board: new (options: FiveBoardOptions) => FiveBoard;
  Motor: new (options: Record<string, unknown>) => FiveMotor;
  Proximity: new (options: Record<string, unknown>) => FiveProximity;
  Sensor: new (options: Record<string, unknown>) => FiveSensor;
  Button: new (options: Record<string, unknown>) => FiveButton;
  Piezo: new (options: Record<string, unknown> | number) => FivePiezo;
  Servo: new (options: Record<string, unknown>) => FiveServo;
}

/** five.Motor: `forward(speed 0..255)`, `reverse(speed)`, `stop()`, `speed` (last written). */
export interface FiveMotor extends EventEmitter {
  forward(speed?: number): FiveMotor;
  reverse(speed?: number): FiveMotor;
  start(speed?: number): FiveMotor;
  stop(): FiveMotor;
  readonly isOn: boolean;
  readonly pins: { pwm: number; dir: number };
}

/** five.Proximity: `cm` and `in` of the latest reading; `data`/`change` events. */
export interface FiveProximity extends EventEmitter {
  readonly cm: number;
  readonly in: number;
}

/** five.Sensor: `value` (raw 0..1023 analog, 0/1 digital), `data`/`change` events. */
export interface FiveSensor extends EventEmitter {
  readonly value: number;
  readonly raw: number;
  disable(): void;
  enable(): void;
}

/** five.Button: `isDown`; `press`/`down`, `release`/`up`, `hold` events. */
export interface FiveButton extends EventEmitter {
  readonly isDown: boolean;
}

/** five.Piezo: `frequency(hz, durationMs)`, `tone(periodUs, durationMs)`, `noTone()`/`off()`. */
export interface FivePiezo {
  frequency(hz: number, durationMs: number): FivePiezo;
  tone(periodUs: number, durationMs: number): FivePiezo;
  noTone(): FivePiezo;
  off(): FivePiezo;
  /** Stops a song started with `play()` (does not silence a running tone: `noTone()` does). */
  stop(): FivePiezo;
  readonly isPlaying: boolean;
}

/** five.Servo: `to(deg)`, `position` (last commanded degrees). */
export interface FiveServo extends EventEmitter {
  to(degrees: number, ms?: number): FiveServo;
  readonly position: number;
  stop(): FiveServo;
}

/** Johnny-Five, loaded once. */
export function loadFive(): FiveModule {
  return require('johnny-five') as FiveModule;
}

/** firmata-io's `Firmata` class (used with an explicit transport, so no default transport is bound). */
export function loadFirmata(): FirmataConstructor {
  const mod = require('firmata-io') as { Firmata: FirmataConstructor };
  return mod.Firmata;
}
