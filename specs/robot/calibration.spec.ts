// The calibration drive: what `mbot-hil drift --fit` reads to calibrate the
// simulator to a robot (docs/drift-and-calibration.md). Record it on the robot:
//   HIL_CALIBRATE=1 HIL_RECORD=runs/calibration.hilrec npx vitest run --project hardware specs/robot/calibration.spec.ts
// Set-up: open floor, a flat wall (80 cm wide or more) about 90 cm ahead of the
// ultrasonic. The robot pivots on each wheel and back, then drives straight at
// five PWM levels, each forward then back, so it ends about where it began.
// The checks hold for any mBot, however calibrated: they only say the drive
// and the sonar work, and which way.
import { calibrationDurationMs, calibrationRoutine, type CalibrationStep } from 'mbot-hil/drift';
import { expect, firmwareLacks, test, type Robot } from 'mbot-hil/fixtures';

/** Puts one step's wheel commands on the motors (WHEEL frame: + = robot forward; the left motor is mounted mirrored). */
function drive(robot: Robot, step: CalibrationStep): void {
  const { left, right } = robot.motors;
  if (step.left === 0) left.stop();
  else if (step.left > 0) left.reverse(step.left);
  else left.forward(-step.left);
  if (step.right === 0) right.stop();
  else if (step.right > 0) right.forward(step.right);
  else right.reverse(-step.right);
}

test('calibration drive: a pivot on each wheel and back, then straight at five PWM levels and back (the sonar sees each move)', async ({ robot, clock, skip }) => {
  const noSonar = firmwareLacks(robot, 'ultrasonic');
  if (noSonar !== undefined) skip(`the calibration is read from the ultrasonic: ${noSonar}`);
  if (robot.target.kind === 'hardware' && process.env.HIL_CALIBRATE !== '1') {
    skip(`the calibration drive takes ${Math.round(calibrationDurationMs() / 1000)} s and moves the robot up to 25 cm: set HIL_CALIBRATE=1 to run it on hardware`);
  }
  const readings: { label: string; startCm: number; endCm: number }[] = [];
  for (const step of calibrationRoutine()) {
    const startCm = robot.ultrasonic.cm;
    drive(robot, step);
    await clock.sleep(step.ms);
    readings.push({ label: step.label, startCm, endCm: robot.ultrasonic.cm });
  }
  robot.stop();
  const moved = (label: string): number => {
    const r = readings.find((x) => x.label === label);
    if (r === undefined) throw new Error(`no step ${label}`);
    return r.endCm - r.startCm;
  };
  // Forward closes on the wall, reverse opens up again; full speed covers more than a slow crawl.
  expect(moved('forward 255')).toBeLessThan(-3);
  expect(moved('reverse 255')).toBeGreaterThan(3);
  expect(-moved('forward 255')).toBeGreaterThan(-moved('forward 100'));
});
