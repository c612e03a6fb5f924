// Faults a bench sees: the USB cable pulled mid-test, and line noise. A pulled
// cable must fail THAT test with HIL_PORT_DISCONNECTED within 1 s (here the
// failure is the expected outcome, so it is asserted as a rejection and the
// suite stays green), and the next test must get a working robot again.
import { expect, firmwareLacks, needJig, test } from 'mbot-hil/fixtures';

test.sequential('pulling the cable mid-test fails the test with HIL_PORT_DISCONNECTED within 1 s', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'unplug');
  robot.forward(120);
  await clock.sleep(100);
  const pulledAtMs = clock.monotonicMs();
  await jig.unplug();
  // A spec waiting on the clock is woken with the error instead of sleeping on.
  const failure = await clock.sleep(5000).then(() => null, (err: unknown) => err);
  expect(failure).toMatchObject({ code: 'HIL_PORT_DISCONNECTED' });
  expect(clock.monotonicMs() - pulledAtMs).toBeLessThan(1000);
  // The robot refuses commands instead of writing into a dead port.
  expect(() => robot.stop()).toThrow(/HIL_PORT_DISCONNECTED/);
  await jig.replug();
});

test.sequential('the next test reconnects and drives', async ({ robot, clock, skip }) => {
  expect(robot.target.handle.connected).not.toBeNull();
  // Measured with the ultrasonic, or with the jig's odometer on a firmware without ping-read.
  const noSonar = firmwareLacks(robot, 'ultrasonic');
  const jig = robot.jig;
  if (noSonar !== undefined && !jig?.capabilities.has('odometer')) skip(`nothing to see the robot move with: ${noSonar}, and no jig odometer`);
  await clock.sleep(200); // the rebuilt ultrasonic's first readings
  const before = noSonar === undefined ? robot.ultrasonic.cm : 0;
  if (noSonar === undefined) expect(before).toBeGreaterThan(50);
  robot.forward(200);
  await clock.sleep(400);
  robot.stop();
  await clock.sleep(300);
  if (noSonar === undefined) {
    // The reading shows the 400 ms drive once a fresh echo is in: read again (every 100 ms, up to
    // 1 s more, the robot standing) rather than once, since a busy host reads the sonar late
    // (86.3 cm after the stop, from 88.9, in a loaded run). The drive itself is the same.
    for (let waitedMs = 0; waitedMs < 1000 && robot.ultrasonic.cm >= before - 5; waitedMs += 100) await clock.sleep(100);
    expect(robot.ultrasonic.cm).toBeLessThan(before - 5);
  } else expect(jig?.odometerCm()).toBeGreaterThan(5);
});

test('line noise from the robot is survived: readings recover, nothing disconnects', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'noise', 'pose', 'obstacle');
  jig.placeRobot({ xCm: 140, yCm: 45, headingDeg: 0 });
  await clock.sleep(200);
  for (let burst = 0; burst < 5; burst++) {
    jig.injectNoise(new Uint8Array(24));
    await clock.sleep(60);
  }
  await clock.sleep(400);
  expect(robot.target.handle.connected).not.toBeNull();
  const trueCm = jig.obstacleDistanceCm();
  expect(Math.abs(robot.ultrasonic.cm - trueCm)).toBeLessThan(1.5);
  // and readings still get through: the new light level shows within 1 s (a sampling interval or two on an
  // idle machine; a fixed 150 ms wait read the old level once on a loaded CI-like run through the PTY stand-in)
  jig.setLightLevel(777);
  for (let waitedMs = 0; waitedMs < 1000 && Math.abs(robot.light.value - 777) >= 12; waitedMs += 50) await clock.sleep(50);
  expect(Math.abs(robot.light.value - 777)).toBeLessThan(12);
});
