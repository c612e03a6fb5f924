// Review cases: each test runs only when HIL_REVIEW_CASES names it.
import { expect, test } from '../fixtures/index.ts';
import { recordSafetyEvent } from '../fixtures/safety/events.ts';

const chosen = new Set((process.env.HIL_REVIEW_CASES ?? '').split(',').filter(Boolean));
const c = (name: string): ReturnType<typeof test.runIf> => test.runIf(chosen.has(name));

c('drive')('drive: motors run at 221 until something happens', async ({ robot, clock }) => {
  robot.forward(221);
  await clock.sleep(60_000);
}, 90_000);

c('drive-tone')('drive-tone: motors at 222 and a 440 Hz tone until something happens', async ({ robot, clock }) => {
  robot.forward(222);
  robot.buzzer.frequency(440, 60_000);
  await clock.sleep(60_000);
}, 90_000);

c('tone-uncaught')('tone-uncaught: motors 223 + tone, then an uncaught exception; the test runs on', async ({ robot, clock }) => {
  robot.forward(223);
  robot.buzzer.frequency(440, 60_000);
  await clock.sleep(300);
  setTimeout(() => { recordSafetyEvent('uncaught'); throw new Error('review: uncaught with tone'); }, 0);
  await clock.sleep(2000);
  recordSafetyEvent('test-end');
}, 10_000);

c('tone-rejection')('tone-rejection: motors 224 + tone, then an unhandled rejection; the test runs on', async ({ robot, clock }) => {
  robot.forward(224);
  robot.buzzer.frequency(440, 60_000);
  await clock.sleep(300);
  recordSafetyEvent('rejection');
  void Promise.reject(new Error('review: rejection with tone'));
  await clock.sleep(2000);
  recordSafetyEvent('test-end');
}, 10_000);

c('exit')('exit: process.exit(3) while the motors run and the tone plays', async ({ robot, clock }) => {
  robot.forward(225);
  robot.buzzer.frequency(440, 60_000);
  await clock.sleep(300);
  recordSafetyEvent('exit');
  process.exit(3);
}, 10_000);

c('flood-exit')('flood-exit: 20,000 drive writes then process.exit()', async ({ robot, clock }) => {
  robot.forward(226);
  await clock.sleep(300);
  for (let i = 0; i < 20_000; i++) { robot.motors.left.forward(100 + (i % 100)); robot.motors.right.reverse(100 + (i % 100)); }
  recordSafetyEvent('exit');
  process.exit(0);
}, 10_000);

c('flood-throw')('flood-throw: 20,000 mixed writes (pin modes too) then a throw', async ({ robot, clock }) => {
  robot.forward(227);
  await clock.sleep(300);
  for (let i = 0; i < 20_000; i++) { robot.motors.left.forward(100 + (i % 100)); robot.connection.io.pinMode(13, 1); robot.motors.right.forward(100 + (i % 100)); }
  recordSafetyEvent('throw');
  throw new Error('review: throw after flood');
}, 10_000);

c('flood-drive')('flood-drive: flood of mixed writes in a loop, until something happens', async ({ robot, clock }) => {
  robot.forward(228);
  await clock.sleep(200);
  for (;;) {
    for (let i = 0; i < 200; i++) { robot.motors.left.forward(100 + (i % 100)); robot.connection.io.pinMode(13, 1); robot.motors.right.forward(100 + (i % 100)); }
    await clock.sleep(5);
  }
}, 90_000);

c('last-cable')('last-cable: the cable is pulled in the last test (the parent pulls and replugs it)', async ({ robot, clock }) => {
  robot.forward(229);
  await clock.sleep(60_000);
}, 90_000);

c('fail-then')('fail-then: a failing test (for --bail)', async ({ robot, clock }) => {
  robot.forward(230);
  await clock.sleep(200);
  recordSafetyEvent('fail');
  expect(1).toBe(2);
}, 10_000);

c('flood-timing')('flood-timing: where does the time go after a flood of mixed writes', async ({ robot, clock }) => {
  robot.forward(231);
  await clock.sleep(300);
  for (let i = 0; i < 20_000; i++) { robot.motors.left.forward(100 + (i % 100)); robot.connection.io.pinMode(13, 1); robot.motors.right.forward(100 + (i % 100)); }
  recordSafetyEvent('loop-done');
  const t0 = performance.now();
  robot.stop();
  recordSafetyEvent(`robot.stop took ${(performance.now() - t0).toFixed(1)}ms`);
  const t1 = performance.now();
  await robot.target.handle.safeStop();
  recordSafetyEvent(`safeStop took ${(performance.now() - t1).toFixed(1)}ms`);
}, 20_000);
