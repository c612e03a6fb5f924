/**
 * Fits simulator parameters to a session (a robot's recording), as pure
 * functions of its observables:
 *
 * - Drive (speed at PWM 255, dead band, per-motor gain): the drive model
 *   (drive-model.ts) is run on the session's wheel commands and read at its
 *   sonar times; Nelder–Mead minimises the Huber loss of recorded minus
 *   predicted distances over the two wheels' full speeds and the dead band
 *   (from three starting dead bands, keeping the best). The speed at 255 is
 *   the mean of the two wheels'; each gain is a wheel's speed over that mean.
 * - Sampling jitter: the simulator delays each write to the host by a
 *   uniform [0, J) (link jitter); each recorded report is matched with the
 *   simulator's report of the same sampling pass, and the sd of the time
 *   differences is J/√12 (see estimateJitterFromDelaysMs).
 * - Sensor noise: the sd of successive differences / √2 of the light
 *   channel, and of the sonar readings while the robot stood still (the
 *   drive fit's residual sd when there are too few: it also holds timing
 *   errors of the moves).
 * - Link latency: half of what the ping round trip takes beyond the
 *   simulator's, less the jitter's share (the median of two uniform delays is J).
 */
import type { SimProfile } from '../../simulators/mbot/sim-profile.ts';
import { SIM_PROFILE_FORMAT } from '../../simulators/mbot/sim-profile.ts';
import { DEFAULT_DRIVE } from '../../simulators/world/drive.ts';
import { predictSonarCm, type DriveParams } from './drive-model.ts';
import { nelderMead } from './nelder-mead.ts';
import { samplingIntervalsMs, type SessionObservables, type SonarReading } from './observe.ts';
import type { AnalogSample } from './streams.ts';
import { diffs, medianOf, noiseSdFromDiffs, noiseSdOfDifferences, sd } from './stats.ts';

/** Huber threshold of the drive fit, cm: residuals beyond it count linearly (a stray echo does not steer the fit). */
export const HUBER_CM = 2;
/** Least χ² (swapped gains against the fit) for the fit to say which motor is stronger: 9, three standard deviations. */
export const GAIN_SWAP_MIN_CHI2 = 9;

/** The robot counts as standing still this long after both wheels were commanded to 0, ms. */
export const STILL_AFTER_MS = 200;

/** The drive part of a fit. */
export interface DriveFit {
  params: DriveParams;
  /**
   * A constant added to every predicted reading, cm (fitted with the rest):
   * where the robot stood off the simulator's start beyond what its first
   * readings said, or a sensor that reads long or short.
   */
  offsetCm: number;
  /** Root mean square of recorded minus predicted sonar distance at the fit, cm. */
  rmsCm: number;
  /** The residuals' sd with the 4 fitted parameters taken off the degrees of freedom, cm: the sonar noise where the model holds. */
  residualSdCm: number;
  /** The same with the simulator's defaults, cm (what the fit improved on). */
  defaultRmsCm: number;
  readings: number;
  evaluations: number;
  /** Distinct |PWM| levels of straight drives with readings: the dead band needs 2 or more above it. */
  pwmLevels: number[];
  /**
   * How much worse the fit gets with the two gains swapped, in units of the
   * residual variance (a likelihood-ratio χ²): below {@link GAIN_SWAP_MIN_CHI2}
   * the recording cannot say which wheel is the stronger one.
   */
  gainSwapChi2: number;
  warnings: string[];
}

/** Everything `--fit` estimates. Undefined parts could not be estimated (the reason is in `warnings`). */
export interface FitResult {
  drive: DriveFit | undefined;
  samplingJitterMs: number | undefined;
  linkLatencyMs: number | undefined;
  /** Open to the board's first answer, less the answer's wire time, ms: the board's reset-to-announce delay. */
  resetDelayMs: number | undefined;
  lightSd: number | undefined;
  /** The sonar noise the profile gets: from the still readings when there are {@link MIN_STILL_DIFFERENCES} differences, else the drive fit's residual sd. */
  ultrasonicSdCm: number | undefined;
  /** The sonar noise from still readings alone (a cross-check: few readings, so a wide error). */
  ultrasonicSdStillCm: number | undefined;
  warnings: string[];
}

