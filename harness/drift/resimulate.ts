/**
 * Runs a recorded session's host side against the simulator: on a virtual
 * clock, with the recorded wiring, seed and firmware profile, every recorded
 * host write is handed to the simulated board at its recorded time, every
 * open resets the board (as DTR does), every jig call that changes the world
 * (reset, placeRobot, setLightLevel, the button) is made on the simulator's
 * world, and what the board answers is collected with the (virtual) time the
 * host would have read it. The result decodes like the recording, so the
 * same readers compare the two.
 *
 * One alignment is made on purpose: the simulated board boots as long after
 * each open as the recorded one first answered (the recorded host waited for
 * its board; a simulator booting later would miss the handshake and nothing
 * after it would compare). The drift table still shows the boot time the
 * simulator would have had on its own.
 */
import { Duplex } from 'node:stream';
import { createVirtualClock } from '../clock/index.ts';
import { createSimulatedMbot, DEFAULT_RESET_DELAY_MS, MAX_RESET_DELAY_MS, type SimulatedMbot } from '../../simulators/mbot/simulated-mbot.ts';
import { DirectionDecoder, type TraceEvent } from '../../simulators/mbot/trace-decoder.ts';
import type { SimProfile } from '../../simulators/mbot/sim-profile.ts';
import type { RecordingSession } from '../record/recording-reader.ts';
import { createWorldJig } from '../../simulators/world/world-jig.ts';
import type { Jig } from '../targets/target.ts';
import { decodeSession, sessionFacts, type SessionFacts } from './session.ts';
import type { DecodedSession } from './streams.ts';

/** Options of {@link resimulate}. */
export interface ResimulateOptions {
  /** Profile for the simulator; default none (the simulator's defaults). */
  profile?: SimProfile;
  /** Seed; default the recording's, else 1. */
  seed?: number;
  /** Extra virtual time after the last recorded event, to collect late answers, ms. Default 100. */
  tailMs?: number;
}

/** A re-simulated session, decoded, with what was aligned or left out. */
export interface Resimulation {
  session: DecodedSession;
  /** Reset-to-announce delay the simulator ran with (aligned to the recording), ms. */
  alignedResetDelayMs: number;
  /** The delay the simulator would have had on its own (its profile's or the default), ms. */
  ownResetDelayMs: number;
  /** Jig calls that were not replayed (faults: unplug, replug, injectNoise), counted by call. */
  skippedJigCalls: Record<string, number>;
  /** The board's bytes as the host would have read them (virtual ms), for writing a recording of the run. */
  rxChunks: { atMs: number; bytes: Uint8Array }[];
}

/** Jig calls that change the world (and getters that draw noise, so the simulator's random streams stay in step). */
const REPLAYED_JIG_CALLS = new Set(['reset', 'placeRobot', 'setLightLevel', 'pressButton', 'releaseButton', 'obstacleDistanceCm']);

/** The first answer after the first open, minus a margin for its own wire time: when the recorded board had booted, ms after the open. */
export function recordedBootMs(session: RecordingSession): number | undefined {
  const open = session.events.find((e) => e.kind === 'open');
  if (open === undefined) return undefined;
  const rx = session.events.find((e) => e.kind === 'rx' && e.tUs >= open.tUs);
  if (rx === undefined) return undefined;
  return Math.max(0, Math.floor((rx.tUs - open.tUs) / 1000) - 2);
}

function applyJig(jig: Jig, call: string, args: readonly unknown[]): void {
  const a = args[0] as never;
  switch (call) {
    case 'reset': return jig.reset();
    case 'placeRobot': return jig.placeRobot(a);
    case 'setLightLevel': return jig.setLightLevel(a);
    case 'pressButton': return jig.pressButton();
    case 'releaseButton': return jig.releaseButton();
    case 'obstacleDistanceCm': void jig.obstacleDistanceCm(); return;
  }
}

