/**
 * One drift run: load a recording, re-simulate every session's host side,
 * compare the device sides (compare.ts), and with `fit` estimate simulator
 * parameters (fit.ts), re-simulate with them and compare again, so the
 * report shows what the fit fixed and what it did not.
 *
 * Several sessions (one per spec file) are laid end to end on one timeline,
 * a second apart, each starting from the simulator's start pose: every
 * reader then works on one stream, and intervals across a seam are dropped
 * as gaps.
 */
import { HilError } from '../errors.ts';
import { loadRecording, sessionFiles, type RecordingSession } from '../record/recording-reader.ts';
import { parseSimProfile, SIM_PROFILE_DEFAULTS, type SimProfile } from '../../simulators/mbot/sim-profile.ts';
import { DEFAULT_RESET_DELAY_MS } from '../../simulators/mbot/simulated-mbot.ts';
import { driftRows, type DriftRow } from './compare.ts';
import { firstReportedChannel, fitSession, fitToProfile, type FitResult } from './fit.ts';
import { observe, samplingIntervalsMs, type SessionObservables } from './observe.ts';
import { resimulate } from './resimulate.ts';
import { decodeSession, sessionFacts, type SessionFacts } from './session.ts';
import { firmwareAnswers, type DecodedSession } from './streams.ts';
import type { TraceEvent } from '../../simulators/mbot/trace-decoder.ts';

/** Options of {@link runDrift}. */
export interface DriftOptions {
  /** Estimate parameters and compare again with them. */
  fit?: boolean;
  /** Profile of the simulator to compare against (default: none, the simulator's defaults). */
  profile?: SimProfile;
  /** The profile the recording was made with, when known (else the header's, if any): the fit is scored against it. */
  knownProfile?: SimProfile;
  /** Only these sessions (0-based); default all. */
  sessions?: readonly number[];
}

/** What was read about each session. */
export interface SessionSummary {
  index: number;
  files: string[];
  target: string;
  clock: string;
  seed: number | null;
  wiring: string;
  complete: boolean;
  durationMs: number;
  assumptions: string[];
  skippedJigCalls: Record<string, number>;
}

/** One estimated parameter against the simulator it was compared with, and against the known truth when there is one. */
export interface FitParameter {
  name: string;
  /** Where it goes in a profile, e.g. `drive.maxSpeedCmPerS`. */
  field: string;
  unit: string;
  simulator: number;
  fitted: number | undefined;
  known: number | undefined;
  /** fitted − known. */
  error: number | undefined;
  /** |fitted − known| / |known|, when known ≠ 0. */
  relativeError: number | undefined;
}

/** Everything a drift run found (the report renders it). */
export interface DriftResult {
  recording: { path: string; truncated: boolean; sessions: SessionSummary[] };
  /** The profile the simulator ran with in the comparison; undefined = defaults. */
  profile: SimProfile | undefined;
  knownProfile: SimProfile | undefined;
  rows: DriftRow[];
  /** Sonar readings over time for the charts, ms on the combined timeline. */
  sonar: { recorded: [number, number][]; simulated: [number, number][]; fitted?: [number, number][] };
  /** Sampling intervals of the first reported channel, ms. */
  intervals: { channel: number | undefined; recorded: number[]; simulated: number[]; fitted?: number[] };
  fit?: {
    result: FitResult;
    profile: SimProfile;
    parameters: FitParameter[];
    rowsAfterFit: DriftRow[];
  };
  notes: string[];
}

/** Gap between two sessions laid end to end, ms. */
const SEAM_MS = 1000;

function shifted(events: readonly TraceEvent[], dt: number): TraceEvent[] {
  return events.map((e) => ({ ...e, atMs: e.atMs + dt }));
}

/** Lays decoded sessions end to end (see the file comment). */
export function concatSessions(sessions: readonly DecodedSession[]): DecodedSession {
  const first = sessions[0];
  if (first === undefined) throw new Error('concatSessions: no session');
  const out: DecodedSession = { ...first, host: [], device: [], placements: [] };
  let offset = 0;
  sessions.forEach((s, i) => {
    const dt = offset - s.startMs;
    (out.host as TraceEvent[]).push(...shifted(s.host, dt));
    (out.device as TraceEvent[]).push(...shifted(s.device, dt));
    const placements = s.placements.map((p) => ({ ...p, atMs: p.atMs + dt }));
    // A later session starts where the simulator starts: a new target, a new world.
    (out.placements as DecodedSession['placements'][number][]).push(...(i > 0 ? [{ atMs: offset }] : []), ...placements);
    out.endMs = s.endMs + dt;
    offset = out.endMs + SEAM_MS;
  });
  out.startMs = 0;
  return out;
}

