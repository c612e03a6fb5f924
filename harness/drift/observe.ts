/**
 * The observables of a session a drift comparison and a fit work from,
 * derived once from its decoded streams: the wheel commands, the sonar
 * readings on a timeline (each at the moment the firmware took it), the
 * sampling intervals of the analog reports, and the start epochs (the
 * robot's start pose, shifted to where the session's own pre-motion sonar
 * readings say it stood).
 */
import type { WiringProfile } from '../mbot/mcore-pins.ts';
import { startDistanceCm, type StartEpoch } from './drive-model.ts';
import { medianOf } from './stats.ts';
import { analogSamples, pingPairs, wheelCommands, type AnalogSample, type DecodedSession, type PingPair, type Placement, type WheelCommand } from './streams.ts';

/** Bytes of a ping-read request (F0 75 pin value, two 32-bit values as 7-bit pairs, F7: firmata-io pingRead): the firmware measures after the last one. */
export const PING_REQUEST_BYTES = 21;

/** A sonar reading on the session's timeline. */
export interface SonarReading {
  /** When the firmware measured, ms (the request's end plus its wire time). */
  atMs: number;
  distanceCm: number;
  /** Ms since the last wheel command change (how settled the robot was). */
  sinceCommandMs: number;
  /** The wheel command in force. */
  command: WheelCommand;
}

/** The observables of one session. */
export interface SessionObservables {
  commands: WheelCommand[];
  pings: PingPair[];
  sonar: SonarReading[];
  analog: Map<number, AnalogSample[]>;
  epochs: StartEpoch[];
}

/** Least readings before the first motion of an epoch that place the robot (else it stays at the simulator's start). */
export const MIN_START_READINGS = 3;
/** Largest start shift accepted, cm: beyond it the robot was not set up facing the simulator's wall, and the start is left alone. */
export const MAX_START_SHIFT_CM = 150;

/** The command in force at `t` (commands ascending by time). */
export function commandAt(commands: readonly WheelCommand[], t: number): { command: WheelCommand; index: number } {
  let lo = 0;
  let hi = commands.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((commands[mid] as WheelCommand).atMs <= t) lo = mid;
    else hi = mid - 1;
  }
  return { command: commands[lo] ?? { atMs: -Infinity, left: 0, right: 0 }, index: lo };
}

/** Derives the observables; `placeStart` (default true) shifts each epoch's start to the pre-motion readings. */
export function observe(session: DecodedSession, wiring: WiringProfile = session.wiring, placeStart = true): SessionObservables {
  const commands = wheelCommands(session.host, wiring, session.startMs);
  const pings = pingPairs(session.host, session.device).filter((p) => p.pin === wiring.ultrasonicPin);
  const wireMs = (PING_REQUEST_BYTES * 10 * 1000) / session.baudRate;
  const sonar: SonarReading[] = [];
  for (const p of pings) {
    if (p.distanceCm === undefined) continue;
    const atMs = p.sentAtMs + wireMs;
    const { command } = commandAt(commands, atMs);
    sonar.push({ atMs, distanceCm: p.distanceCm, sinceCommandMs: atMs - command.atMs, command });
  }
  const placed = session.placements.filter((p) => p.atMs > session.startMs).sort((a, b) => a.atMs - b.atMs);
  const starts: { atMs: number; pose?: Placement['pose'] }[] = [{ atMs: session.startMs }, ...placed];
  const epochs: StartEpoch[] = starts.map((start, i) => {
    const { atMs } = start;
    if (start.pose !== undefined) return { atMs, pose: { ...start.pose }, shiftCm: 0 };
    if (!placeStart) return { atMs, shiftCm: 0 };
    const next = starts[i + 1]?.atMs ?? Infinity;
    const firstMotion = commands.find((c) => c.atMs >= atMs && c.atMs < next && (c.left !== 0 || c.right !== 0))?.atMs ?? next;
    const before = sonar.filter((r) => r.atMs >= atMs && r.atMs < firstMotion).map((r) => r.distanceCm);
    if (before.length < MIN_START_READINGS) return { atMs, shiftCm: 0 };
    const shiftCm = startDistanceCm(0) - (medianOf(before) as number);
    return { atMs, shiftCm: Math.abs(shiftCm) <= MAX_START_SHIFT_CM ? shiftCm : 0 };
  });
  return { commands, pings, sonar, analog: analogSamples(session.device), epochs };
}

/** Intervals between successive reports of `channel`, ms, leaving out gaps over twice the median (reporting paused or lost). */
export function samplingIntervalsMs(samples: readonly AnalogSample[]): number[] {
  const raw: number[] = [];
  for (let i = 1; i < samples.length; i++) raw.push((samples[i] as AnalogSample).atMs - (samples[i - 1] as AnalogSample).atMs);
  const med = medianOf(raw.filter((d) => d >= 0));
  if (med === undefined) return [];
  return raw.filter((d) => d >= 0 && d <= 2 * med);
}
