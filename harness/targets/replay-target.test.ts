// HIL_RECORD on the PTY stand-in, then HIL_PORT=replay:<file> on the virtual clock: a scenario passes on its
// own recording; another scenario, or a changed jig call, is HIL_REPLAY_DIVERGED with the test, the expected and
// actual messages decoded, and the offset. Needs python3 or socat for the recording (skipped with the reason).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { natives } from '../clock/natives.ts';
import { HilError, isHilError } from '../errors.ts';
import { loadRecording, sessionFiles, sessionFirmware } from '../record/index.ts';
import { buildRig } from '../robot/robot-rig.ts';
import { WIRING_PROFILES } from '../../simulators/index.ts';
import { ptyPairAvailable } from '../../simulators/pty/pty-pair.ts';
import { createTarget, readTargetSettings } from './select-target.ts';
import type { Target } from './target.ts';

const FILE = 'harness/targets/replay-target.test.ts';
const wiring = WIRING_PROFILES['johnny-five-examples'];

interface Outcome {
  readings: number[];
  /** Real ms the test part took. */
  wallMs: number;
  divergences: HilError[];
}

/**
 * What a spec does, through the fixture's steps: connect (before the first test, as the file fixture does),
 * then per test: mark the start, reset the jig, act, stop, mark the end.
 */
async function runScenario(target: Target, body: (rig: ReturnType<typeof buildRig>, target: Target) => Promise<number[]>, name = 'the light sensor follows the jig'): Promise<Outcome> {
  const divergences: HilError[] = [];
  target.onDisconnect((e) => divergences.push(e));
  const live = await target.connect();
  const rig = buildRig(live, wiring);
  const id = { file: FILE, name };
  // Real time: a virtual clock fakes performance.now().
  const t0 = natives.performanceNow();
  let readings: number[];
  try {
    target.testMarks?.testStarted(id);
    target.jig?.reset();
    readings = await body(rig, target);
    rig.reset();
    await target.safeStop();
    await target.clock.sleep(20);
  } finally {
    try {
      target.testMarks?.testEnded(id, 'pass');
    } catch (err) {
      if (err instanceof HilError && !divergences.includes(err)) divergences.push(err);
    }
    rig.dispose();
  }
  return { readings, wallMs: natives.performanceNow() - t0, divergences };
}

const lightScenario = async (rig: ReturnType<typeof buildRig>, target: Target): Promise<number[]> => {
  const out: number[] = [];
  for (const level of [150, 850, 400]) {
    target.jig?.setLightLevel(level);
    // At least 150 ms, then until the reading follows (up to 3 s): on the PTY stand-in the new level
    // comes back through the port, which a busy machine delays past a fixed 150 ms (read [false, true,
    // true] with 3 workers under load); the replay reads what was recorded, at the recorded times.
    await target.clock.sleep(150);
    for (let waitedMs = 0; Math.abs(rig.light.value - level) >= 12 && waitedMs < 3000; waitedMs += 10) await target.clock.sleep(10);
    out.push(rig.light.value);
  }
  return out;
};