function thin(points: [number, number][], max = 500): [number, number][] {
  if (points.length <= max) return points;
  const step = points.length / max;
  return Array.from({ length: max }, (_, i) => points[Math.floor(i * step)] as [number, number]);
}

function sonarSeries(obs: SessionObservables): [number, number][] {
  return thin(obs.sonar.map((r) => [r.atMs, r.distanceCm] as [number, number]));
}

async function simulateAll(sessions: readonly RecordingSession[], facts: readonly SessionFacts[], profile: SimProfile | undefined) {
  const runs = [];
  for (let i = 0; i < sessions.length; i++) runs.push(await resimulate(sessions[i] as RecordingSession, profile !== undefined ? { profile } : {}, facts[i]));
  return runs;
}

function parameters(fit: FitResult, base: SimProfile | undefined, known: SimProfile | undefined): FitParameter[] {
  const d = SIM_PROFILE_DEFAULTS;
  const p = fit.drive?.params;
  // A profile without gains samples them around 1 from its seed: 1 is what it means.
  const gain = (pr: SimProfile | undefined, side: 'left' | 'right'): number => pr?.drive?.motorGains?.[side] ?? 1;
  const rows: [string, string, string, number, number | undefined, number | undefined][] = [
    ['speed at PWM 255', 'drive.maxSpeedCmPerS', 'cm/s', base?.drive?.maxSpeedCmPerS ?? d.maxSpeedCmPerS, p?.maxSpeedCmPerS, known === undefined ? undefined : (known.drive?.maxSpeedCmPerS ?? d.maxSpeedCmPerS)],
    ['dead band', 'drive.deadBandPwm', 'PWM', base?.drive?.deadBandPwm ?? d.deadBandPwm, p?.deadBandPwm, known === undefined ? undefined : (known.drive?.deadBandPwm ?? d.deadBandPwm)],
    ['left motor gain', 'drive.motorGains.left', '', gain(base, 'left'), p?.gainLeft, known === undefined ? undefined : gain(known, 'left')],
    ['right motor gain', 'drive.motorGains.right', '', gain(base, 'right'), p?.gainRight, known === undefined ? undefined : gain(known, 'right')],
    ['sampling jitter', 'link.jitterMs', 'ms', base?.link?.jitterMs ?? d.jitterMs, fit.samplingJitterMs, known === undefined ? undefined : (known.link?.jitterMs ?? d.jitterMs)],
    ['link latency', 'link.latencyMs', 'ms', base?.link?.latencyMs ?? d.latencyMs, fit.linkLatencyMs, known === undefined ? undefined : (known.link?.latencyMs ?? d.latencyMs)],
    ['reset-to-announce delay', 'board.resetDelayMs', 'ms', base?.board?.resetDelayMs ?? DEFAULT_RESET_DELAY_MS, fit.resetDelayMs, known?.board?.resetDelayMs],
    ['ultrasonic noise sd', 'noise.ultrasonicSdCm', 'cm', base?.noise?.ultrasonicSdCm ?? d.ultrasonicSdCm, fit.ultrasonicSdCm, known === undefined ? undefined : (known.noise?.ultrasonicSdCm ?? d.ultrasonicSdCm)],
    ['light sensor noise sd', 'noise.lightSd', 'counts', base?.noise?.lightSd ?? d.lightSd, fit.lightSd, known === undefined ? undefined : (known.noise?.lightSd ?? d.lightSd)],
  ];
  return rows.map(([name, field, unit, simulator, fitted, k]) => {
    const error = fitted !== undefined && k !== undefined ? fitted - k : undefined;
    return { name, field, unit, simulator, fitted, known: k, error, relativeError: error !== undefined && k !== undefined && k !== 0 ? Math.abs(error) / Math.abs(k) : undefined };
  });
}

/**
 * Runs drift on the recording at `path`. Rejects with HIL_RECORDING_INVALID
 * for a file that is not a recording, HIL_CONFIG_INVALID for a bad profile
 * or session index.
 */
