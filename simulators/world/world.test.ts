import { describe, expect, it } from 'vitest';
import { isHilError } from '../../harness/errors.ts';
import { boxArena } from './arena.ts';
import { DEFAULT_DRIVE, predictSpinRateRadPerS, predictStraightDistanceCm, wrapAngleRad } from './drive.ts';
import { MIN_POINT_SPACING_CM } from './pen.ts';
import type { WorldOptions } from './types.ts';
import { createWorld, DEFAULT_NOISE, DEFAULT_START_POSE, ECHO_US_PER_CM, ULTRASONIC_MAX_RANGE_CM } from './world.ts';

const exact = { motorVariation: 0, accelTimeConstantMs: 0 };

describe('world: drive', () => {
  it('drives straight at pwm 200 for 2 s as predicted, within the motor variation', () => {
    const w = createWorld({ seed: 11 });
    w.setWheel('left', 200);
    w.setWheel('right', 200);
    for (let i = 0; i < 100; i++) w.step(20); // the cadence a Firmata device would use
    const predicted = predictStraightDistanceCm(200, 2_000);
    const g = w.motorGains;
    // The centre's path is exactly the prediction scaled by the mean gain...
    expect(w.odometerCm).toBeCloseTo((predicted * (g.left + g.right)) / 2, 6);
    // ...which is within 4 sd of the nominal.
    expect(Math.abs(w.odometerCm / predicted - 1)).toBeLessThan(4 * DEFAULT_DRIVE.motorVariation);
    expect(predicted).toBeGreaterThan(50);
    expect(w.timeMs).toBe(2_000);
  });

  it('is exact for a straight line with no variation, in any step sizes', () => {
    const a = createWorld({ seed: 1, drive: { motorVariation: 0 } });
    const b = createWorld({ seed: 1, drive: { motorVariation: 0 } });
    for (const w of [a, b]) {
      w.setWheel('left', 200);
      w.setWheel('right', 200);
    }
    a.step(2_000);
    for (let i = 0; i < 333; i++) b.step(6);
    b.step(2);
    const predicted = predictStraightDistanceCm(200, 2_000);
    expect(a.pose.xCm - DEFAULT_START_POSE.xCm).toBeCloseTo(predicted, 9);
    expect(a.pose.yCm).toBeCloseTo(DEFAULT_START_POSE.yCm, 12);
    expect(a.pose.headingRad).toBe(0);
    expect(b.pose.xCm).toBeCloseTo(a.pose.xCm, 9);
  });

  it('predicts the acceleration lag and full speed', () => {
    expect(predictStraightDistanceCm(255, 1_000, exact)).toBeCloseTo(35, 9);
    expect(predictStraightDistanceCm(-255, 1_000, exact)).toBeCloseTo(-35, 9);
    const tau = DEFAULT_DRIVE.accelTimeConstantMs;
    expect(predictStraightDistanceCm(255, 1_000)).toBeCloseTo(35 * (1 - (tau / 1_000) * (1 - Math.exp(-1_000 / tau))), 9);
    const w = createWorld({ seed: 1, drive: { motorVariation: 0 } });
    w.setWheel('left', 255);
    w.setWheel('right', 255);
    w.step(tau);
    expect(w.wheelSpeedsCmPerS.left).toBeCloseTo(35 * (1 - Math.exp(-1)), 9);
  });

  it('spins in place about the axle midpoint', () => {
    const w = createWorld({ seed: 1, drive: exact });
    w.setWheel('left', -150);
    w.setWheel('right', 150);
    w.step(500);
    const rate = predictSpinRateRadPerS(150);
    expect(rate).toBeGreaterThan(0);
    expect(w.pose.headingRad).toBeCloseTo(wrapAngleRad(rate * 0.5), 9);
    expect(w.pose.xCm).toBeCloseTo(DEFAULT_START_POSE.xCm, 9);
    expect(w.pose.yCm).toBeCloseTo(DEFAULT_START_POSE.yCm, 9);
    expect(w.odometerCm).toBeCloseTo(0, 9);
    w.setWheel('left', 150);
    w.setWheel('right', -150);
    w.step(500);
    expect(w.pose.headingRad).toBeCloseTo(0, 9);
  });

  it('turns left (CCW) when the right wheel is faster, on the exact arc', () => {
    const w = createWorld({ seed: 1, drive: exact });
    w.setWheel('left', 100);
    w.setWheel('right', 200);
    w.step(1_000);
    const vl = predictStraightDistanceCm(100, 1_000, exact);
    const vr = predictStraightDistanceCm(200, 1_000, exact);
    const dTheta = (vr - vl) / DEFAULT_DRIVE.wheelBaseCm;
    const radius = ((vl + vr) / 2 / dTheta);
    expect(w.pose.headingRad).toBeCloseTo(dTheta, 9);
    expect(w.pose.xCm).toBeCloseTo(DEFAULT_START_POSE.xCm + radius * Math.sin(dTheta), 9);
    expect(w.pose.yCm).toBeCloseTo(DEFAULT_START_POSE.yCm + radius * (1 - Math.cos(dTheta)), 9);
  });

  it('does not move inside the dead band, and moves just above it', () => {
    const w = createWorld({ seed: 2 });
    w.setWheel('left', 40);
    w.setWheel('right', -40);
    w.step(1_000);
    expect(w.pose).toEqual({ ...DEFAULT_START_POSE });
    expect(w.odometerCm).toBe(0);
    w.setWheel('left', -41);
    w.setWheel('right', -41);
    w.step(1_000);
    expect(w.pose.xCm).toBeLessThan(DEFAULT_START_POSE.xCm);
    expect(w.odometerCm).toBeGreaterThan(0);
  });

  it('rejects wheel commands outside -255..255', () => {
    const w = createWorld({ seed: 1 });
    expect(() => w.setWheel('left', 256)).toThrow(/HIL_SIM_INVALID_OPTION: setWheel left pwm must be a finite number in \[-255, 255\]/);
    expect(() => w.setWheel('middle' as 'left', 0)).toThrow(/side/);
    expect(() => w.step(-1)).toThrow(/step dtMs/);
  });
});