function huber(r: number): number {
  const a = Math.abs(r);
  return a <= HUBER_CM ? 0.5 * r * r : HUBER_CM * (a - 0.5 * HUBER_CM);
}

function rms(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return a.length === 0 ? 0 : Math.sqrt(s / a.length);
}

/** The default simulator's drive, as {@link DriveParams} (nominal gains). */
export function defaultDriveParams(): DriveParams {
  return {
    maxSpeedCmPerS: DEFAULT_DRIVE.maxSpeedCmPerS,
    deadBandPwm: DEFAULT_DRIVE.deadBandPwm,
    gainLeft: 1,
    gainRight: 1,
    accelTimeConstantMs: DEFAULT_DRIVE.accelTimeConstantMs,
  };
}

function toParams(x: readonly number[], tauMs: number): DriveParams | undefined {
  const [vl, vr, db] = x as [number, number, number];
  if (!(vl > 0.5 && vr > 0.5 && vl < 1000 && vr < 1000 && db >= 0 && db <= 250)) return undefined;
  const mean = (vl + vr) / 2;
  const gl = vl / mean;
  const gr = vr / mean;
  if (gl < 0.5 || gl > 1.5 || gr < 0.5 || gr > 1.5) return undefined;
  return { maxSpeedCmPerS: mean, deadBandPwm: db, gainLeft: gl, gainRight: gr, accelTimeConstantMs: tauMs };
}

/** Fits speed at 255, dead band and gains to the session's sonar readings; undefined when it has no readings while driving. */
export function fitDrive(obs: SessionObservables, accelTimeConstantMs: number = DEFAULT_DRIVE.accelTimeConstantMs): DriveFit | undefined {
  const readings = obs.sonar;
  const moving = readings.filter((r) => r.command.left !== 0 || r.command.right !== 0);
  if (moving.length < 3) return undefined;
  const times = readings.map((r) => r.atMs);
  const recorded = readings.map((r) => r.distanceCm);
  const cost = (x: readonly number[]): number => {
    const p = toParams(x, accelTimeConstantMs);
    if (p === undefined) return Infinity;
    const predicted = predictSonarCm(obs.commands, obs.epochs, times, p);
    const offsetCm = x[3] as number;
    let s = 0;
    for (let i = 0; i < recorded.length; i++) s += huber((recorded[i] as number) - (predicted[i] as number) - offsetCm);
    return s;
  };
  const d = defaultDriveParams();
  let best: { x: number[]; cost: number; evaluations: number } | undefined;
  let evaluations = 0;
  for (const db of [10, 50, 110]) {
    const r = nelderMead(cost, [d.maxSpeedCmPerS, d.maxSpeedCmPerS, db, 0], { steps: [6, 6, 20, 0.5], maxEvaluations: 800, costTolerance: 1e-7 });
    evaluations += r.evaluations;
    if (best === undefined || r.cost < best.cost) best = r;
  }
  // A last polish from the best start, with a small simplex.
  const polished = nelderMead(cost, best!.x, { steps: [1, 1, 3, 0.1], maxEvaluations: 800, costTolerance: 1e-9 });
  evaluations += polished.evaluations;
  const x = polished.cost <= best!.cost ? polished.x : best!.x;
  const params = toParams(x, accelTimeConstantMs) as DriveParams;
  const offsetCm = x[3] as number;
  const levels = straightLevels(moving);
  const warnings: string[] = [];
  const above = levels.filter((l) => l > params.deadBandPwm + 5);
  if (above.length < 2) {
    warnings.push(`the straight drives with sonar readings use ${levels.length === 0 ? 'no' : `only the PWM level(s) ${levels.join(', ')}`}; speed at 255 and dead band need 2 or more levels above the dead band (the calibration spec drives at 255, 160, 100, 70 and 45)`);
  }
  if (!moving.some((r) => r.command.left !== r.command.right)) {
    warnings.push('no single-wheel or unequal drive with sonar readings: the two motor gains cannot be told apart (the calibration spec pivots on each wheel)');
  }
  const fitted = predictSonarCm(obs.commands, obs.epochs, times, params).map((v) => v + offsetCm);
  const ssr = (pred: readonly number[]): number => pred.reduce((a, v, i) => a + ((recorded[i] as number) - v - offsetCm) ** 2, 0);
  const residualVar = ssr(fitted.map((v) => v - offsetCm)) / Math.max(1, readings.length - 4);
  const swapped = predictSonarCm(obs.commands, obs.epochs, times, { ...params, gainLeft: params.gainRight, gainRight: params.gainLeft });
  const gainSwapChi2 = residualVar > 0 ? (ssr(swapped) - ssr(fitted.map((v) => v - offsetCm))) / residualVar : Infinity;
  if (Math.abs(params.gainLeft - params.gainRight) > 0.01 && gainSwapChi2 < GAIN_SWAP_MIN_CHI2) {
    warnings.push(`which motor is the stronger one is uncertain: swapping the two fitted gains (${params.gainLeft.toFixed(3)}, ${params.gainRight.toFixed(3)}) worsens the fit by only χ² ${gainSwapChi2.toFixed(1)} (< ${GAIN_SWAP_MIN_CHI2}); the pivots' timing was too noisy (a loaded host, a slow link): record the calibration again`);
  }
  return {
    params,
    offsetCm,
    rmsCm: rms(recorded, fitted),
    residualSdCm: Math.sqrt((rms(recorded, fitted) ** 2 * readings.length) / Math.max(1, readings.length - 4)),
    defaultRmsCm: rms(recorded, predictSonarCm(obs.commands, obs.epochs, times, d)),
    readings: readings.length,
    evaluations,
    gainSwapChi2,
    pwmLevels: levels,
    warnings,
  };
}

