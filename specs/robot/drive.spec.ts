// Driving straight: the robot covers the distance the drive model predicts.
// Measured twice, with what a bench has (the ultrasonic's distance to the wall
// ahead shrinks by the distance driven) and, where there is a jig, with its
// odometer. Same spec on the simulator and on hardware; a firmware without the
// ultrasonic (StandardFirmata has no ping-read) is measured with the odometer only.
import { expect, firmwareLacks, needJig, test } from 'mbot-hil/fixtures';
import { predictStraightDistanceCm } from 'mbot-hil/simulators';

const SPEED = 200;
const DRIVE_MS = 800;
// Motor gains vary ±2 % (sd) per robot, and on a wall clock the stop lands a
// few ms late; 12 % covers both with room, and still catches a wrong speed
// mapping, a missed mirror (the robot would spin, not advance) or a lost stop.
const TOLERANCE = 0.12;

/** Mean of `n` fresh ultrasonic readings, cm (a reading arrives every ~65 ms). */
async function sonarCm(robot: { ultrasonic: { cm: number } }, clock: { sleep(ms: number): Promise<void> }, n = 4): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await clock.sleep(80);
    sum += robot.ultrasonic.cm;
  }
  return sum / n;
}

test('drives forward the distance the drive model predicts (sonar toward the wall, and the jig odometer where there is one)', async ({ robot, clock, skip }) => {
  const expectedCm = predictStraightDistanceCm(SPEED, DRIVE_MS);
  const startPose = robot.jig?.pose();
  const noSonar = firmwareLacks(robot, 'ultrasonic');
  if (noSonar !== undefined && !robot.jig?.capabilities.has('odometer')) skip(`nothing to measure the distance with: ${noSonar}, and no jig odometer`);
  const before = noSonar === undefined ? await sonarCm(robot, clock) : 0;
  robot.forward(SPEED);
  await clock.sleep(DRIVE_MS);
  robot.stop();
  await clock.sleep(250); // coast to rest
  if (noSonar === undefined) {
    const drivenCm = before - (await sonarCm(robot, clock));
    expect(drivenCm).toBeGreaterThan(expectedCm * (1 - TOLERANCE));
    expect(drivenCm).toBeLessThan(expectedCm * (1 + TOLERANCE));
  }
  const jig = robot.jig;
  if (jig && startPose && jig.capabilities.has('odometer')) {
    expect(jig.odometerCm()).toBeGreaterThan(expectedCm * (1 - TOLERANCE));
    expect(jig.odometerCm()).toBeLessThan(expectedCm * (1 + TOLERANCE));
    // The mirrored mounting is handled: both wheels pushed forward, so the heading barely moved.
    expect(Math.abs(jig.pose().headingDeg - startPose.headingDeg)).toBeLessThan(5);
  }
});

test('spin turns in place without travelling', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'odometer', 'pose');
  const start = jig.pose();
  robot.spin('left', 180);
  await clock.sleep(400);
  robot.stop();
  await clock.sleep(250);
  const end = jig.pose();
  expect(end.headingDeg - start.headingDeg).toBeGreaterThan(20); // counter-clockwise
  expect(Math.hypot(end.xCm - start.xCm, end.yCm - start.yCm)).toBeLessThan(1);
});
