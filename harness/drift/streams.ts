/**
 * What a drift comparison reads out of one session's decoded Firmata streams
 * (`TraceEvent`s of simulators/mbot/trace-decoder.ts, both directions, times
 * in ms on one timeline): sensor samples, ping-reads with their answers, the
 * wheel commands the host gave, and the firmware's answers. Pure functions:
 * the same code reads a recording and a re-simulation.
 */
import type { TraceEvent } from '../../simulators/mbot/trace.ts';
import type { WiringProfile } from '../mbot/mcore-pins.ts';
import { ECHO_US_PER_CM, ULTRASONIC_MAX_RANGE_CM } from '../../simulators/world/world.ts';

/** One session on one timeline: host→device and device→host events, plus what the wire does not carry. */
export interface DecodedSession {
  /** Host→device events (`dir: 'to-device'`), in time order. */
  host: readonly TraceEvent[];
  /** Device→host events (`dir: 'to-host'`), in time order. */
  device: readonly TraceEvent[];
  /** Where the sensors and motors are plugged. */
  wiring: WiringProfile;
  /**
   * When a jig put the robot somewhere (a test's `reset()`: the start pose,
   * `pose` undefined; `placeRobot`: that pose); may be empty (a bench
   * without a jig: the robot stays where it drove).
   */
  placements: readonly Placement[];
  /** Time span of the session, ms (from its first open to its end). */
  startMs: number;
  endMs: number;
  /** Line speed, baud (for wire-time corrections). */
  baudRate: number;
}

/** The jig put the robot at `pose` (world frame, heading in rad), or back at its start pose when `pose` is undefined. */
export interface Placement {
  atMs: number;
  pose?: { xCm: number; yCm: number; headingRad: number };
}

/** One analog report. */
export interface AnalogSample {
  atMs: number;
  value: number;
}

/** Analog reports by channel (0..15). */
export function analogSamples(device: readonly TraceEvent[]): Map<number, AnalogSample[]> {
  const out = new Map<number, AnalogSample[]>();
  for (const e of device) {
    if (e.kind !== 'analog-read') continue;
    let list = out.get(e.channel);
    if (list === undefined) out.set(e.channel, (list = []));
    list.push({ atMs: e.atMs, value: e.value });
  }
  return out;
}

/** Digital port reports by port: value changes of each. */
export function digitalReports(device: readonly TraceEvent[]): Map<number, AnalogSample[]> {
  const out = new Map<number, AnalogSample[]>();
  for (const e of device) {
    if (e.kind !== 'digital-read') continue;
    let list = out.get(e.port);
    if (list === undefined) out.set(e.port, (list = []));
    list.push({ atMs: e.atMs, value: e.value });
  }
  return out;
}

/** One ping-read and its answer. */
export interface PingPair {
  pin: number;
  /** When the host's request finished on its side, ms. */
  sentAtMs: number;
  /** When the answer arrived, ms. */
  answeredAtMs: number;
  /** Answer to request, ms. */
  latencyMs: number;
  /** Echo as the firmware measured it, µs (0 = no echo). */
  durationUs: number;
  /** The echo as a distance, cm; undefined when there was no echo or it is out of the HC-SR04's range. */
  distanceCm: number | undefined;
}

/** A request unanswered for this long is taken as lost (J5 pings with a 1 s pulseIn timeout at most). */
export const MAX_PING_LATENCY_MS = 1500;

/**
 * Pairs ping-read requests with their answers, per pin, first in first out
 * (PingFirmata answers every request in order); a request still unanswered
 * {@link MAX_PING_LATENCY_MS} later is taken as lost, so one lost answer does
 * not shift every later pair.
 */
