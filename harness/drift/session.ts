/**
 * A recording's session (harness/record) as drift reads it: both directions
 * decoded into Firmata events (the simulator's trace decoder) on one
 * timeline in ms, where the jig put the robot, and what the header says
 * about the target (wiring, seed, firmware profile, line speed, the
 * simulator profile it ran with, if any).
 */
import { DirectionDecoder, type TraceEvent } from '../../simulators/mbot/trace-decoder.ts';
import { DEFAULT_WIRING, WIRING_PROFILES, type WiringProfile } from '../mbot/mcore-pins.ts';
import { DEFAULT_FIRMWARE_PROFILE_ID, FIRMWARE_PROFILES, isFirmwareProfileId, type FirmwareProfileId } from '../mbot/firmware-profiles.ts';
import { parseSimProfile, type SimProfile } from '../../simulators/mbot/sim-profile.ts';
import type { RecordingEvent } from '../record/recording-format.ts';
import type { RecordingSession } from '../record/recording-reader.ts';
import type { DecodedSession, Placement } from './streams.ts';

/** Header field a recording made with `HIL_SIM_PROFILE` carries the profile in (kept by readers in `header.extra`). */
export const SIM_PROFILE_HEADER_FIELD = 'simProfile';

/** What drift knows about the recorded target, and what it had to assume. */
export interface SessionFacts {
  wiring: WiringProfile;
  seed: number | null;
  firmwareProfile: FirmwareProfileId;
  baudRate: number;
  /** The simulator profile the recording was made with (a simulator target with HIL_SIM_PROFILE), if the header says. */
  simProfile: SimProfile | undefined;
  /** Times (ms) the host opened the port. */
  opensAtMs: number[];
  /** Assumptions made for missing header fields. */
  assumptions: string[];
}

const RAD_PER_DEG = Math.PI / 180;

function wiringOf(header: RecordingSession['header'], assumptions: string[]): WiringProfile {
  const w = header.wiring;
  if (w === undefined) {
    assumptions.push(`the header names no wiring: assumed ${DEFAULT_WIRING}`);
    return WIRING_PROFILES[DEFAULT_WIRING];
  }
  const named = WIRING_PROFILES[w.name as keyof typeof WIRING_PROFILES];
  const pin = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 22 ? v : fallback);
  const base = named ?? WIRING_PROFILES[DEFAULT_WIRING];
  if (named === undefined) assumptions.push(`the header's wiring "${w.name}" is not a profile this mbot-hil knows: its pins are used, missing ones from ${DEFAULT_WIRING}`);
  const motor = (m: unknown, d: { pwm: number; dir: number }): { pwm: number; dir: number } => {
    const o = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
    return { pwm: pin(o.pwm, d.pwm), dir: pin(o.dir, d.dir) };
  };
  const line = (typeof w.lineSensorPins === 'object' && w.lineSensorPins !== null ? w.lineSensorPins : {}) as Record<string, unknown>;
  return {
    ...base,
    leftMotor: motor(w.leftMotor, base.leftMotor),
    rightMotor: motor(w.rightMotor, base.rightMotor),
    lightSensorPin: pin(w.lightSensorPin, base.lightSensorPin),
    buttonPin: pin(w.buttonPin, base.buttonPin),
    ultrasonicPin: pin(w.ultrasonicPin, base.ultrasonicPin),
    lineSensorPins: { left: pin(line.left, base.lineSensorPins.left), right: pin(line.right, base.lineSensorPins.right) },
  };
}

/** The facts of a session's header (see {@link SessionFacts}); a profile in the header that does not validate is reported, not used. */
export function sessionFacts(session: RecordingSession): SessionFacts {
  const assumptions: string[] = [];
  const h = session.header;
  const wiring = wiringOf(h, assumptions);
  let firmwareProfile: FirmwareProfileId = DEFAULT_FIRMWARE_PROFILE_ID;
  if (h.firmwareProfile !== undefined && isFirmwareProfileId(h.firmwareProfile) && FIRMWARE_PROFILES[h.firmwareProfile].simulated) firmwareProfile = h.firmwareProfile;
  else assumptions.push(`the header's firmware profile ${JSON.stringify(h.firmwareProfile ?? null)} is not one the simulator runs: assumed ${DEFAULT_FIRMWARE_PROFILE_ID}`);
  const opensAtMs = session.events.filter((e) => e.kind === 'open').map((e) => e.tUs / 1000);
  const baudRate = h.baudRate ?? FIRMWARE_PROFILES[firmwareProfile].baudRate;
  if (h.baudRate === undefined) assumptions.push(`the header gives no baud rate: assumed ${baudRate}`);
  let simProfile: SimProfile | undefined;
  const raw = h.extra?.[SIM_PROFILE_HEADER_FIELD];
  if (raw !== undefined) {
    try {
      simProfile = parseSimProfile(raw, `the recording header's ${SIM_PROFILE_HEADER_FIELD}`);
    } catch (err) {
      assumptions.push(`the header's ${SIM_PROFILE_HEADER_FIELD} is not a valid profile (${(err as Error).message.split('\n')[0]}); ignored`);
    }
  }
  return { wiring, seed: h.seed, firmwareProfile, baudRate, simProfile, opensAtMs, assumptions };
}

/** Where a jig call put the robot, if it did. */
function placementOf(e: Extract<RecordingEvent, { kind: 'jig' }>): Placement | undefined {
  const atMs = e.tUs / 1000;
  if (e.call === 'reset') return { atMs };
  if (e.call === 'placeRobot') {
    const p = (e.args[0] ?? {}) as Record<string, unknown>;
    const x = p.xCm;
    const y = p.yCm;
    const h = p.headingDeg;
    if (typeof x === 'number' && typeof y === 'number' && typeof h === 'number' && [x, y, h].every(Number.isFinite)) {
      return { atMs, pose: { xCm: x, yCm: y, headingRad: h * RAD_PER_DEG } };
    }
  }
  return undefined;
}

/**
 * Decodes a session: tx as host→device, rx as device→host, each direction's
 * parser restarted at every open (bytes of two connections never join).
 */
export function decodeSession(session: RecordingSession, facts: SessionFacts = sessionFacts(session)): DecodedSession {
  const host: TraceEvent[] = [];
  const device: TraceEvent[] = [];
  let tx = new DirectionDecoder('to-device', (e) => host.push(e));
  let rx = new DirectionDecoder('to-host', (e) => device.push(e));
  const placements: Placement[] = [];
  let endMs = 0;
  for (const e of session.events) {
    const atMs = e.tUs / 1000;
    endMs = Math.max(endMs, atMs);
    if (e.kind === 'open') {
      tx = new DirectionDecoder('to-device', (ev) => host.push(ev));
      rx = new DirectionDecoder('to-host', (ev) => device.push(ev));
    } else if (e.kind === 'tx') {
      for (const b of e.bytes) tx.feed(b, atMs);
    } else if (e.kind === 'rx') {
      for (const b of e.bytes) rx.feed(b, atMs);
    } else if (e.kind === 'jig') {
      const p = placementOf(e);
      if (p !== undefined) placements.push(p);
    }
  }
  return { host, device, wiring: facts.wiring, placements, startMs: facts.opensAtMs[0] ?? 0, endMs, baudRate: facts.baudRate };
}
