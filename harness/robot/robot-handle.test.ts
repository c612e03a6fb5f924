// The robot the fixture hands over is ready to be touched: a jig action in
// the first moment of a file's first test is seen like any other.
import { afterEach, describe, expect, test } from 'vitest';
import { WIRING_PROFILES } from '../mbot/mcore-pins.ts';
import { createSimTarget, type SimTarget } from '../targets/sim-target.ts';
import { DisconnectWatch, guardedClock } from './disconnect-watch.ts';
import { RobotHandle } from './robot-handle.ts';

let target: SimTarget | undefined;
let robot: RobotHandle | undefined;
afterEach(async () => {
  await robot?.close();
  await target?.dispose();
  robot = undefined;
  target = undefined;
});

async function openRobot(): Promise<{ robot: RobotHandle; target: SimTarget }> {
  target = createSimTarget({ seed: 1 });
  const watch = new DisconnectWatch(target);
  const clock = guardedClock(target.clock, watch);
  robot = await RobotHandle.open({ target, clock, watch, wiring: WIRING_PROFILES['johnny-five-examples'], seed: 1, sim: target.sim });
  return { robot, target };
}

describe('a freshly opened robot', () => {
  test('a button press at once after open is a press event (Johnny-Five has the button\'s first reading)', async () => {
    const { robot, target } = await openRobot();
    let presses = 0;
    robot.button.on('press', () => presses++);
    target.jig!.pressButton();
    expect(await robot.clock.waitFor(() => presses > 0, { timeoutMs: 500 })).toBe(true);
  });

  test('the light sensor has a reading at once after open', async () => {
    const { robot } = await openRobot();
    expect(robot.light.value).not.toBeNull();
  });
});
