/**
 * Simulator profiles: the simulator's physical and timing parameters as a
 * versioned JSON file, so the simulator can be calibrated to a team's own
 * robot (`npx mbot-hil drift <recording> --fit --write-profile <file>`) and
 * run with it (`HIL_SIM_PROFILE=<file>`, or `createSimulatedMbot({ profile })`).
 *
 *   {
 *     "format": "mbot-hil/sim-profile@1",
 *     "name": "bench-a mBot, fresh batteries",
 *     "drive": { "maxSpeedCmPerS": 31.2, "deadBandPwm": 52, "motorGains": { "left": 1.03, "right": 0.97 } },
 *     "noise": { "ultrasonicSdCm": 0.4, "lightSd": 3 },
 *     "link": { "jitterMs": 4 },
 *     "notes": ["fitted from bench-a.hilrec: sonar rms 0.42 cm over 118 pings"]
 *   }
 *
 * Every section and field is optional except `format`; an unset field keeps
 * the simulator's default. Keys are strict (a misspelt key would otherwise
 * silently calibrate nothing). A profile sits UNDER explicit options: a
 * caller's `world.drive.maxSpeedCmPerS` wins over the profile's.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { HilError } from '../../harness/errors.ts';
import { DEFAULT_DRIVE, MAX_PWM } from '../world/drive.ts';
import { DEFAULT_NOISE, MOTOR_GAIN_RANGE } from '../world/world.ts';
import type { WorldOptions } from '../world/types.ts';
import type { LinkOptions } from '../link/link-options.ts';

/** The `format` value of version 1. A later, incompatible version gets a new number. */
export const SIM_PROFILE_FORMAT = 'mbot-hil/sim-profile@1';

/** Largest profile file accepted, bytes: a profile is a few hundred bytes; anything near this is not one. */
export const MAX_SIM_PROFILE_BYTES = 64 * 1024;

const num = (what: string, min: number, max: number, unit: string, minExclusive = false) =>
  z
    .number({ error: `${what} must be a number (${unit})` })
    .refine((v) => Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max, {
      error: (iss) => `${what} must be in ${minExclusive ? '(' : '['}${min}, ${max}] ${unit}; got ${String(iss.input)}`,
    });

const strict = <T extends z.core.$ZodLooseShape>(shape: T, what: string) =>
  z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')} in ${what}; it holds ${Object.keys(shape).join(', ')}`
        : `${what} must be an object with ${Object.keys(shape).join(', ')}`,
  });

const gain = (side: string) => num(`motor gain ${side}`, MOTOR_GAIN_RANGE.min, MOTOR_GAIN_RANGE.max, '(1 = nominal)');

/** The schema of a profile file (version 1). */
export const simProfileSchema = strict(
  {
    format: z.literal(SIM_PROFILE_FORMAT, { error: `"format" must be "${SIM_PROFILE_FORMAT}"` }),
    name: z.string({ error: '"name" must be text' }).max(200, { error: '"name" is longer than 200 characters' }).optional(),
    drive: strict(
      {
        maxSpeedCmPerS: num('speed at PWM 255', 0, 1000, 'cm/s', true).optional(),
        deadBandPwm: num('dead band', 0, MAX_PWM - 1, 'PWM counts').optional(),
        motorGains: strict({ left: gain('left'), right: gain('right') }, '"drive.motorGains"').optional(),
        motorVariation: num('motor variation', 0, 0.2, '(relative sd)').optional(),
        accelTimeConstantMs: num('acceleration time constant', 0, 10_000, 'ms').optional(),
        wheelBaseCm: num('wheel base', 1, 100, 'cm').optional(),
      },
      '"drive"',
    ).optional(),
    noise: strict(
      {
        ultrasonicSdCm: num('ultrasonic noise sd', 0, 50, 'cm').optional(),
        lightSd: num('light sensor noise sd', 0, 200, 'ADC counts').optional(),
      },
      '"noise"',
    ).optional(),
    link: strict(
      {
        jitterMs: num('link jitter (sampling jitter the host sees)', 0, 10_000, 'ms').optional(),
        latencyMs: num('link latency', 0, 10_000, 'ms').optional(),
      },
      '"link"',
    ).optional(),
    board: strict({ resetDelayMs: num('reset-to-announce delay', 0, 60_000, 'ms').optional() }, '"board"').optional(),
    notes: z
      .array(z.string({ error: 'each note must be text' }).max(2000, { error: 'a note is longer than 2,000 characters' }), { error: '"notes" must be a list of text' })
      .max(100, { error: '"notes" holds more than 100 entries' })
      .optional(),
  },
  'a simulator profile',
);