describe('world: sensors', () => {
  it('reads the wall distance ahead of the sensor, within 3 sd', () => {
    const w = createWorld({ seed: 3 });
    const sd = DEFAULT_NOISE.ultrasonicSdCm;
    // Default start: sensor 11 cm ahead of (100, 45) facing the east wall at x = 200.
    const readings = Array.from({ length: 50 }, () => w.ultrasonicCm());
    for (const r of readings) expect(Math.abs(r - 89)).toBeLessThanOrEqual(3 * sd);
    expect(new Set(readings).size).toBeGreaterThan(1); // it is noisy
    w.setPose({ xCm: 30, yCm: 20, headingRad: Math.PI / 2 });
    expect(Math.abs(w.ultrasonicCm() - (150 - 31))).toBeLessThanOrEqual(3 * sd);
    w.setPose({ xCm: 60, yCm: 75, headingRad: 0 }); // the default box obstacle starts at x = 90
    expect(Math.abs(w.ultrasonicCm() - 19)).toBeLessThanOrEqual(3 * sd);
  });

  it('reads the max range when nothing is in range, never negative, and converts to echo µs', () => {
    const open = createWorld({ seed: 1, arena: { walls: [], obstacles: [] } });
    expect(open.ultrasonicCm()).toBe(ULTRASONIC_MAX_RANGE_CM);
    expect(open.ultrasonicEchoUs()).toBeCloseTo(400 * 58.31, 0);
    const far = createWorld({ seed: 1, arena: boxArena(1_000, 100), start: { xCm: 10, yCm: 50, headingRad: 0 } });
    expect(far.ultrasonicCm()).toBe(ULTRASONIC_MAX_RANGE_CM);
    const touching = createWorld({ seed: 1, noise: { ultrasonicSdCm: 5 }, start: { xCm: 189, yCm: 75, headingRad: 0 } });
    for (let i = 0; i < 50; i++) expect(touching.ultrasonicCm()).toBeGreaterThanOrEqual(0);
    const quiet = createWorld({ seed: 1, noise: { ultrasonicSdCm: 0 } });
    expect(quiet.ultrasonicEchoUs()).toBeCloseTo(89 * ECHO_US_PER_CM, 9);
    expect(ECHO_US_PER_CM).toBeCloseTo(58.3, 1);
  });

  it('sees the line with both sensors when centred, one when off to a side, none off the track', () => {
    const w = createWorld({ seed: 1 });
    expect(w.lineSensors()).toEqual({ left: true, right: true });
    w.setPose({ xCm: 100, yCm: 46.5, headingRad: 0 }); // drifted left: only the right sensor is over the line
    expect(w.lineSensors()).toEqual({ left: false, right: true });
    w.setPose({ xCm: 100, yCm: 43.5, headingRad: 0 });
    expect(w.lineSensors()).toEqual({ left: true, right: false });
    w.setPose({ xCm: 100, yCm: 75, headingRad: 0 });
    expect(w.lineSensors()).toEqual({ left: false, right: false });
    // Heading west on the upper straight: left is now -y.
    w.setPose({ xCm: 100, yCm: 103.5, headingRad: Math.PI });
    expect(w.lineSensors()).toEqual({ left: false, right: true });
  });

  it('reads light as integer ADC counts with noise, clamped to 0..1023', () => {
    const w = createWorld({ seed: 4, lightLevel: 300 });
    const xs = Array.from({ length: 100 }, () => w.lightLevel());
    for (const x of xs) {
      expect(Number.isInteger(x)).toBe(true);
      expect(Math.abs(x - 300)).toBeLessThanOrEqual(4 * DEFAULT_NOISE.lightSd);
    }
    w.setLightLevel(1023);
    for (let i = 0; i < 20; i++) expect(w.lightLevel()).toBeLessThanOrEqual(1023);
    expect(() => w.setLightLevel(2_000)).toThrow(/setLightLevel must be a finite number in \[0, 1023\]/);
    expect(createWorld({ seed: 1, noise: { lightSd: 0 }, lightLevel: 12.4 }).lightLevel()).toBe(12);
  });
});

