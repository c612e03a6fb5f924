/**
 * The drift table: the device side of a recording against the simulator's
 * answers to the same host commands, quantity by quantity, each with the
 * tolerance within which the two count as the same. Pure functions of the
 * two sessions' observables.
 *
 * Tolerances are judgement, stated once here and in the docs: wide enough
 * that the simulator compared with itself (another seed) shows no drift,
 * narrow enough that a robot 10 % slower, with a dead band 15 PWM wider,
 * gains 5 % apart or reports jittering by 3 ms does.
 */
import { defaultDriveParams, sonarNoiseSdCm } from './fit.ts';
import { samplingIntervalsMs, type SessionObservables, type SonarReading } from './observe.ts';
import { fitLine, mean, medianOf, noiseSdFromDiffs, percentileOf, sd } from './stats.ts';
import type { FirmwareAnswers, PingPair, WheelCommand } from './streams.ts';

/** Whether a quantity differs beyond its tolerance. */
export type DriftVerdict = 'same' | 'drift' | 'n/a';

/** One row of the drift table. */
export interface DriftRow {
  section: 'firmware' | 'sensors' | 'ultrasonic' | 'drive';
  quantity: string;
  unit: string;
  recorded: number | string | undefined;
  simulated: number | string | undefined;
  /** simulated − recorded, for numbers. */
  difference: number | undefined;
  /** What counts as the same, in words (`±1 ms`, `±5 %`, `equal`). */
  tolerance: string;
  verdict: DriftVerdict;
  note?: string;
}

/**
 * A numeric tolerance: |sim − rec| ≤ max(abs, rel·|rec|, 4·se), where `se`
 * is the standard error of the difference when the quantity is estimated
 * from noisy readings (a slope from a few pings), so noise alone rarely
 * reads as drift.
 */
export interface Tolerance {
  abs: number;
  rel?: number;
  se?: number;
}

/** Standard errors a difference may reach before it counts as drift (a slope from 4 to 10 readings has a t distribution with few degrees of freedom: 4, not 3, keeps false alarms near 1 % a row). */
export const SE_MULTIPLE = 4;

function describe(t: Tolerance, unit: string): string {
  const parts = [`±${t.abs} ${unit}`.trim()];
  if (t.rel !== undefined) parts.push(`±${Math.round(t.rel * 100)} %`);
  if (t.se !== undefined && Number.isFinite(t.se)) parts.push(`${SE_MULTIPLE} SE (${(SE_MULTIPLE * t.se).toFixed(2)})`);
  return parts.join(' or ');
}

/** A numeric row; `n/a` when either side is missing. */
export function numberRow(section: DriftRow['section'], quantity: string, unit: string, recorded: number | undefined, simulated: number | undefined, tol: Tolerance, note?: string): DriftRow {
  const base = { section, quantity, unit, recorded, simulated, tolerance: describe(tol, unit), ...(note !== undefined ? { note } : {}) };
  if (recorded === undefined || simulated === undefined || !Number.isFinite(recorded) || !Number.isFinite(simulated)) {
    return { ...base, difference: undefined, verdict: 'n/a' };
  }
  const difference = simulated - recorded;
  const allowed = Math.max(tol.abs, (tol.rel ?? 0) * Math.abs(recorded), tol.se !== undefined && Number.isFinite(tol.se) ? SE_MULTIPLE * tol.se : 0);
  return { ...base, difference, verdict: Math.abs(difference) <= allowed + 1e-12 ? 'same' : 'drift' };
}

function textRow(section: DriftRow['section'], quantity: string, recorded: string | number | undefined, simulated: string | number | undefined, note?: string): DriftRow {
  const verdict: DriftVerdict = recorded === undefined || simulated === undefined ? 'n/a' : recorded === simulated ? 'same' : 'drift';
  return { section, quantity, unit: '', recorded, simulated, difference: undefined, tolerance: 'equal', verdict, ...(note !== undefined ? { note } : {}) };
}

