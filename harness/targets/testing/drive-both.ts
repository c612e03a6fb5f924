import type { Connected } from '../target.ts';

/** Firmata pin modes used here. */
const OUTPUT = 1;
const PWM = 3;

/**
 * Drives both motors forward at `pwm` through firmata-io, as Johnny-Five's
 * Motor does on the mBot (PWM on pins 6 and 5, direction on 7 and 4): for
 * target tests that need a robot moving without a rig.
 */
export function driveBoth(live: Connected, pwm: number): void {
  for (const [pwmPin, dirPin] of [[6, 7], [5, 4]] as const) {
    live.io.pinMode(dirPin, OUTPUT);
    live.io.digitalWrite(dirPin, 1);
    live.io.pinMode(pwmPin, PWM);
    live.io.analogWrite(pwmPin, pwm);
  }
}
