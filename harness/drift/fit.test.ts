import { describe, expect, it } from 'vitest';
import { parseSimProfile } from '../../simulators/mbot/sim-profile.ts';
import { calibrationRoutine } from './calibration-routine.ts';
import { defaultDriveParams, estimateJitterMs, fitDrive, fitSession, fitToProfile, sonarNoiseSdCm } from './fit.ts';
import { nelderMead } from './nelder-mead.ts';
import { observe, samplingIntervalsMs } from './observe.ts';
import { syntheticSession } from './testing/synthetic-session.ts';

const TRUE_DRIVE = { maxSpeedCmPerS: 27, deadBandPwm: 58, gainLeft: 1.06, gainRight: 0.94, accelTimeConstantMs: 50 };

describe('nelderMead', () => {
  it('finds the minimum of a shifted quadratic bowl and of Rosenbrock', () => {
    const bowl = nelderMead((x) => ((x[0] as number) - 3) ** 2 + 10 * ((x[1] as number) + 2) ** 2, [0, 0], { steps: [1, 1] });
    expect(bowl.x[0]).toBeCloseTo(3, 3);
    expect(bowl.x[1]).toBeCloseTo(-2, 3);
    const rosen = nelderMead((x) => 100 * ((x[1] as number) - (x[0] as number) ** 2) ** 2 + (1 - (x[0] as number)) ** 2, [-1.2, 1], { steps: [0.5, 0.5], maxEvaluations: 5000, costTolerance: 1e-14 });
    expect(rosen.x[0]).toBeCloseTo(1, 2);
    expect(rosen.converged).toBe(true);
  });
});

describe('fitDrive on a synthetic robot of known parameters', () => {
  it('recovers speed at 255, dead band and both gains from the sonar within 4 %, 3 PWM and 0.015 (over 10 seeds: sd 1.4 %, 0.94 PWM, 0.0044; no bias)', () => {
    const obs = observe(syntheticSession({ drive: TRUE_DRIVE, sonarSdCm: 0.3, lightSd: 2, jitterMs: 0 }));
    const fit = fitDrive(obs);
    expect(fit).toBeDefined();
    const p = fit!.params;
    expect(Math.abs(p.maxSpeedCmPerS / 27 - 1)).toBeLessThan(0.04);
    expect(Math.abs(p.deadBandPwm - 58)).toBeLessThan(3);
    expect(Math.abs(p.gainLeft - 1.06)).toBeLessThan(0.015);
    expect(Math.abs(p.gainRight - 0.94)).toBeLessThan(0.015);
    // The fit explains the readings down to their noise; the defaults do not.
    expect(fit!.rmsCm).toBeLessThan(0.45);
    expect(fit!.defaultRmsCm).toBeGreaterThan(2);
    expect(fit!.warnings).toEqual([]);
  });

  it('finds nothing to change on a robot that is the default simulator', () => {
    const fit = fitDrive(observe(syntheticSession({ drive: defaultDriveParams(), sonarSdCm: 0.3, lightSd: 2, jitterMs: 0 })));
    expect(Math.abs(fit!.params.maxSpeedCmPerS / 35 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit!.params.deadBandPwm - 40)).toBeLessThan(3);
    // Both explain the readings down to the 0.3 cm noise: the defaults were already right.
    expect(fit!.rmsCm).toBeLessThan(0.4);
    expect(fit!.defaultRmsCm).toBeLessThan(0.4);
  });

  it('warns when the drive cannot tell dead band from speed (one PWM level) or the two gains apart (no pivot)', () => {
    const steps = calibrationRoutine().filter((s) => s.left === s.right && (s.left === 0 || Math.abs(s.left) === 200 || Math.abs(s.left) === 255));
    const oneLevel = steps.filter((s) => Math.abs(s.left) !== 255);
    const fit = fitDrive(observe(syntheticSession({ drive: TRUE_DRIVE, sonarSdCm: 0.3, lightSd: 2, jitterMs: 0, steps: [{ left: 0, right: 0, ms: 500, label: 'still' }, { left: 200, right: 200, ms: 700, label: 'fwd' }, ...oneLevel] })));
    expect(fit!.warnings.join('\n')).toMatch(/need 2 or more levels above the dead band/);
    expect(fit!.warnings.join('\n')).toMatch(/two motor gains cannot be told apart/);
  });

  it('returns undefined for a session that never drives', () => {
    expect(fitDrive(observe(syntheticSession({ drive: TRUE_DRIVE, sonarSdCm: 0.3, lightSd: 2, jitterMs: 0, steps: [{ left: 0, right: 0, ms: 2000, label: 'still' }] })))).toBeUndefined();
  });
});

describe('timing and noise estimates', () => {
  it('sampling jitter: √(6·Δvar) of the intervals recovers a uniform delay of 6 ms within 0.6 ms', () => {
    const rec = observe(syntheticSession({ drive: TRUE_DRIVE, sonarSdCm: 0.3, lightSd: 2, jitterMs: 6, seed: 3 }));
    const base = observe(syntheticSession({ drive: TRUE_DRIVE, sonarSdCm: 0.3, lightSd: 2, jitterMs: 0, seed: 3 }));
    const j = estimateJitterMs(samplingIntervalsMs(rec.analog.get(6)!), samplingIntervalsMs(base.analog.get(6)!));
    expect(Math.abs(j! - 6)).toBeLessThan(0.6);
    expect(estimateJitterMs(samplingIntervalsMs(base.analog.get(6)!), samplingIntervalsMs(base.analog.get(6)!))).toBe(0);
  });

  it('noise: the sonar sd from still spells and the light sd from successive differences', () => {
    const obs = observe(syntheticSession({ drive: TRUE_DRIVE, sonarSdCm: 0.8, lightSd: 5, jitterMs: 0 }));
    expect(Math.abs(sonarNoiseSdCm(obs.sonar)! - 0.8)).toBeLessThan(0.15);
    const fit = fitSession(obs, obs, 6);
    expect(fit.ultrasonicSdCm).toBe(sonarNoiseSdCm(obs.sonar));
    expect(Math.abs(fit.lightSd! - 5)).toBeLessThan(0.5);
  });

  it('the fit becomes a valid profile that records where it came from', () => {
    const rec = observe(syntheticSession({ drive: TRUE_DRIVE, sonarSdCm: 0.3, lightSd: 2, jitterMs: 4, seed: 5 }));
    const base = observe(syntheticSession({ drive: defaultDriveParams(), sonarSdCm: 0.3, lightSd: 2, jitterMs: 0, seed: 5 }));
    const profile = fitToProfile(fitSession(rec, base, 6), ['fitted from a synthetic session'], 'synthetic');
    expect(parseSimProfile(profile)).toEqual(profile);
    expect(profile.drive?.motorGains?.left).toBeGreaterThan(1.03);
    expect(profile.link?.jitterMs).toBeGreaterThan(3);
    expect(profile.notes?.[0]).toBe('fitted from a synthetic session');
  });
});
