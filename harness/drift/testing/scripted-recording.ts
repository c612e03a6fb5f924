/**
 * Recordings made without a test run, for the drift tests: a scripted host
 * (raw Firmata, the calibration routine with pings every 65 ms and the light
 * sensor reported every 25 ms) run against the simulator on the virtual clock
 * with a chosen profile, written as the recording a robot of that profile
 * would give. The same shape HIL_RECORD writes (harness/record).
 */
import { WIRING_PROFILES } from '../../mbot/mcore-pins.ts';
import type { SimProfile } from '../../../simulators/mbot/sim-profile.ts';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { encodeEvent, encodeHeader, RECORDING_FORMAT, RECORDING_VERSION, type RecordingEvent } from '../../record/recording-format.ts';
import type { RecordingSession } from '../../record/recording-reader.ts';
import { calibrationRoutine, type CalibrationStep } from '../calibration-routine.ts';
import { resimulate } from '../resimulate.ts';
import { SIM_PROFILE_HEADER_FIELD } from '../session.ts';

const BAUD = 57600;
/** When the scripted host starts talking, ms after the open (the simulator announces at 2000). */
export const SCRIPT_HANDSHAKE_MS = 2100;
const PING_EVERY_MS = 65;

const encode32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].flatMap((b) => [b & 0x7f, (b >> 7) & 0x7f]);
const analogWrite = (pin: number, v: number): number[] => [0xe0 | pin, v & 0x7f, (v >> 7) & 0x7f];

/** The host side of the calibration as recording events (open, tx, close), times in µs. */
export function scriptedCalibrationHost(steps: CalibrationStep[] = calibrationRoutine()): RecordingEvent[] {
  const w = WIRING_PROFILES['johnny-five-examples'];
  const ev: RecordingEvent[] = [{ tUs: 0, kind: 'open', path: '/dev/ttyMBOTSIM0', baudRate: BAUD }];
  const tx = (ms: number, bytes: number[]): void => {
    ev.push({ tUs: Math.round(ms * 1000), kind: 'tx', bytes: Uint8Array.from(bytes) });
  };
  let t = SCRIPT_HANDSHAKE_MS;
  tx(t, [0xf9, 0xf0, 0x79, 0xf7]);
  t += 50;
  tx(t, [0xf4, w.leftMotor.pwm, 3, 0xf4, w.rightMotor.pwm, 3, 0xf4, w.leftMotor.dir, 1, 0xf4, w.rightMotor.dir, 1, 0xf4, w.ultrasonicPin, 0x75]);
  tx(t + 1, [0xc0 | (w.lightSensorPin - 14), 1, 0xf0, 0x7a, 25, 0, 0xf7]);
  const start = t + 50;
  const moves: { ms: number; bytes: number[] }[] = [];
  let m = start;
  for (const s of steps) {
    // Port 0 holds both direction pins (4 and 7): left DIR HIGH = wheel backward (mirrored), right DIR HIGH = forward.
    const port0 = (s.left < 0 ? 1 << w.leftMotor.dir : 0) | (s.right > 0 ? 1 << w.rightMotor.dir : 0);
    moves.push({ ms: m, bytes: [0x90, port0 & 0x7f, (port0 >> 7) & 0x7f, ...analogWrite(w.leftMotor.pwm, Math.abs(s.left)), ...analogWrite(w.rightMotor.pwm, Math.abs(s.right))] });
    m += s.ms;
  }
  const end = m + 200;
  const pings: { ms: number; bytes: number[] }[] = [];
  for (let p = start + 7; p < end; p += PING_EVERY_MS) pings.push({ ms: p, bytes: [0xf0, 0x75, w.ultrasonicPin, 1, ...encode32(5), ...encode32(1_000_000), 0xf7] });
  for (const x of [...moves, ...pings].sort((a, b) => a.ms - b.ms)) tx(x.ms, x.bytes);
  tx(end, [0x90, 0, 0, ...analogWrite(w.leftMotor.pwm, 0), ...analogWrite(w.rightMotor.pwm, 0)]);
  ev.push({ tUs: Math.round((end + 20) * 1000), kind: 'close' });
  return ev;
}

/** A header like HIL_RECORD's for a simulator target. */
function header(seed: number, profile: SimProfile | undefined): RecordingSession['header'] {
  return {
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    session: 'scripted',
    startedAt: '2026-01-01T00:00:00.000Z',
    clock: 'virtual',
    target: { kind: 'sim', port: '/dev/ttyMBOTSIM0' },
    firmwareProfile: 'mbot-usb',
    baudRate: BAUD,
    wiring: { ...WIRING_PROFILES['johnny-five-examples'] } as RecordingSession['header']['wiring'],
    seed,
    writer: 'scripted-recording (drift tests)',
    ...(profile !== undefined ? { extra: { [SIM_PROFILE_HEADER_FIELD]: profile } } : {}),
  };
}

/** The recording of the scripted calibration on a simulator running `profile` (default: none), seed `seed`. */
export async function recordScriptedCalibration(profile?: SimProfile, seed = 11, steps?: CalibrationStep[]): Promise<RecordingSession> {
  const hostOnly: RecordingSession = { header: header(seed, profile), events: scriptedCalibrationHost(steps), complete: true, skippedUnknown: 0 };
  const run = await resimulate(hostOnly, { ...(profile !== undefined ? { profile } : {}), seed });
  const rx: RecordingEvent[] = run.rxChunks.map((c) => ({ tUs: Math.round(c.atMs * 1000), kind: 'rx', bytes: c.bytes }));
  const events = [...hostOnly.events, ...rx].sort((a, b) => a.tUs - b.tUs);
  const last = events[events.length - 1]?.tUs ?? 0;
  events.push({ tUs: last, kind: 'end', events: events.length + 1, txBytes: 0, rxBytes: 0 });
  return { ...hostOnly, events };
}

/** Writes sessions as a recording file (gzip of the header and event lines, as HIL_RECORD writes them). */
export function writeRecordingFile(path: string, sessions: readonly RecordingSession[]): void {
  const lines = sessions.flatMap((s) => [encodeHeader(s.header), ...s.events.map(encodeEvent)]);
  writeFileSync(path, gzipSync(`${lines.join('\n')}\n`));
}