/** Tolerances of the table (see the file comment). */
export const DRIFT_TOLERANCES = Object.freeze({
  bootMs: { abs: 150, rel: 0.25 },
  reportCount: { abs: 3, rel: 0.05 },
  analogMean: { abs: 5, rel: 0.02 },
  analogNoiseSd: { abs: 0.75, rel: 0.3 },
  intervalMedianMs: { abs: 1 },
  intervalSdMs: { abs: 0.75, rel: 0.3 },
  pingLatencyMs: { abs: 1.5, rel: 0.15 },
  stillDistanceCm: { abs: 1 },
  sonarNoiseSdCm: { abs: 0.1, rel: 0.3 },
  driveRateCmPerS: { abs: 0.5, rel: 0.05 },
  sonarRmsCm: { abs: 1.25 },
} satisfies Record<string, Tolerance>);

/** Firmware rows: the handshake's answers and the boot time. */
export function firmwareRows(recorded: FirmwareAnswers, simulated: FirmwareAnswers, simulatorBootMs: number): DriftRow[] {
  return [
    textRow('firmware', 'protocol version (REPORT_VERSION)', recorded.protocolVersion, simulated.protocolVersion),
    textRow('firmware', 'firmware name and version (REPORT_FIRMWARE)', recorded.firmware, simulated.firmware),
    textRow('firmware', 'pins in the capability response', recorded.capabilityPins, simulated.capabilityPins),
    textRow('firmware', 'analog mapping', recorded.analogMapping, simulated.analogMapping),
    numberRow('firmware', 'open to first answer (boot)', 'ms', recorded.announceAfterMs, simulatorBootMs, DRIFT_TOLERANCES.bootMs, 'the simulator column is its own reset delay; the comparison ran aligned to the recorded boot'),
  ];
}

function pinName(channel: number): string {
  return `A${channel}`;
}

/** Sensor rows: per analog channel, how many reports, their level and noise, and their sampling intervals; per digital port, how many reports. */
export function sensorRows(rec: SessionObservables, sim: SessionObservables, names: ReadonlyMap<number, string> = new Map()): DriftRow[] {
  const rows: DriftRow[] = [];
  const channels = [...new Set([...rec.analog.keys(), ...sim.analog.keys()])].sort((a, b) => a - b);
  const T = DRIFT_TOLERANCES;
  for (const c of channels) {
    const r = rec.analog.get(c) ?? [];
    const s = sim.analog.get(c) ?? [];
    const label = `${pinName(c)}${names.has(c) ? ` (${names.get(c)})` : ''}`;
    const ri = samplingIntervalsMs(r);
    const si = samplingIntervalsMs(s);
    rows.push(
      numberRow('sensors', `${label} reports`, '', r.length, s.length, T.reportCount),
      numberRow('sensors', `${label} mean value`, 'counts', mean(r.map((x) => x.value)), mean(s.map((x) => x.value)), T.analogMean),
      numberRow('sensors', `${label} noise sd`, 'counts', noiseSdFromDiffs(r.map((x) => x.value)), noiseSdFromDiffs(s.map((x) => x.value)), T.analogNoiseSd),
      numberRow('sensors', `${label} sampling interval, median`, 'ms', medianOf(ri), medianOf(si), T.intervalMedianMs),
      numberRow('sensors', `${label} sampling interval, sd (jitter)`, 'ms', sd(ri), sd(si), T.intervalSdMs),
    );
  }
  return rows;
}

/** Ultrasonic rows: answered pings, answer latency, the distance and noise while still, and the distance over the whole session. */
export function ultrasonicRows(rec: SessionObservables, sim: SessionObservables): DriftRow[] {
  const T = DRIFT_TOLERANCES;
  const lat = (p: readonly PingPair[]): number[] => p.map((x) => x.latencyMs).filter((x) => x >= 0);
  const firstStill = (o: SessionObservables): number | undefined => {
    const lead = o.sonar.filter((r) => r.command.left === 0 && r.command.right === 0 && r.command.atMs === o.commands[0]?.atMs);
    return lead.length === 0 ? undefined : medianOf(lead.map((r) => r.distanceCm));
  };
  return [
    numberRow('ultrasonic', 'pings answered', '', rec.pings.length, sim.pings.length, T.reportCount),
    numberRow('ultrasonic', 'ping answer latency, median', 'ms', medianOf(lat(rec.pings)), medianOf(lat(sim.pings)), T.pingLatencyMs),
    numberRow('ultrasonic', 'ping answer latency, p95', 'ms', percentileOf(lat(rec.pings), 95), percentileOf(lat(sim.pings), 95), { abs: 3, rel: 0.2 }),
    numberRow('ultrasonic', 'distance before the first move, median', 'cm', firstStill(rec), firstStill(sim), T.stillDistanceCm),
    numberRow('ultrasonic', 'noise sd while still', 'cm', sonarNoiseSdCm(rec.sonar), sonarNoiseSdCm(sim.sonar), T.sonarNoiseSdCm, 'from successive readings within each still spell; few readings, so a wide error'),
    rmsRow(sonarRmsCm(rec.pings, sim.pings)),
  ];
}

