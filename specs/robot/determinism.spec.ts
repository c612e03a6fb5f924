// The simulator is deterministic: the same seed gives the same bytes on the
// link (trace digest) and the same measurements; another seed changes the
// sensor noise and motor gains, never a verdict. A property of the simulator,
// so it runs in the sim project and skips on hardware. Each run builds its
// own simulator (fresh virtual clock), so this file does not use `robot`.
import { expect, onSimProject, test, withFreshSimRobot } from 'mbot-hil/fixtures';
import { predictStraightDistanceCm } from 'mbot-hil/simulators';

const SKIP_REASON = 'simulator determinism: runs in the sim project (HIL_TARGET=sim)';

interface Measured {
  sonarCm: number[];
  light: number[];
  odometerCm: number;
  pose: { xCm: number; yCm: number; headingDeg: number };
}

/** Drive, turn, and read the sensors; everything on the virtual clock. */
async function scenario(seed: number) {
  return withFreshSimRobot({ seed }, async (robot, clock): Promise<Measured> => {
    const jig = robot.jig;
    if (!jig) throw new Error('the simulator always has a jig');
    await clock.sleep(200);
    robot.forward(200);
    await clock.sleep(1000);
    robot.spin('left', 150);
    await clock.sleep(300);
    robot.stop();
    await clock.sleep(300);
    const sonarCm: number[] = [];
    const light: number[] = [];
    for (let i = 0; i < 8; i++) {
      await clock.sleep(70);
      sonarCm.push(robot.ultrasonic.cm);
      light.push(robot.light.value);
    }
    return { sonarCm, light, odometerCm: jig.odometerCm(), pose: jig.pose() };
  });
}

/** The verdicts a spec would draw from a run: these must not depend on the seed. */
function verdicts(m: Measured): Record<string, boolean> {
  const straightCm = predictStraightDistanceCm(200, 1000);
  return {
    drove_at_least_the_straight: m.odometerCm > straightCm * 0.88,
    turned_left: m.pose.headingDeg > 5,
    sonar_in_range: m.sonarCm.every((cm) => cm > 2 && cm < 400),
    light_near_default: m.light.every((v) => Math.abs(v - 500) < 15),
  };
}

test('the same seed gives an identical byte trace and identical measurements', async ({ skip }) => {
  skip(!onSimProject(), SKIP_REASON);
  const a = await scenario(7);
  const b = await scenario(7);
  expect(b.digest).toBe(a.digest);
  expect(b.result).toEqual(a.result);
});

test('another seed changes the noise, not the verdicts', async ({ skip }) => {
  skip(!onSimProject(), SKIP_REASON);
  const a = await scenario(7);
  const c = await scenario(8);
  expect(c.digest).not.toBe(a.digest);
  expect(c.result.sonarCm).not.toEqual(a.result.sonarCm);
  expect(verdicts(c.result)).toEqual(verdicts(a.result));
  expect(Object.values(verdicts(a.result)).every(Boolean)).toBe(true);
});
