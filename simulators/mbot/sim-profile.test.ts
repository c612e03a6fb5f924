import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { isHilError } from '../../harness/errors.ts';
import { readTargetSettings, simProfileOf } from '../../harness/targets/select-target.ts';
import { createSimulatedMbot, type SimulatedMbot } from './simulated-mbot.ts';
import {
  formatSimProfile,
  loadSimProfile,
  MAX_SIM_PROFILE_BYTES,
  parseSimProfile,
  SIM_PROFILE_FORMAT,
  SimProfileError,
  simProfileOptions,
  type SimProfile,
} from './sim-profile.ts';

const dir = mkdtempSync(join(tmpdir(), 'sim-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sims: SimulatedMbot[] = [];
let clock: VirtualClock | undefined;
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
  clock?.dispose();
  clock = undefined;
});

const FULL: SimProfile = {
  format: SIM_PROFILE_FORMAT,
  name: 'bench-a',
  drive: { maxSpeedCmPerS: 25, deadBandPwm: 60, motorGains: { left: 1.1, right: 0.9 }, accelTimeConstantMs: 40 },
  noise: { ultrasonicSdCm: 0.8, lightSd: 6 },
  link: { jitterMs: 5, latencyMs: 1 },
  board: { resetDelayMs: 500 },
  notes: ['made by hand'],
};

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(isHilError(err, 'HIL_CONFIG_INVALID'), String(err)).toBe(true);
    expect(err).toBeInstanceOf(SimProfileError);
    return [...(err as SimProfileError).problems];
  }
  throw new Error('expected a SimProfileError');
}

describe('simulator profile format', () => {
  it('accepts a full profile and round-trips it through the file text', () => {
    const file = join(dir, 'full.json');
    writeFileSync(file, formatSimProfile(FULL));
    expect(loadSimProfile(file)).toEqual(FULL);
  });

  it('accepts the minimal profile (format only): every parameter keeps its default', () => {
    const options = simProfileOptions(parseSimProfile({ format: SIM_PROFILE_FORMAT }));
    expect(options).toEqual({ world: {}, link: {}, resetDelayMs: undefined });
  });

  it('names the field and the range of every bad value, all together', () => {
    const problems = problemsOf(() =>
      parseSimProfile(
        { format: SIM_PROFILE_FORMAT, drive: { maxSpeedCmPerS: -3, deadBandPwm: 300, motorGains: { left: 2, right: 1 } }, noise: { lightSd: 'x' } },
        'bench.json',
      ),
    );
    expect(problems.map((p) => p.path)).toEqual(['drive.maxSpeedCmPerS', 'drive.deadBandPwm', 'drive.motorGains.left', 'noise.lightSd']);
    expect(problems[0]?.message).toMatch(/speed at PWM 255 must be in \(0, 1000\] cm\/s; got -3/);
    expect(problems[1]?.message).toMatch(/dead band must be in \[0, 254\]/);
  });

  it('rejects unknown keys (a misspelt key would calibrate nothing) and a wrong or missing format', () => {
    expect(problemsOf(() => parseSimProfile({ format: SIM_PROFILE_FORMAT, drive: { maxSpeed: 30 } }))).toEqual([
      { path: 'drive', message: expect.stringMatching(/unknown key "maxSpeed" in "drive"; it holds maxSpeedCmPerS, deadBandPwm/) },
    ]);
    expect(problemsOf(() => parseSimProfile({ format: 'mbot-hil/sim-profile@2' }))[0]?.message).toMatch(/"format" must be "mbot-hil\/sim-profile@1"/);
    expect(problemsOf(() => parseSimProfile([]))[0]?.message).toMatch(/a simulator profile must be an object/);
  });

  it('says which file could not be read, is too large or is not JSON', () => {
    expect(() => loadSimProfile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot be read \(ENOENT\)/);
    const big = join(dir, 'big.json');
    writeFileSync(big, ' '.repeat(MAX_SIM_PROFILE_BYTES + 1));
    expect(() => loadSimProfile(big)).toThrow(/big\.json: is 65537 bytes/);
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{ "format": ');
    expect(problemsOf(() => loadSimProfile(notJson))[0]?.message).toMatch(/not valid JSON/);
  });

  it('HIL_SIM_PROFILE is read with the target settings and loaded by the target; a bad file fails there with HIL_CONFIG_INVALID naming file and field', async () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, formatSimProfile(FULL));
    expect(simProfileOf(readTargetSettings({ HIL_SIM_PROFILE: good }))).toEqual({ file: good, profile: FULL });
    expect(simProfileOf(readTargetSettings({}))).toBeUndefined();
    const bad = join(dir, 'bad-field.json');
    writeFileSync(bad, JSON.stringify({ format: SIM_PROFILE_FORMAT, link: { jitterMs: -1 } }));
    const { createTarget } = await import('../../harness/targets/select-target.ts');
    await expect(createTarget(readTargetSettings({ HIL_SIM_PROFILE: bad }))).rejects.toThrow(/HIL_CONFIG_INVALID: .*\n.*bad-field\.json: link\.jitterMs: link jitter/);
  });
});