function straightLevels(readings: readonly SonarReading[]): number[] {
  const set = new Set<number>();
  for (const r of readings) if (r.command.left === r.command.right && r.command.left !== 0) set.add(Math.abs(r.command.left));
  return [...set].sort((a, b) => b - a);
}

/** The lowest analog channel with at least `min` reports (the first one the firmware sends in each sampling pass). */
export function firstReportedChannel(obs: SessionObservables, min = 20): number | undefined {
  const channels = [...obs.analog.entries()].filter(([, s]) => s.length >= min).map(([c]) => c).sort((a, b) => a - b);
  return channels[0];
}

/**
 * Sampling jitter from sample-by-sample delays: both runs sample the same
 * channel on the same grid (it runs from the board's reset, whatever the
 * host does), so each recorded report is matched with the simulated one
 * nearest to it after the median offset, and what is left of the time
 * difference is the recorded delivery delay, less its median. For a uniform
 * [0, J) delay its sd is J/√12; `simulatedJitterMs` (the compared
 * simulator's own link jitter) is taken off: var = (J² + J_sim²)/12.
 * Undefined with fewer than 20 matched reports.
 */
export function estimateJitterFromDelaysMs(recorded: readonly AnalogSample[], simulated: readonly AnalogSample[], simulatedJitterMs = 0, busyAtMs: readonly number[] = []): number | undefined {
  const delays = matchedDelaysMs(recorded, simulated, busyAtMs);
  if (delays.length < 20) return undefined;
  const v = (sd(delays) as number) ** 2;
  return Math.sqrt(Math.max(0, 12 * v - simulatedJitterMs ** 2));
}