function rmsRow(rmsCm: number | undefined): DriftRow {
  const tol = DRIFT_TOLERANCES.sonarRmsCm;
  return {
    section: 'ultrasonic',
    quantity: 'distance over the session: rms of recorded − simulated',
    unit: 'cm',
    recorded: undefined,
    simulated: undefined,
    difference: rmsCm,
    tolerance: `≤ ${tol.abs} cm`,
    verdict: rmsCm === undefined ? 'n/a' : rmsCm <= tol.abs ? 'same' : 'drift',
    note: 'pings matched by their request; includes both sides\' noise (√2 × sd)',
  };
}

/** RMS of the distance difference of pings answered to the same request (matched by request time). */
export function sonarRmsCm(rec: readonly PingPair[], sim: readonly PingPair[]): number | undefined {
  const byTime = new Map<number, number>();
  for (const p of sim) if (p.distanceCm !== undefined) byTime.set(Math.round(p.sentAtMs * 1000), p.distanceCm);
  let s = 0;
  let n = 0;
  for (const p of rec) {
    const other = byTime.get(Math.round(p.sentAtMs * 1000));
    if (p.distanceCm === undefined || other === undefined) continue;
    s += (p.distanceCm - other) ** 2;
    n++;
  }
  return n === 0 ? undefined : Math.sqrt(s / n);
}

/** A held wheel command long enough to measure a rate on. */
export interface DriveSegment {
  command: WheelCommand;
  endMs: number;
  label: string;
}

/** Readings this long into a move are left out of its rate: the wheels are still speeding up. */
export const RATE_SETTLE_MS = 150;

function commandLabel(c: WheelCommand): string {
  if (c.left === c.right) return `${c.left > 0 ? 'forward' : 'reverse'} ${Math.abs(c.left)}`;
  if (c.right === 0) return `left wheel ${c.left > 0 ? '+' : ''}${c.left}`;
  if (c.left === 0) return `right wheel ${c.right > 0 ? '+' : ''}${c.right}`;
  return `left ${c.left} / right ${c.right}`;
}

/** Moves (non-zero commands) held for at least `minMs`. */
export function driveSegments(commands: readonly WheelCommand[], endMs: number, minMs = 400): DriveSegment[] {
  const out: DriveSegment[] = [];
  commands.forEach((c, i) => {
    const end = commands[i + 1]?.atMs ?? endMs;
    if ((c.left !== 0 || c.right !== 0) && end - c.atMs >= minMs) out.push({ command: c, endMs: end, label: commandLabel(c) });
  });
  return out;
}

/** The sonar's rate of change during a segment, cm/s (line fit after {@link RATE_SETTLE_MS}); undefined with fewer than 3 readings. */
export function segmentRateCmPerS(readings: readonly SonarReading[], seg: DriveSegment): number | undefined {
  return segmentRate(readings, seg)?.rate;
}

/**
 * {@link segmentRateCmPerS} with the slope's standard error, cm/s: from the
 * line's own residuals, or from `sigmaCm` (the residual sd pooled over every
 * move of the session) when given: a 4-to-10-reading line says little about
 * its own noise.
 */