export async function runDrift(path: string, opts: DriftOptions = {}): Promise<DriftResult> {
  const file = await loadRecording(path);
  const indexes = opts.sessions ?? file.sessions.map((_, i) => i);
  const missing = indexes.filter((i) => file.sessions[i] === undefined);
  if (missing.length > 0) {
    throw new HilError('HIL_CONFIG_INVALID', `${path} holds ${file.sessions.length} session(s), numbered 0..${file.sessions.length - 1}; there is no session ${missing.join(', ')}`);
  }
  const picked = indexes.map((i) => file.sessions[i] as RecordingSession);
  const facts = picked.map((s) => sessionFacts(s));
  const notes: string[] = [];
  const headerProfiles = facts.map((f) => f.simProfile).filter((p): p is SimProfile => p !== undefined);
  const knownProfile = opts.knownProfile ?? headerProfiles[0];
  if (opts.knownProfile === undefined && headerProfiles.length > 0) notes.push('the recording\'s header says which simulator profile it was made with: the fit is scored against it');

  const recordedSessions = picked.map((s, i) => decodeSession(s, facts[i]));
  const runs = await simulateAll(picked, facts, opts.profile);
  const recorded = concatSessions(recordedSessions);
  const simulated = concatSessions(runs.map((r) => r.session));
  const recObs = observe(recorded);
  const simObs = observe(simulated);
  const lightChannel = (facts[0]?.wiring.lightSensorPin ?? 20) - 14;
  const names = new Map<number, string>([[lightChannel, 'light'], [(facts[0]?.wiring.buttonPin ?? 21) - 14, 'button']]);
  const firstOpen = facts[0]?.opensAtMs[0] ?? 0;
  const firmware = {
    recorded: firmwareAnswers(recordedSessions[0]?.device ?? [], firstOpen),
    simulated: firmwareAnswers(runs[0]?.session.device ?? [], firstOpen),
    simulatorBootMs: runs[0]?.ownResetDelayMs ?? 0,
  };
  const rows = driftRows(recObs, simObs, firmware, recorded.endMs, names);
  const channel = firstReportedChannel(recObs);
  const result: DriftResult = {
    recording: {
      path,
      truncated: file.truncated,
      sessions: picked.map((s, i) => ({
        index: indexes[i] as number,
        files: sessionFiles(s),
        target: [s.header.target.kind, s.header.target.port, s.header.target.bench].filter(Boolean).join(' '),
        clock: s.header.clock,
        seed: s.header.seed,
        wiring: facts[i]?.wiring.name ?? '',
        complete: s.complete,
        durationMs: (s.events[s.events.length - 1]?.tUs ?? 0) / 1000,
        assumptions: facts[i]?.assumptions ?? [],
        skippedJigCalls: runs[i]?.skippedJigCalls ?? {},
      })),
    },
    profile: opts.profile,
    knownProfile,
    rows,
    sonar: { recorded: sonarSeries(recObs), simulated: sonarSeries(simObs) },
    intervals: {
      channel,
      recorded: channel === undefined ? [] : samplingIntervalsMs(recObs.analog.get(channel) ?? []),
      simulated: channel === undefined ? [] : samplingIntervalsMs(simObs.analog.get(channel) ?? []),
    },
    notes,
  };
  if (file.truncated) notes.push('the recording file was cut short: its last lines are missing');
  if (picked.some((s) => !s.complete)) notes.push('a session has no end event (the recording process stopped early): compared up to where it ends');

  if (opts.fit) {
    const fit = fitSession(recObs, simObs, lightChannel, opts.profile?.drive?.accelTimeConstantMs, opts.profile?.link?.jitterMs ?? 0, firmware.recorded.announceAfterMs);
    const profile = fitToProfile(fit, [`fitted by mbot-hil drift from ${path} (${picked.length} session(s))`]);
    // The fit's profile drives the simulator as a whole: what it leaves unset keeps the compared profile's value.
    const merged = parseSimProfile({
      ...opts.profile,
      ...profile,
      drive: { ...opts.profile?.drive, ...profile.drive },
      noise: { ...opts.profile?.noise, ...profile.noise },
      link: { ...opts.profile?.link, ...profile.link },
      board: { ...opts.profile?.board, ...profile.board },
    });
    const fittedRuns = await simulateAll(picked, facts, merged);
    const fittedObs = observe(concatSessions(fittedRuns.map((r) => r.session)));
    result.fit = {
      result: fit,
      profile,
      parameters: parameters(fit, opts.profile, knownProfile),
      rowsAfterFit: driftRows(recObs, fittedObs, { ...firmware, simulatorBootMs: fittedRuns[0]?.ownResetDelayMs ?? 0 }, recorded.endMs, names),
    };
    result.sonar.fitted = sonarSeries(fittedObs);
    result.intervals.fitted = channel === undefined ? [] : samplingIntervalsMs(fittedObs.analog.get(channel) ?? []);
  }
  return result;
}
