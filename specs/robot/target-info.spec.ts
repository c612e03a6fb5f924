// The robot says what it runs against, as plain JSON fit for reports: the
// target kind, port, the firmware the board announced, and the seed.
import { expect, test } from 'mbot-hil/fixtures';

test('the robot reports its target, firmware and seed as plain data', ({ robot }) => {
  const info = structuredClone(robot.target); // what a report or task.meta would carry
  expect(info).toEqual(robot.target.handle.info);
  expect(info.kind).toBe(process.env.HIL_TARGET ?? 'sim');
  expect(info.firmware?.name).toMatch(/\S/);
  expect(info.firmware?.version).toMatch(/^2\.\d+$/);
  if (robot.sim) expect(robot.seed).toBe(robot.sim.seed);
  expect(robot.board.isReady).toBe(true);
});