describe.skipIf(!ptyPairAvailable())('record on the PTY stand-in, replay on the virtual clock (needs python3 or socat)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mbot-hil-replay-'));
  const file = join(dir, 'light.hilrec');
  let recorded: Outcome;

  beforeAll(async () => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'sim-pty', HIL_SEED: '5', HIL_RECORD: file }), { specFile: FILE });
    try {
      recorded = await runScenario(target, lightScenario);
    } finally {
      await target.dispose();
    }
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the recording holds the header, the firmware, the test marks and the jig calls', async () => {
    const rec = await loadRecording(file);
    const [s] = rec.sessions;
    expect(s?.complete).toBe(true);
    expect(s?.header).toMatchObject({ clock: 'wall', seed: 5, baudRate: 57600, target: { kind: 'hardware', port: expect.stringMatching(/^sim-pty:/) }, wiring: { name: 'johnny-five-examples', ultrasonicPin: 10 } });
    expect(s?.header.jig?.capabilities).toContain('light-sensor');
    expect(sessionFirmware(s!)?.name).toContain('StandardFirmata');
    expect(sessionFiles(s!)).toEqual([FILE]);
    const kinds = new Set(s?.events.map((e) => e.kind));
    for (const k of ['open', 'tx', 'rx', 'firmware', 'file', 'test', 'jig', 'done', 'close', 'end']) expect(kinds.has(k as never), k).toBe(true);
    expect(s?.events.filter((e) => e.kind === 'jig').map((e) => e.kind === 'jig' && e.call)).toEqual(['reset', 'setLightLevel', 'setLightLevel', 'setLightLevel']);
    // The recorded readings follow the light, as on the stand-in.
    expect(recorded.readings.map((v, i) => Math.abs(v - [150, 850, 400][i]!) < 12)).toEqual([true, true, true]);
  });

  test('the same scenario passes on its replay, on the virtual clock, reading what the robot reported', async () => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: `replay:${file}` }), { specFile: FILE });
    try {
      expect(target.clock.kind).toBe('virtual');
      expect(target.info).toMatchObject({ kind: 'hardware', port: `replay:${file}`, bench: expect.stringMatching(/^replay of .*light\.hilrec .*recorded .* on sim-pty:/) });
      const replayed = await runScenario(target, lightScenario);
      expect(replayed.divergences).toEqual([]);
      expect(replayed.readings.map((v, i) => Math.abs(v - [150, 850, 400][i]!) < 12)).toEqual([true, true, true]);
      // Figures for the record (not asserted: speed is measured by scripts, not by timed tests).
      console.log(`light scenario: recorded ${recorded.wallMs.toFixed(0)} ms on the PTY stand-in, replayed in ${replayed.wallMs.toFixed(0)} ms`);
    } finally {
      await target.dispose();
    }
  }, 20_000);

  test('another scenario against that recording fails with HIL_REPLAY_DIVERGED: the test, expected and actual decoded, the offset', async () => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: `replay:${file}` }), { specFile: FILE });
    try {
      const out = await runScenario(target, async (rig, t) => {
        rig.motors.right.forward(200);
        await t.clock.sleep(100);
        return [];
      }, 'drives forward');
      const [first] = out.divergences;
      expect(isHilError(first, 'HIL_REPLAY_DIVERGED')).toBe(true);
      const msg = (first as Error).message;
      expect(msg).toMatch(/test "drives forward" \(harness\/targets\/replay-target\.test\.ts\) diverged from its recording/);
      expect(msg).toMatch(/expected: .*\[[0-9a-f ]+\]/);
      expect(msg).toMatch(/actual: {3}(DIGITAL_MESSAGE|ANALOG_MESSAGE) .*\[[0-9a-f ]+\]/);
      expect(msg).toMatch(/byte offset \d+, compared command #\d+ of \d+/);
      expect(msg).toMatch(/compared with the recorded test "the light sensor follows the jig"/);
    } finally {
      await target.dispose();
    }
  }, 20_000);

  test('the same test with a changed jig call diverges, naming both calls', async () => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: `replay:${file}` }), { specFile: FILE });
    try {
      const out = await runScenario(target, async (rig, t) => {
        t.jig?.setLightLevel(151);
        await t.clock.sleep(150);
        return [rig.light.value];
      });
      const msg = (out.divergences[0] as Error | undefined)?.message ?? '';
      expect(msg).toMatch(/HIL_REPLAY_DIVERGED: test "the light sensor follows the jig" .* the jig call differs/);
      expect(msg).toMatch(/expected: jig\.setLightLevel\(150\).*\n {2}actual: {3}jig\.setLightLevel\(151\)/);
    } finally {
      await target.dispose();
    }
  }, 20_000);
});
