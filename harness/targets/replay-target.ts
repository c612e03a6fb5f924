/**
 * The replay target (`HIL_PORT=replay:<file>`): a recording of a bench run
 * (`HIL_RECORD`) plays the robot. The host opens a serialport stream on the
 * simulator's binding whose far end is a {@link ReplayEngine}, on a virtual
 * clock installed for the target's life, so a spec runs as fast as the
 * host's own code allows (no sleeps in real time, no 2 s board reset).
 *
 * What the spec sees: `kind` 'hardware' (a recorded robot, run in the
 * hardware project), `info.port` `replay:<file>`, `info.bench` naming the
 * recording and where it was made; a jig when the recording had one, whose
 * setters are checked against the recorded calls and whose getters answer
 * with the recorded readings. A mismatch is HIL_REPLAY_DIVERGED (see
 * `replay-engine.ts`), delivered to the disconnect listeners so the
 * fixture's waits fail at once, and thrown at the test's end when found
 * there.
 *
 * Bench safety on a replay: the safe stops go out as on a bench (every
 * connect, test end and close), into the replay, which checks them like
 * every other command; there is no robot to stop and no exit guard.
 *
 * Which session: a file may hold several (one per spec file). The replay
 * takes the last session recorded for the running spec file, else the
 * last session of the file.
 */
import { SerialPortStream } from '@serialport/stream';
import { relative, resolve } from 'node:path';
import { createVirtualClock } from '../clock/index.ts';
import { HilError } from '../errors.ts';
import { currentCapabilityName } from '../mbot/capabilities.ts';
import { loadRecording, sessionFiles, sessionFirmware, type RecordingSession } from '../record/index.ts';
import { JIG_GETTERS, JIG_SETTERS, jsonArgs } from '../record/jig-calls.ts';
import { resolveRecordPath } from '../record/record-target.ts';
import { createSimBinding } from '../../simulators/mbot/sim-binding.ts';
import { PortTarget } from './port-target.ts';
import { ReplayEngine } from './replay-engine.ts';
import { canonicalRecording, type SettlePoint } from './replay-matcher.ts';
import { buildReplayScript, type ReplayScript } from './replay-script.ts';
import type { DisconnectListener, Jig, JigCapability, Target } from './target.ts';
import type { TestMarks } from './test-marks.ts';

/** `HIL_PORT` prefix of this target. */
export const REPLAY_PORT_PREFIX = 'replay:';

/** Virtual ms the handshake may take on a replay (costs no real time). */
export const REPLAY_FIRMWARE_TIMEOUT_MS = 10_000;

/** Options of {@link createReplayTarget}. */
export interface ReplayTargetOptions {
  /** The recording file, or a folder holding `<spec file name>.hilrec` per spec file (as `HIL_RECORD=<folder>/` writes them). */
  file: string;
  /** The spec file being run, to pick its session from a file holding several. */
  specFile?: string;
  /** Overrides the recorded rate the port opens at (no effect on the replay itself). */
  baudRate?: number;
  bench?: string;
}

/** Picks the session to replay: the last one recorded for `specFile`, else the last one. */
export function pickSession(sessions: readonly RecordingSession[], specFile: string | undefined): RecordingSession {
  const rel = specFile ? relative(process.cwd(), resolve(specFile)) : undefined;
  const forFile = rel ? sessions.filter((s) => sessionFiles(s).includes(rel)) : [];
  return (forFile.at(-1) ?? sessions.at(-1)) as RecordingSession;
}

function settlePoints(script: ReplayScript): SettlePoint[] {
  const points: SettlePoint[] = [];
  const firstCommandAfter = (tUs: number): number => {
    const i = script.commands.findIndex((c) => c.tUs > tUs);
    return i < 0 ? script.commands.length : i;
  };
  for (const a of script.anchors) {
    if (a.kind === 'open') points.push({ beforeCommand: firstCommandAfter(a.tUs), reset: true });
    // The replay settles before telling the engine of a test's start or end, and at a close.
    else if (a.kind === 'test' || a.kind === 'done' || a.kind === 'close') points.push({ beforeCommand: firstCommandAfter(a.tUs), reset: false });
  }
  return points;
}

