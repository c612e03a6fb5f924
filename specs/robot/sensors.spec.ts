// The mBot's inputs read through Johnny-Five as an mBot user would read them:
// the ultrasonic, the onboard button, the light sensor, the line follower.
// The jig (a bench fixture, or the simulator's world standing in for one) sets
// up the physical situation; the robot must report it.
import { expect, needJig, test } from 'mbot-hil/fixtures';

// On the default floor (see the README's arena): a straight of the black line
// runs along y = 45 cm and the east wall stands at x = 200 cm.
const FACING_EAST = 0;

test('the ultrasonic reports the distance to the wall ahead', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'pose', 'obstacle');
  for (const xCm of [150, 120]) {
    jig.placeRobot({ xCm, yCm: 45, headingDeg: FACING_EAST });
    await clock.sleep(250); // a few ping cycles (one every ~65 ms)
    const trueCm = jig.obstacleDistanceCm();
    expect(robot.ultrasonic.cm).toBeGreaterThan(trueCm - 1.5);
    expect(robot.ultrasonic.cm).toBeLessThan(trueCm + 1.5);
  }
});

test('button events fire when the jig presses and releases the button', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'button'); // skips, with the reason, on a bench without a jig
  const events: string[] = [];
  robot.button.on('press', () => events.push('press'));
  robot.button.on('release', () => events.push('release'));
  jig.pressButton();
  // Waits up to 500 ms: virtual time on the simulator, real time on a bench.
  expect(await clock.waitFor(() => events.includes('press'), { timeoutMs: 500 })).toBe(true);
  expect(robot.button.isDown).toBe(true);
  jig.releaseButton();
  expect(await clock.waitFor(() => events.includes('release'), { timeoutMs: 500 })).toBe(true);
  expect(robot.button.isDown).toBe(false);
  expect(events).toEqual(['press', 'release']);
});

test('the light sensor follows the light the jig shines', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'light-sensor');
  for (const level of [150, 850, 400]) {
    jig.setLightLevel(level);
    await clock.sleep(150);
    // a couple of ADC counts of noise
    expect(Math.abs(robot.light.value - level)).toBeLessThan(12);
  }
});

test('the line follower sees the line under each sensor', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'pose', 'line-follower');
  const cases = [
    { yCm: 45, expected: { left: true, right: true } }, // centred on the line
    { yCm: 46.5, expected: { left: false, right: true } }, // drifted left of it
    { yCm: 43.5, expected: { left: true, right: false } }, // drifted right of it
    { yCm: 60, expected: { left: false, right: false } }, // off the line
  ];
  for (const { yCm, expected } of cases) {
    jig.placeRobot({ xCm: 100, yCm, headingDeg: FACING_EAST });
    await clock.sleep(100);
    expect(jig.lineUnderSensors(), `jig at y=${yCm}`).toEqual(expected);
    expect({ left: robot.line.left, right: robot.line.right }, `robot at y=${yCm}`).toEqual(expected);
  }
});
