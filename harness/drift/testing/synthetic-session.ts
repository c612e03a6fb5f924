/**
 * Synthetic sessions for the drift math's tests: decoded Firmata streams as a
 * host and an mBot of KNOWN parameters would produce them (the calibration
 * routine's wheel commands, pings every 65 ms answered with the drive model's
 * distance plus gaussian noise, the light sensor reported every 25 ms with a
 * uniform delivery delay), without running the simulator.
 */
import type { TraceEvent } from '../../../simulators/mbot/trace.ts';
import { WIRING_PROFILES } from '../../mbot/mcore-pins.ts';
import { createRng } from '../../../simulators/world/rng.ts';
import { ECHO_US_PER_CM } from '../../../simulators/world/world.ts';
import { calibrationRoutine, type CalibrationStep } from '../calibration-routine.ts';
import { predictSonarCm, type DriveParams } from '../drive-model.ts';
import { PING_REQUEST_BYTES } from '../observe.ts';
import { wheelCommands, type DecodedSession } from '../streams.ts';

/** What the synthetic robot is like. */
export interface SyntheticRobot {
  drive: DriveParams;
  sonarSdCm: number;
  lightSd: number;
  /** Uniform [0, J) delay on each report, ms. */
  jitterMs: number;
  /** Extra one-way latency on the ping answer, ms. */
  latencyMs?: number;
  seed?: number;
  steps?: CalibrationStep[];
}

const BAUD = 57600;
const PING_EVERY_MS = 65;
const ANALOG_EVERY_MS = 25;
const LIGHT_CHANNEL = 6;

/** A decoded session of the calibration routine on the synthetic robot. */
export function syntheticSession(robot: SyntheticRobot): DecodedSession {
  const wiring = WIRING_PROFILES['johnny-five-examples'];
  const rng = createRng(robot.seed ?? 7);
  const host: TraceEvent[] = [];
  const device: TraceEvent[] = [];
  const leadMs = 100;
  let t = leadMs;
  for (const s of robot.steps ?? calibrationRoutine()) {
    // Johnny-Five's Motor: DIR HIGH = forward(); the left motor is mirrored.
    host.push({ atMs: t, dir: 'to-device', kind: 'digital-write', pin: wiring.leftMotor.dir, value: s.left < 0 ? 1 : 0 });
    host.push({ atMs: t, dir: 'to-device', kind: 'analog-write', pin: wiring.leftMotor.pwm, value: Math.abs(s.left) });
    host.push({ atMs: t, dir: 'to-device', kind: 'digital-write', pin: wiring.rightMotor.dir, value: s.right > 0 ? 1 : 0 });
    host.push({ atMs: t, dir: 'to-device', kind: 'analog-write', pin: wiring.rightMotor.pwm, value: Math.abs(s.right) });
    t += s.ms;
  }
  const endMs = t + 200;
  const pingTimes: number[] = [];
  for (let p = 20; p < endMs; p += PING_EVERY_MS) pingTimes.push(p);
  const wireMs = (PING_REQUEST_BYTES * 10 * 1000) / BAUD;
  const session0: DecodedSession = { host, device, wiring, placements: [], startMs: 0, endMs, baudRate: BAUD };
  // The commands as the fit will read them, so the truth is computed exactly like the prediction.
  const commands = wheelCommands([...host].sort((x, y) => x.atMs - y.atMs), wiring, 0);
  const truth = predictSonarCm(commands, [{ atMs: 0, shiftCm: 0 }], pingTimes.map((p) => p + wireMs), robot.drive);
  pingTimes.forEach((p, i) => {
    host.push({ atMs: p, dir: 'to-device', kind: 'ping-read', pin: wiring.ultrasonicPin, pulseOutUs: 5, timeoutUs: 1_000_000 });
    const cm = (truth[i] as number) + rng.normal(0, robot.sonarSdCm);
    const durationUs = Math.round(cm * ECHO_US_PER_CM);
    const answerMs = p + wireMs + (durationUs + 250) / 1000 + 2.4 + (robot.latencyMs ?? 0) * 2 + rng.next() * robot.jitterMs;
    device.push({ atMs: answerMs, dir: 'to-host', kind: 'ping-response', pin: wiring.ultrasonicPin, durationUs });
  });
  for (let a = 1; a < endMs; a += ANALOG_EVERY_MS) {
    const value = Math.round(Math.min(1023, Math.max(0, 500 + rng.normal(0, robot.lightSd))));
    device.push({ atMs: a + rng.next() * robot.jitterMs, dir: 'to-host', kind: 'analog-read', channel: LIGHT_CHANNEL, value });
  }
  host.sort((x, y) => x.atMs - y.atMs);
  device.sort((x, y) => x.atMs - y.atMs);
  return { ...session0, host, device };
}