/**
 * Re-runs `session`'s host side on a fresh simulator (see the file comment).
 * Resolves to the simulator's side, decoded. Rejects with the simulator's
 * HIL_SIM_INVALID_OPTION / HIL_CONFIG_INVALID for a bad profile.
 */
export async function resimulate(session: RecordingSession, opts: ResimulateOptions = {}, facts: SessionFacts = sessionFacts(session)): Promise<Resimulation> {
  const clock = createVirtualClock();
  const recordedHost = decodeSession(session, facts);
  const ownResetDelayMs = opts.profile?.board?.resetDelayMs ?? DEFAULT_RESET_DELAY_MS;
  const alignedResetDelayMs = Math.min(MAX_RESET_DELAY_MS, recordedBootMs(session) ?? ownResetDelayMs);
  let sim: SimulatedMbot | undefined;
  const device: TraceEvent[] = [];
  const rxChunks: { atMs: number; bytes: Uint8Array }[] = [];
  const skippedJigCalls: Record<string, number> = {};
  try {
    sim = createSimulatedMbot({
      clock,
      seed: opts.seed ?? facts.seed ?? 1,
      wiring: facts.wiring.name,
      firmware: facts.firmwareProfile,
      ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
      resetDelayMs: alignedResetDelayMs,
      link: { baudRate: facts.baudRate },
      path: `/dev/ttyMBOTDRIFT-${Math.random().toString(36).slice(2)}`,
      // The simulator's own trace is not needed: answers are read where the host reads them.
      traceMaxEntries: 0,
    });
    const theSim = sim;
    const jig = createWorldJig({ world: theSim.world, name: 'drift', unplug: async () => {}, replug: async () => {}, injectNoise: () => {} });
    let decoder = new DirectionDecoder('to-host', (e) => device.push(e));
    let stream: Duplex | undefined;
    let stop: (() => void) | undefined;
    let dtr = true;
    const closeHost = (): void => {
      stop?.();
      stream?.destroy();
      stop = undefined;
      stream = undefined;
    };
    let nowMs = 0;
    const advanceTo = async (tMs: number): Promise<void> => {
      if (tMs > nowMs) {
        await clock.advance(tMs - nowMs);
        nowMs = tMs;
      }
    };
    for (const e of session.events) {
      await advanceTo(e.tUs / 1000);
      switch (e.kind) {
        case 'open': {
          closeHost();
          decoder = new DirectionDecoder('to-host', (ev) => device.push(ev));
          const d = decoder;
          const s = new Duplex({
            read() {},
            write(chunk: Buffer, _enc, cb) {
              const atMs = clock.monotonicMs();
              rxChunks.push({ atMs, bytes: Uint8Array.from(chunk) });
              for (const b of chunk) d.feed(b, atMs);
              cb();
            },
          });
          stream = s;
          stop = theSim.serve(s);
          dtr = true;
          break;
        }
        case 'close':
        case 'lost':
          closeHost();
          break;
        case 'tx':
          stream?.push(Buffer.from(e.bytes));
          break;
        case 'set':
          // DTR low then high resets an Arduino (the auto-reset capacitor).
          if (e.signals.dtr === false) dtr = false;
          else if (e.signals.dtr === true && !dtr) {
            dtr = true;
            theSim.faults.pressReset();
          }
          break;
        case 'jig':
          if (REPLAYED_JIG_CALLS.has(e.call)) applyJig(jig, e.call, e.args);
          else if (['unplug', 'replug', 'injectNoise'].includes(e.call)) skippedJigCalls[e.call] = (skippedJigCalls[e.call] ?? 0) + 1;
          break;
        default:
          break;
      }
    }
    await advanceTo(nowMs + (opts.tailMs ?? 100));
    closeHost();
  } finally {
    await sim?.close();
    clock.dispose();
  }
  return {
    session: { ...recordedHost, device },
    alignedResetDelayMs,
    ownResetDelayMs,
    skippedJigCalls,
    rxChunks,
  };
}