describe('a profile applied to the simulator', () => {
  it('sets the drive, motor gains, noise, link and reset delay; explicit options win over it', () => {
    clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, profile: FULL });
    sims.push(sim);
    expect(sim.world.motorGains).toEqual({ left: 1.1, right: 0.9 });
    expect(sim.faults.link).toMatchObject({ jitterMs: 5, latencyMs: 1 });
    const other = createSimulatedMbot({ clock, profile: FULL, link: { jitterMs: 0 }, world: { motorGains: { left: 1, right: 1 } } });
    sims.push(other);
    expect(other.faults.link.jitterMs).toBe(0);
    expect(other.world.motorGains).toEqual({ left: 1, right: 1 });
  });

  it('drives at the profile speed: 1 s at PWM 255 covers maxSpeed·gain minus the lag, per wheel', async () => {
    clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, profile: { format: SIM_PROFILE_FORMAT, drive: { maxSpeedCmPerS: 20, motorGains: { left: 1, right: 1 } } } });
    const base = createSimulatedMbot({ clock, world: { motorGains: { left: 1, right: 1 } } });
    sims.push(sim, base);
    for (const s of [sim, base]) {
      s.world.setWheel('left', 255);
      s.world.setWheel('right', 255);
    }
    await clock.advance(1000);
    // v·(T − τ(1 − e^(−T/τ))) with τ = 50 ms: 20 · 0.95 = 19.0 cm; the default 35 cm/s gives 33.25 cm.
    expect(sim.world.odometerCm).toBeCloseTo(19.0, 1);
    expect(base.world.odometerCm).toBeCloseTo(33.25, 1);
  });

  it('reaches the simulator from the sim target settings', async () => {
    const file = join(dir, 'slow.json');
    writeFileSync(file, formatSimProfile({ format: SIM_PROFILE_FORMAT, drive: { deadBandPwm: 90 } }));
    const { createTarget } = await import('../../harness/targets/select-target.ts');
    const target = await createTarget(readTargetSettings({ HIL_SIM_PROFILE: file, HIL_CLOCK: 'wall' }));
    try {
      const sim = (target as unknown as { sim: SimulatedMbot }).sim;
      sim.world.setWheel('left', 80);
      expect(sim.world.wheelSpeedsCmPerS.left).toBe(0);
      await new Promise((r) => setTimeout(r, 30));
      // PWM 80 is inside the profile's dead band of 90: no motion (the default band of 40 would move).
      expect(sim.world.wheelSpeedsCmPerS.left).toBe(0);
      expect(sim.world.odometerCm).toBe(0);
    } finally {
      await target.dispose();
    }
  });
});