/** Recorded minus simulated time of each matched report, median offset removed, ms (see {@link estimateJitterFromDelaysMs}). */
export function matchedDelaysMs(recorded: readonly AnalogSample[], simulated: readonly AnalogSample[], busyAtMs: readonly number[] = []): number[] {
  if (recorded.length === 0 || simulated.length === 0) return [];
  const sim = simulated.map((x) => x.atMs);
  const nearest = (t: number): number => {
    let lo = 0;
    let hi = sim.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sim[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    const a = sim[lo] as number;
    const b = sim[lo - 1];
    return b !== undefined && Math.abs(b - t) < Math.abs(a - t) ? b : a;
  };
  const interval = medianOf(samplingIntervalsMs(simulated)) ?? 0;
  // First pass: the offset between the two grids; second: delays around it, a report matched only within half an interval.
  const first = recorded.map((r) => r.atMs - nearest(r.atMs));
  const offset = medianSigned(first);
  const busy = [...busyAtMs].sort((a, b) => a - b);
  const quiet = (t: number): boolean => {
    // A ping holds the firmware's loop (and its answer shares the line) for a few ms: a report near one moves for that, not for jitter.
    for (let lo = 0, hi = busy.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if ((busy[mid] as number) < t - BUSY_AFTER_MS) lo = mid + 1;
      else hi = mid;
    }
    const next = busy.find((b) => b >= t - BUSY_AFTER_MS);
    return next === undefined || next > t + BUSY_BEFORE_MS;
  };
  const second: number[] = [];
  for (const r of recorded) {
    const s = nearest(r.atMs - offset);
    const d = r.atMs - offset - s;
    if ((interval === 0 || Math.abs(d) < interval / 2) && quiet(s)) second.push(d);
  }
  const center = medianSigned(second);
  return second.map((d) => d - center);
}

/** A report this long after a ping request (or {@link BUSY_BEFORE_MS} before it) is left out of the jitter estimate, ms. */
export const BUSY_AFTER_MS = 20;
export const BUSY_BEFORE_MS = 2;

function medianSigned(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const lo = Math.min(...values);
  return (medianOf(values.map((v) => v - lo)) as number) + lo;
}

/** J = √(6·(var_rec − var_sim)) of one channel's sampling intervals: a cruder estimate, kept as a cross-check; undefined without 10+ intervals each. */
export function estimateJitterMs(recordedIntervalsMs: readonly number[], simulatedIntervalsMs: readonly number[]): number | undefined {
  if (recordedIntervalsMs.length < 10 || simulatedIntervalsMs.length < 10) return undefined;
  const vr = (sd(recordedIntervalsMs) as number) ** 2;
  const vs = (sd(simulatedIntervalsMs) as number) ** 2;
  return Math.sqrt(6 * Math.max(0, vr - vs));
}

/** Sonar noise sd, cm, from readings while the robot stood still (both wheels 0 for {@link STILL_AFTER_MS}), differences within each still spell only. */
export function sonarNoiseSdCm(readings: readonly SonarReading[]): number | undefined {
  return stillDifferences(readings).sd;
}

/** The still spells' successive differences and the noise sd they give (see {@link sonarNoiseSdCm}). */
export function stillDifferences(readings: readonly SonarReading[]): { count: number; sd: number | undefined } {
  const spells: number[][] = [];
  let current: number[] = [];
  let spellStart: number | undefined;
  for (const r of readings) {
    const still = r.command.left === 0 && r.command.right === 0 && r.sinceCommandMs >= STILL_AFTER_MS;
    if (!still || spellStart !== r.command.atMs) {
      if (current.length > 0) spells.push(current);
      current = [];
      spellStart = still ? r.command.atMs : undefined;
    }
    if (still) current.push(r.distanceCm);
  }
  if (current.length > 0) spells.push(current);
  const pooled: number[] = [];
  for (const s of spells) pooled.push(...diffs(s));
  return { count: pooled.length, sd: noiseSdOfDifferences(pooled) };
}

/** Still differences enough for the profile's sonar noise to come from them rather than from the drive fit's residuals. */
export const MIN_STILL_DIFFERENCES = 20;

/**
 * The whole fit: drive from the sonar, jitter and latency against the
 * simulator's own run of the same commands (`simulated`), noise from the
 * recorded streams. `lightChannel` is the light sensor's analog channel.
 */
export function fitSession(
  recorded: SessionObservables,
  simulated: SessionObservables,
  lightChannel: number,
  accelTimeConstantMs?: number,
  simulatedJitterMs = 0,
  recordedBootMs?: number,
): FitResult {
  const warnings: string[] = [];
  const drive = fitDrive(recorded, accelTimeConstantMs);
  if (drive === undefined) warnings.push('no sonar readings while driving: speed, dead band and gains were not fitted (record the calibration spec, docs/drift-and-calibration.md)');
  else warnings.push(...drive.warnings);

  const channel = firstReportedChannel(recorded);
  let samplingJitterMs: number | undefined;
  if (channel === undefined) warnings.push('no analog channel reported 20+ times: sampling jitter was not fitted');
  else {
    samplingJitterMs = estimateJitterFromDelaysMs(recorded.analog.get(channel) ?? [], simulated.analog.get(channel) ?? [], simulatedJitterMs, [...recorded.pings.map((p) => p.sentAtMs), ...simulated.pings.map((p) => p.sentAtMs)]);
    if (samplingJitterMs === undefined) warnings.push(`analog channel ${channel}: too few intervals in the simulator's run to compare the jitter`);
  }

  let linkLatencyMs: number | undefined;
  const recLatency = medianOf(recorded.pings.map((p) => p.latencyMs));
  const simLatency = medianOf(simulated.pings.map((p) => p.latencyMs));
  if (recLatency !== undefined && simLatency !== undefined && recorded.pings.length >= 5) {
    linkLatencyMs = Math.max(0, (recLatency - simLatency - ((samplingJitterMs ?? 0) - simulatedJitterMs)) / 2);
  }

  const light = recorded.analog.get(lightChannel)?.map((s) => s.value) ?? [];
  const lightSd = noiseSdFromDiffs(light);
  if (lightSd === undefined) warnings.push(`the light sensor (A${lightChannel}) was not reported: its noise was not fitted`);
  // Still readings measure the sensor alone; the drive fit's residuals also hold every timing error of the moves.
  const still = stillDifferences(recorded.sonar);
  const ultrasonicSdStillCm = still.sd;
  const ultrasonicSdCm = still.count >= MIN_STILL_DIFFERENCES ? still.sd : (drive?.residualSdCm ?? still.sd);
  if (ultrasonicSdCm === undefined) warnings.push('no sonar readings while the robot stood still: the ultrasonic noise was not fitted');
  // The announce (3 bytes) takes about 0.5 ms on the wire at 57600 baud; the board's delay is what comes before.
  const resetDelayMs = recordedBootMs === undefined ? undefined : Math.max(0, Math.round(recordedBootMs - 0.5));
  if (resetDelayMs === undefined) warnings.push('the board never answered after an open: its reset-to-announce delay was not fitted');
  return { drive, samplingJitterMs, linkLatencyMs, resetDelayMs, lightSd, ultrasonicSdCm, ultrasonicSdStillCm, warnings };
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** The fit as a profile (`--write-profile`): only what was estimated is set; `notes` say where it came from. */
export function fitToProfile(fit: FitResult, notes: readonly string[], name?: string): SimProfile {
  const profile: SimProfile = { format: SIM_PROFILE_FORMAT, ...(name !== undefined ? { name } : {}) };
  if (fit.drive !== undefined) {
    const p = fit.drive.params;
    profile.drive = {
      maxSpeedCmPerS: round(p.maxSpeedCmPerS, 3),
      deadBandPwm: round(p.deadBandPwm, 2),
      motorGains: { left: round(p.gainLeft, 4), right: round(p.gainRight, 4) },
      accelTimeConstantMs: p.accelTimeConstantMs,
      motorVariation: 0,
    };
  }
  const noise: NonNullable<SimProfile['noise']> = {};
  if (fit.ultrasonicSdCm !== undefined) noise.ultrasonicSdCm = round(Math.min(50, fit.ultrasonicSdCm), 3);
  if (fit.lightSd !== undefined) noise.lightSd = round(Math.min(200, fit.lightSd), 3);
  if (Object.keys(noise).length > 0) profile.noise = noise;
  const link: NonNullable<SimProfile['link']> = {};
  if (fit.samplingJitterMs !== undefined) link.jitterMs = round(Math.min(10_000, fit.samplingJitterMs), 3);
  if (fit.linkLatencyMs !== undefined) link.latencyMs = round(Math.min(10_000, fit.linkLatencyMs), 3);
  if (Object.keys(link).length > 0) profile.link = link;
  if (fit.resetDelayMs !== undefined) profile.board = { resetDelayMs: Math.min(60_000, fit.resetDelayMs) };
  profile.notes = [...notes, ...fit.warnings].map((n) => n.slice(0, 2000)).slice(0, 100);
  return profile;
}