export function pingPairs(host: readonly TraceEvent[], device: readonly TraceEvent[]): PingPair[] {
  const pending = new Map<number, number[]>();
  for (const e of host) {
    if (e.kind !== 'ping-read') continue;
    let q = pending.get(e.pin);
    if (q === undefined) pending.set(e.pin, (q = []));
    q.push(e.atMs);
  }
  const head = new Map<number, number>();
  const out: PingPair[] = [];
  for (const a of device) {
    if (a.kind !== 'ping-response') continue;
    const q = pending.get(a.pin);
    if (q === undefined) continue;
    let i = head.get(a.pin) ?? 0;
    while (i < q.length && a.atMs - (q[i] ?? 0) > MAX_PING_LATENCY_MS) i++;
    const sentAtMs = q[i];
    if (sentAtMs === undefined || sentAtMs > a.atMs) continue;
    head.set(a.pin, i + 1);
    const cm = a.durationUs / ECHO_US_PER_CM;
    out.push({
      pin: a.pin,
      sentAtMs,
      answeredAtMs: a.atMs,
      latencyMs: a.atMs - sentAtMs,
      durationUs: a.durationUs,
      distanceCm: a.durationUs > 0 && cm < ULTRASONIC_MAX_RANGE_CM ? cm : undefined,
    });
  }
  return out;
}

/** Signed wheel commands, WHEEL frame (−255..255, + = robot forward), from `atMs` on. */
export interface WheelCommand {
  atMs: number;
  left: number;
  right: number;
}

/**
 * The wheel commands the host gave, as the mBot applies them (see
 * simulators/mbot/mbot-board.ts): left wheel = +duty(PWM pin) when its DIR is
 * LOW, −duty when HIGH (mirrored mounting); right wheel = +duty when its DIR
 * is HIGH. One entry per change, starting with 0/0 at `startMs`.
 */
export function wheelCommands(host: readonly TraceEvent[], wiring: WiringProfile, startMs = 0): WheelCommand[] {
  const duty = new Map<number, number>();
  const level = new Map<number, number>();
  const out: WheelCommand[] = [{ atMs: startMs, left: 0, right: 0 }];
  const { leftMotor: lm, rightMotor: rm } = wiring;
  for (const e of host) {
    if (e.kind === 'analog-write' && (e.pin === lm.pwm || e.pin === rm.pwm)) duty.set(e.pin, Math.min(255, Math.max(0, e.value)));
    else if (e.kind === 'digital-write' && (e.pin === lm.dir || e.pin === rm.dir)) level.set(e.pin, e.value);
    else if (e.kind === 'system-reset') {
      duty.clear();
      level.clear();
    } else continue;
    const left = (duty.get(lm.pwm) ?? 0) * (level.get(lm.dir) === 1 ? -1 : 1) + 0;
    const right = (duty.get(rm.pwm) ?? 0) * (level.get(rm.dir) === 1 ? 1 : -1) + 0;
    const last = out[out.length - 1]!;
    if (last.left === left && last.right === right) continue;
    if (last.atMs === e.atMs) out[out.length - 1] = { atMs: e.atMs, left, right };
    else out.push({ atMs: e.atMs, left, right });
  }
  return out;
}

/** The firmware's answers to the handshake's questions, as the device sent them (first of each). */
export interface FirmwareAnswers {
  protocolVersion: string | undefined;
  firmware: string | undefined;
  capabilityPins: number | undefined;
  analogMapping: string | undefined;
  /** Ms from the session's first open to the first byte of the first REPORT_VERSION (the boot), or undefined. */
  announceAfterMs: number | undefined;
}

/** Reads {@link FirmwareAnswers} from the device's events; `openAtMs` is when the port was opened. */
export function firmwareAnswers(device: readonly TraceEvent[], openAtMs: number): FirmwareAnswers {
  const first = <K extends TraceEvent['kind']>(kind: K): Extract<TraceEvent, { kind: K }> | undefined =>
    device.find((e) => e.kind === kind) as Extract<TraceEvent, { kind: K }> | undefined;
  const version = first('report-version');
  const fw = first('firmware');
  const cap = first('capability-response');
  const map = first('analog-mapping-response');
  return {
    protocolVersion: version ? `${version.major}.${version.minor}` : undefined,
    firmware: fw ? `${fw.name} ${fw.major}.${fw.minor}` : undefined,
    capabilityPins: cap?.pinCount,
    analogMapping: map ? map.channels.map((c) => (c === 127 ? '-' : String(c))).join(',') : undefined,
    announceAfterMs: version ? version.atMs - openAtMs : undefined,
  };
}
