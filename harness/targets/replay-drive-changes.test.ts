// A drive recorded on the PTY stand-in, replayed with the spec changed the ways a careless edit changes it:
// a changed speed, the same speeds in another order, a dropped command. Each must be HIL_REPLAY_DIVERGED.
// One is not (test.fails, a known gap, review rev23f): a dropped explicit stop followed only by waits before the
// test's end. The per-test reset's stop then sends the same 0 on the same pins, and rule 3 (no-ops) drops the
// recorded reset stop that came after the recorded explicit stop, so both sides compare as [200, 100, 0].
// Needs python3 or socat for the recording (skipped with the reason).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HilError } from '../errors.ts';
import { buildRig } from '../robot/robot-rig.ts';
import { WIRING_PROFILES } from '../../simulators/index.ts';
import { ptyPairAvailable } from '../../simulators/pty/pty-pair.ts';
import { createTarget, readTargetSettings } from './select-target.ts';
import type { Target } from './target.ts';

const FILE = 'harness/targets/replay-drive-changes.test.ts';
const wiring = WIRING_PROFILES['johnny-five-examples'];
type Rig = ReturnType<typeof buildRig>;
type Body = (rig: Rig, t: Target) => Promise<void>;

/** One test as the robot fixture runs it: mark, act, per-test reset (rig stop, safe stop), mark; the HIL errors it met. */
async function runTest(target: Target, body: Body): Promise<string[]> {
  const errors: HilError[] = [];
  target.onDisconnect((e) => errors.push(e));
  const rig = buildRig(await target.connect(), wiring);
  const id = { file: FILE, name: 'drives, slows down, stops' };
  try {
    target.testMarks?.testStarted(id);
    try {
      await body(rig, target);
    } catch (err) {
      if (!(err instanceof HilError)) throw err;
      errors.push(err);
    }
    rig.reset();
    await target.safeStop();
    await target.clock.sleep(20);
  } finally {
    try {
      target.testMarks?.testEnded(id, 'pass');
    } catch (err) {
      if (err instanceof HilError && !errors.includes(err)) errors.push(err);
    }
    rig.dispose();
  }
  return [...new Set(errors)].map((e) => e.message);
}

const drive = (first: number, second: number, stop: boolean): Body => async (rig, t) => {
  rig.motors.left.forward(first);
  rig.motors.right.forward(first);
  await t.clock.sleep(200);
  rig.motors.left.forward(second);
  rig.motors.right.forward(second);
  await t.clock.sleep(200);
  if (stop) {
    rig.motors.left.stop();
    rig.motors.right.stop();
  }
  await t.clock.sleep(300);
};

describe.skipIf(!ptyPairAvailable())('a recorded drive against changed specs (needs python3 or socat)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mbot-hil-replay-drive-'));
  const file = join(dir, 'drive.hilrec');
  const replay = async (body: Body): Promise<string[]> => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: `replay:${file}` }), { specFile: FILE });
    try {
      return await runTest(target, body);
    } finally {
      await target.dispose();
    }
  };

  beforeAll(async () => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'sim-pty', HIL_SEED: '5', HIL_RECORD: file }), { specFile: FILE });
    try {
      expect(await runTest(target, drive(200, 100, true))).toEqual([]);
    } finally {
      await target.dispose();
    }
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the unchanged spec passes on its replay', async () => {
    expect(await replay(drive(200, 100, true))).toEqual([]);
  }, 20_000);

  test('a changed speed diverges on the motor pin', async () => {
    expect((await replay(drive(180, 100, true)))[0]).toMatch(/HIL_REPLAY_DIVERGED: .*something else on pin 6[^]*expected: ANALOG_MESSAGE pin 6 = 200[^]*actual: {3}ANALOG_MESSAGE pin 6 = 180/);
  }, 20_000);

  test('the same speeds in the other order diverge', async () => {
    expect((await replay(drive(100, 200, true)))[0]).toMatch(/HIL_REPLAY_DIVERGED: [^]*expected: ANALOG_MESSAGE pin 6 = 200[^]*actual: {3}ANALOG_MESSAGE pin 6 = 100/);
  }, 20_000);

  test('a dropped speed change diverges', async () => {
    const skipSecond: Body = async (rig, t) => {
      rig.motors.left.forward(200);
      rig.motors.right.forward(200);
      await t.clock.sleep(400);
      rig.motors.left.stop();
      rig.motors.right.stop();
      await t.clock.sleep(300);
    };
    expect((await replay(skipSecond))[0]).toMatch(/HIL_REPLAY_DIVERGED: [^]*expected: ANALOG_MESSAGE pin 6 = 100[^]*actual: {3}ANALOG_MESSAGE pin 6 = 0/);
  }, 20_000);

  // Known gap (review rev23f): passes silently today. Remove `.fails` once the replay tells a test's own stop
  // from the per-test reset's (e.g. a mark before the reset, so the recorded explicit stop is due by then).
  test.fails('a dropped stop, the test waiting 300 ms before its end, diverges', async () => {
    expect(await replay(drive(200, 100, false))).not.toEqual([]);
  }, 20_000);
});