describe('world: pen, buzzer, LEDs, button', () => {
  it('records strokes only while the pen is down, a new one each time, points >= 0.5 cm apart', () => {
    const w = createWorld({ seed: 5, drive: exact });
    w.setWheel('left', 200);
    w.setWheel('right', 200);
    w.step(500); // pen up: nothing drawn
    expect(w.strokes).toHaveLength(0);
    w.setPenServo(90);
    expect(w.penDown).toBe(true);
    w.step(500);
    w.setPenServo(5);
    expect(w.penDown).toBe(false);
    w.step(500);
    w.setPenServo(90);
    w.step(200);
    expect(w.strokes).toHaveLength(2);
    const [first, second] = w.strokes;
    const speed = predictStraightDistanceCm(200, 1_000, exact);
    const x0 = DEFAULT_START_POSE.xCm + speed * 0.5;
    expect(first!.points[0]!.xCm).toBeCloseTo(x0, 9);
    expect(first!.points[0]!.yCm).toBe(45);
    expect(first!.points[0]!.atMs).toBe(500);
    expect(first!.points.at(-1)!.xCm).toBeLessThanOrEqual(x0 + speed * 0.5 + 1e-9);
    expect(first!.points.at(-1)!.xCm).toBeGreaterThan(x0 + speed * 0.5 - MIN_POINT_SPACING_CM);
    expect(second!.points[0]!.atMs).toBe(1_500);
    for (const s of w.strokes) {
      for (let i = 1; i < s.points.length; i++) {
        const a = s.points[i - 1]!;
        const b = s.points[i]!;
        expect(Math.hypot(b.xCm - a.xCm, b.yCm - a.yCm)).toBeGreaterThanOrEqual(MIN_POINT_SPACING_CM);
        expect(b.atMs).toBeGreaterThan(a.atMs);
      }
    }
  });

  it('keeps one stroke while the pen stays down and treats the threshold as down', () => {
    const w = createWorld({ seed: 5, penDownThresholdDeg: 60 });
    w.setPenServo(59);
    expect(w.penDown).toBe(false);
    w.setPenServo(60);
    w.setPenServo(120);
    expect(w.penDown).toBe(true);
    expect(w.strokes).toHaveLength(1);
    expect(w.penServoDeg).toBe(120);
    expect(() => w.setPenServo(181)).toThrow(/setPenServo angleDeg/);
  });

  it('holds tone, LEDs and button, and reset() returns to the start', () => {
    const w = createWorld({ seed: 6 });
    w.setTone(440);
    w.setLed(1, { r: 255, g: 0, b: 10 });
    w.pressButton();
    w.setWheel('left', 200);
    w.setWheel('right', 180);
    w.setPenServo(90);
    w.setLightLevel(10);
    w.step(300);
    expect(w.toneHz).toBe(440);
    expect(w.leds).toEqual([
      { r: 0, g: 0, b: 0 },
      { r: 255, g: 0, b: 10 },
    ]);
    expect(w.buttonPressed).toBe(true);
    const odometer = w.odometerCm;
    w.reset();
    expect(w.pose).toEqual({ ...DEFAULT_START_POSE });
    expect(w.wheels).toEqual({ left: 0, right: 0 });
    expect(w.wheelSpeedsCmPerS).toEqual({ left: 0, right: 0 });
    expect(w.penDown).toBe(false);
    expect(w.strokes).toHaveLength(0);
    expect(w.buttonPressed).toBe(false);
    expect(w.toneHz).toBe(0);
    expect(w.leds[1]).toEqual({ r: 0, g: 0, b: 0 });
    expect(w.odometerCm).toBe(odometer);
    expect(w.timeMs).toBe(300);
    w.step(100);
    expect(w.pose).toEqual({ ...DEFAULT_START_POSE }); // motors really stopped
    w.reset({ pose: { xCm: 10, yCm: 10, headingRad: 3 * Math.PI } });
    expect(w.pose.headingRad).toBeCloseTo(Math.PI, 12);
    w.releaseButton();
    expect(() => w.setLed(2 as 0, { r: 0, g: 0, b: 0 })).toThrow(/setLed index/);
    expect(() => w.setLed(0, { r: 256, g: 0, b: 0 })).toThrow(/setLed 0 rgb\.r must be an integer in \[0, 255\]/);
    expect(() => w.setTone(-1)).toThrow(/setTone/);
  });
});