function replayJig(engine: ReplayEngine, recorded: { name: string; capabilities: string[] }): Jig {
  const jig: Record<string, unknown> = {
    name: `replay of: ${recorded.name}`,
    // Recordings made before the vocabulary was one say `light`, `line`, `leds`.
    capabilities: new Set(recorded.capabilities.map(currentCapabilityName) as JigCapability[]),
  };
  for (const call of JIG_SETTERS) {
    const async = call === 'unplug' || call === 'replug';
    jig[call] = (...args: unknown[]) => {
      engine.jigSet(call, jsonArgs(args));
      return async ? Promise.resolve() : undefined;
    };
  }
  for (const call of JIG_GETTERS) jig[call] = (...args: unknown[]) => engine.jigGet(call, jsonArgs(args));
  return jig as unknown as Jig;
}

/**
 * Loads the recording and makes the target (nothing opened until
 * `connect()`). Rejects with HIL_RECORDING_INVALID for a missing or bad
 * file, or one whose session holds no connection.
 */
export async function createReplayTarget(opts: ReplayTargetOptions): Promise<Target> {
  // A folder (as HIL_RECORD=<folder>/ wrote it): this spec file's recording in it.
  opts = { ...opts, file: resolveRecordPath(opts.file, opts.specFile) };
  const file = await loadRecording(opts.file);
  const session = pickSession(file.sessions, opts.specFile);
  const script = buildReplayScript(session);
  if (script.connections === 0) {
    throw new HilError('HIL_RECORDING_INVALID', `${opts.file}: the session recorded no connection to the robot (no "open" event); record a run whose specs use the robot`);
  }
  const canonical = canonicalRecording(script.commands, settlePoints(script));
  const h = session.header;
  const firmware = sessionFirmware(session);
  const recordingLabel = `${opts.file} (session ${h.session.slice(0, 8) || '?'}, recorded ${h.startedAt || 'at an unknown time'} on ${h.target.port ?? h.target.kind}` +
    `${h.target.bench ? `, ${h.target.bench}` : ''}${session.complete ? '' : '; the session was cut short'}${file.truncated ? '; the file is truncated' : ''})`;
  const clock = createVirtualClock({ install: true });
  const path = `${REPLAY_PORT_PREFIX}${opts.file}`;
  const engine = new ReplayEngine({ script, canonical, clock, path, recordingLabel });
  const binding = createSimBinding(engine);
  const jig = h.jig ? replayJig(engine, h.jig) : undefined;
  const base = new PortTarget({
    kind: 'hardware',
    info: {
      kind: 'hardware',
      port: path,
      bench: opts.bench ?? `replay of ${recordingLabel}`,
      ...(firmware ? { firmware } : {}),
    },
    clock,
    jig,
    portLabel: `the replay of ${opts.file}`,
    makePort: async () => {
      if (!engine.available) {
        throw new HilError('HIL_PORT_NOT_FOUND', `the replay of ${opts.file} has no further connection to offer (the recording's robot was unplugged, or every recorded connection was used)`);
      }
      return new SerialPortStream({ binding, path, baudRate: opts.baudRate ?? h.baudRate ?? 57_600, autoOpen: false });
    },
    firmwareTimeoutMs: REPLAY_FIRMWARE_TIMEOUT_MS,
    // Ask early: the answer is the recording's, whenever it is asked; waiting only costs virtual time.
    versionQueryAfterMs: 100,
    flushOnOpen: true,
    stopOnConnect: true,
    async release() {
      engine.dispose();
      clock.dispose();
    },
  });
  const marks: TestMarks = {
    testStarted: (t) => engine.testStarted(t),
    testEnded: (t, state) => engine.testEnded(t, state),
  };
  const onDisconnect = (listener: DisconnectListener): (() => void) => {
    const offPort = base.onDisconnect(listener);
    const offReplay = engine.onDivergence(listener);
    return () => { offPort(); offReplay(); };
  };
  const overrides: Record<string | symbol, unknown> = { testMarks: marks, onDisconnect };
  return new Proxy(base, {
    get(inner, prop) {
      if (prop in overrides) return overrides[prop];
      const v: unknown = Reflect.get(inner, prop, inner);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(inner) : v;
    },
  });
}
