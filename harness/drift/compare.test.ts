import { describe, expect, it } from 'vitest';
import { driveRows, driveSegments, numberRow, segmentRateCmPerS, sonarRmsCm, ultrasonicRows } from './compare.ts';
import { defaultDriveParams } from './fit.ts';
import { observe } from './observe.ts';
import { syntheticSession } from './testing/synthetic-session.ts';

describe('drift rows', () => {
  it('a number row is the same within max(abs, rel·|recorded|) and drifts beyond it; a missing side is n/a', () => {
    const tol = { abs: 0.5, rel: 0.05 };
    expect(numberRow('drive', 'rate', 'cm/s', 20, 20.99, tol).verdict).toBe('same');
    expect(numberRow('drive', 'rate', 'cm/s', 20, 21.01, tol).verdict).toBe('drift');
    expect(numberRow('drive', 'rate', 'cm/s', 2, 2.49, tol).verdict).toBe('same');
    expect(numberRow('drive', 'rate', 'cm/s', 2, 2.51, tol)).toMatchObject({ verdict: 'drift', difference: expect.closeTo(0.51, 9) });
    expect(numberRow('drive', 'rate', 'cm/s', undefined, 2, tol).verdict).toBe('n/a');
    expect(numberRow('drive', 'rate', 'cm/s', 2, Number.NaN, tol).verdict).toBe('n/a');
    expect(numberRow('drive', 'rate', 'cm/s', 2, 2, tol).tolerance).toBe('±0.5 cm/s or ±5 %');
  });

  it('the sonar rate of a move is the slope of its readings after the wheels spun up (−speed toward the wall)', () => {
    const obs = observe(syntheticSession({ drive: defaultDriveParams(), sonarSdCm: 0, lightSd: 0, jitterMs: 0 }));
    const forward255 = driveSegments(obs.commands, 30_000).find((s) => s.label === 'forward 255');
    expect(forward255).toBeDefined();
    expect(segmentRateCmPerS(obs.sonar, forward255!)).toBeCloseTo(-35, 0);
    // The default band is 40: PWM 45 creeps at 35·5/215 = 0.81 cm/s.
    const creep = driveSegments(obs.commands, 30_000).find((s) => s.label === 'reverse 45');
    expect(segmentRateCmPerS(obs.sonar, creep!)).toBeCloseTo(0.81, 1);
  });

  it('noise alone rarely reads as drift: at most 2 % of the move rows over 20 pairs of runs of one robot (4 standard errors)', () => {
    let rows = 0;
    let drifted = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const a = observe(syntheticSession({ drive: defaultDriveParams(), sonarSdCm: 0.3, lightSd: 2, jitterMs: 0, seed }));
      const b = observe(syntheticSession({ drive: defaultDriveParams(), sonarSdCm: 0.3, lightSd: 2, jitterMs: 0, seed: seed + 1000 }));
      for (const r of driveRows(a, b, 30_000)) {
        rows++;
        if (r.verdict === 'drift') drifted++;
      }
    }
    expect(rows).toBe(180);
    expect(drifted / rows).toBeLessThanOrEqual(0.02);
  });

  it('a robot at 30 instead of 35 cm/s with a band of 55 instead of 40 drifts in its speed at PWM 100, 160 and 255 (90 % measured over 10 runs) and always in the session\'s sonar distance', () => {
    let moves = 0;
    let drifted = 0;
    let rmsDrifted = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const sim = observe(syntheticSession({ drive: defaultDriveParams(), sonarSdCm: 0.3, lightSd: 2, jitterMs: 0, seed }));
      const slow = observe(syntheticSession({ drive: { ...defaultDriveParams(), maxSpeedCmPerS: 30, deadBandPwm: 55 }, sonarSdCm: 0.3, lightSd: 2, jitterMs: 0, seed: seed + 1000 }));
      // 5, 3.8 and 3 cm/s slower at PWM 255, 160 and 100.
      for (const r of driveRows(slow, sim, 30_000).filter((x) => /^speed at PWM (255|160|100)$/.test(x.quantity))) {
        moves++;
        if (r.verdict === 'drift') drifted++;
      }
      if (ultrasonicRows(slow, sim).find((r) => r.quantity.startsWith('distance over the session'))?.verdict === 'drift') rmsDrifted++;
    }
    expect(moves).toBe(30);
    expect(drifted / moves).toBeGreaterThanOrEqual(0.8);
    expect(rmsDrifted).toBe(10);
  });

  it('matches pings by their request when computing the distance rms', () => {
    const p = (sentAtMs: number, distanceCm: number | undefined) => ({ pin: 10, sentAtMs, answeredAtMs: sentAtMs + 10, latencyMs: 10, durationUs: 0, distanceCm });
    expect(sonarRmsCm([p(0, 50), p(65, 52), p(130, undefined)], [p(0, 51), p(65, 51), p(130, 40), p(195, 10)])).toBeCloseTo(1, 9);
    expect(sonarRmsCm([p(0, 50)], [p(1, 50)])).toBeUndefined();
  });
});