/** A validated profile. */
export type SimProfile = z.infer<typeof simProfileSchema>;

/** One problem in a profile: `path` is the dotted field (`drive.deadBandPwm`), empty for the whole file. */
export interface SimProfileProblem {
  path: string;
  message: string;
}

/** A profile that could not be read or is not valid (code HIL_CONFIG_INVALID); every problem is listed. */
export class SimProfileError extends HilError {
  readonly file: string;
  readonly problems: readonly SimProfileProblem[];

  constructor(file: string, problems: readonly SimProfileProblem[]) {
    const lines = problems.map((p) => `  - ${file}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
    super(
      'HIL_CONFIG_INVALID',
      `simulator profile ${file} has ${problems.length} problem(s); fix each of them (format: docs/drift-and-calibration.md):\n${lines.join('\n')}`,
    );
    this.name = 'SimProfileError';
    this.file = file;
    this.problems = problems;
  }
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

/** Validates parsed JSON as a profile; `file` names it in errors. Throws {@link SimProfileError}. */
export function parseSimProfile(value: unknown, file = '(profile)'): SimProfile {
  const r = simProfileSchema.safeParse(value);
  if (r.success) return r.data;
  throw new SimProfileError(file, r.error.issues.map((i) => ({ path: dotted(i.path), message: i.message })));
}

/** Parses profile text (JSON). Throws {@link SimProfileError} for bad JSON or a bad profile. */
export function parseSimProfileText(text: string, file = '(profile)'): SimProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SimProfileError(file, [{ path: '', message: `not valid JSON (${(err as Error).message})` }]);
  }
  return parseSimProfile(value, file);
}

/** Reads and validates a profile file. Throws {@link SimProfileError} (HIL_CONFIG_INVALID) when missing, too large, or invalid. */
export function loadSimProfile(file: string): SimProfile {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_SIM_PROFILE_BYTES) {
      throw new SimProfileError(file, [{ path: '', message: `is ${size} bytes; a profile is at most ${MAX_SIM_PROFILE_BYTES} bytes` }]);
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof SimProfileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new SimProfileError(file, [{ path: '', message: `cannot be read (${code ?? (err as Error).message}); check the path` }]);
  }
  return parseSimProfileText(text, file);
}

/** A profile as file text (stable key order, 2-space indent, trailing newline). */
export function formatSimProfile(profile: SimProfile): string {
  return `${JSON.stringify(parseSimProfile(profile), null, 2)}\n`;
}

/** The simulator options a profile sets (world drive, motor gains, noise; link timing; reset delay). */
export interface SimProfileOptions {
  world: Pick<WorldOptions, 'drive' | 'motorGains' | 'noise'>;
  link: Pick<LinkOptions, 'jitterMs' | 'latencyMs'>;
  resetDelayMs: number | undefined;
}

/** The options `profile` stands for; fields it leaves unset are absent (the simulator's defaults apply). */
export function simProfileOptions(profile: SimProfile): SimProfileOptions {
  const world: SimProfileOptions['world'] = {};
  const { motorGains, ...drive } = profile.drive ?? {};
  if (Object.keys(drive).length > 0) world.drive = drive;
  if (motorGains !== undefined) world.motorGains = { ...motorGains };
  if (profile.noise !== undefined && Object.keys(profile.noise).length > 0) world.noise = { ...profile.noise };
  return { world, link: { ...profile.link }, resetDelayMs: profile.board?.resetDelayMs };
}

/** The simulator's default values of the parameters a profile can set (what an unset field means). */
export const SIM_PROFILE_DEFAULTS = Object.freeze({
  maxSpeedCmPerS: DEFAULT_DRIVE.maxSpeedCmPerS,
  deadBandPwm: DEFAULT_DRIVE.deadBandPwm,
  motorVariation: DEFAULT_DRIVE.motorVariation,
  accelTimeConstantMs: DEFAULT_DRIVE.accelTimeConstantMs,
  wheelBaseCm: DEFAULT_DRIVE.wheelBaseCm,
  ultrasonicSdCm: DEFAULT_NOISE.ultrasonicSdCm,
  lightSd: DEFAULT_NOISE.lightSd,
  jitterMs: 0,
  latencyMs: 0,
});