export function segmentRate(readings: readonly SonarReading[], seg: DriveSegment, sigmaCm?: number): { rate: number; se: number; residualVar: number; dof: number } | undefined {
  const inSeg = readings.filter((r) => r.atMs >= seg.command.atMs + RATE_SETTLE_MS && r.atMs <= seg.endMs);
  if (inSeg.length < 4) return undefined;
  const xs = inSeg.map((r) => r.atMs / 1000);
  const line = fitLine(xs, inSeg.map((r) => r.distanceCm));
  if (line === undefined) return undefined;
  const mx = mean(xs) as number;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const n = inSeg.length;
  const residualVar = (line.rms ** 2 * n) / (n - 2);
  return { rate: line.slope, se: (sigmaCm ?? Math.sqrt(residualVar)) / Math.sqrt(sxx), residualVar, dof: n - 2 };
}

/**
 * The residual sd of the straight moves' line fits, pooled over the session
 * (weighted by degrees of freedom), cm. Pivots are left out: the distance
 * to the wall is not a straight line in time while the robot turns.
 */
export function pooledMoveSigmaCm(readings: readonly SonarReading[], segs: readonly DriveSegment[]): number | undefined {
  let v = 0;
  let dof = 0;
  for (const seg of segs) {
    if (seg.command.left !== seg.command.right) continue;
    const r = segmentRate(readings, seg);
    if (r === undefined) continue;
    v += r.residualVar * r.dof;
    dof += r.dof;
  }
  return dof === 0 ? undefined : Math.sqrt(v / dof);
}

/**
 * Drive rows: the speed at each PWM of the straight moves (forward and back
 * pooled, from the sonar's rate of change), and the sonar's rate during each
 * kind of pivot, recorded against simulated.
 */
export function driveRows(rec: SessionObservables, sim: SessionObservables, endMs: number): DriftRow[] {
  const segs = driveSegments(rec.commands, endMs);
  const groups = new Map<string, { rec: number[]; sim: number[]; var: number; command: WheelCommand; straight: boolean }>();
  const recSigma = pooledMoveSigmaCm(rec.sonar, segs);
  const simSigma = pooledMoveSigmaCm(sim.sonar, segs);
  for (const seg of segs) {
    const straight = seg.command.left === seg.command.right;
    const r = segmentRate(rec.sonar, seg, straight ? recSigma : undefined);
    const s = segmentRate(sim.sonar, seg, straight ? simSigma : undefined);
    if (r === undefined || s === undefined) continue;
    // A straight move forward and one back at the same PWM measure one speed: pooled, as speeds (+ = the way it drove).
    const key = straight ? `speed at PWM ${Math.abs(seg.command.left)}` : `sonar rate while ${seg.label}`;
    const sign = straight ? -Math.sign(seg.command.left) : 1;
    const g = groups.get(key) ?? { rec: [], sim: [], var: 0, command: seg.command, straight };
    g.rec.push(sign * r.rate);
    g.sim.push(sign * s.rate);
    g.var += r.se ** 2 + s.se ** 2;
    groups.set(key, g);
  }
  const d = defaultDriveParams();
  return [...groups.entries()].map(([quantity, g]) => {
    // The difference of two means of n slopes each: its variance is the summed variances over n².
    const se = Math.sqrt(g.var) / g.rec.length;
    const note = g.straight
      ? `from the sonar, ${g.rec.length} straight move(s) forward and back; the default simulator drives at ${speedAt(Math.abs(g.command.left), d.maxSpeedCmPerS, d.deadBandPwm).toFixed(1)} cm/s`
      : `${g.rec.length} move(s); − = closing on the wall`;
    return numberRow('drive', quantity, 'cm/s', mean(g.rec), mean(g.sim), { ...DRIFT_TOLERANCES.driveRateCmPerS, se }, note);
  });
}

function speedAt(pwm: number, max: number, band: number): number {
  return pwm <= band ? 0 : (max * (pwm - band)) / (255 - band);
}

/** Every row, in table order. */
export function driftRows(
  rec: SessionObservables,
  sim: SessionObservables,
  firmware: { recorded: FirmwareAnswers; simulated: FirmwareAnswers; simulatorBootMs: number },
  endMs: number,
  channelNames?: ReadonlyMap<number, string>,
): DriftRow[] {
  return [
    ...firmwareRows(firmware.recorded, firmware.simulated, firmware.simulatorBootMs),
    ...sensorRows(rec, sim, channelNames),
    ...ultrasonicRows(rec, sim),
    ...driveRows(rec, sim, endMs),
  ];
}