describe('world: determinism and options', () => {
  function run(seed: number): unknown[] {
    const w = createWorld({ seed });
    const trace: unknown[] = [w.motorGains];
    w.setWheel('left', 180);
    w.setWheel('right', 200);
    for (let i = 0; i < 50; i++) {
      w.step(20);
      trace.push(w.pose, w.ultrasonicCm(), w.lightLevel(), w.lineSensors());
    }
    return trace;
  }

  it('gives identical results for the same seed and different noise for another', () => {
    expect(run(99)).toEqual(run(99));
    const a = createWorld({ seed: 99 });
    const b = createWorld({ seed: 100 });
    expect(a.motorGains).not.toEqual(b.motorGains);
    const ra = Array.from({ length: 5 }, () => a.ultrasonicCm());
    const rb = Array.from({ length: 5 }, () => b.ultrasonicCm());
    expect(ra).not.toEqual(rb);
  });

  it('keeps each noise stream independent of the others', () => {
    const a = createWorld({ seed: 7 });
    const b = createWorld({ seed: 7 });
    for (let i = 0; i < 10; i++) b.lightLevel(); // another consumer draws
    b.rng.fork('my-consumer').next();
    expect(Array.from({ length: 5 }, () => a.ultrasonicCm())).toEqual(Array.from({ length: 5 }, () => b.ultrasonicCm()));
  });

  it('rejects bad options, naming the option and its range', () => {
    const bad = (o: Partial<WorldOptions>, re: RegExp): void => {
      let caught: unknown;
      try {
        createWorld({ seed: 1, ...o });
      } catch (err) {
        caught = err;
      }
      expect(isHilError(caught, 'HIL_SIM_INVALID_OPTION'), String(caught)).toBe(true);
      expect((caught as Error).message).toMatch(re);
    };
    bad({ seed: 0.5 }, /seed must be an integer/);
    bad({ drive: { wheelBaseCm: 0 } }, /drive\.wheelBaseCm must be a finite number in \[1, 100\] cm; got 0/);
    bad({ drive: { deadBandPwm: 255 } }, /drive\.deadBandPwm/);
    bad({ drive: { motorVariation: -0.1 } }, /drive\.motorVariation/);
    bad({ drive: { accelTimeConstantMs: Number.NaN } }, /drive\.accelTimeConstantMs/);
    bad({ start: { xCm: 0, yCm: Number.POSITIVE_INFINITY, headingRad: 0 } }, /start\.yCm/);
    bad({ lightLevel: 1024 }, /lightLevel must be a finite number in \[0, 1023\]/);
    bad({ noise: { ultrasonicSdCm: -1 } }, /noise\.ultrasonicSdCm/);
    bad({ penDownThresholdDeg: 0 }, /penDownThresholdDeg/);
    bad({ geometry: { lineSensorSpacingCm: -1 } }, /geometry\.lineSensorSpacingCm/);
    bad({ lineMap: { lines: [{ points: [], widthCm: 1 }] } }, /lineMap\.lines\[0\]\.points/);
    expect(() => predictStraightDistanceCm(300, 10)).toThrow(/pwm must be/);
  });
});
