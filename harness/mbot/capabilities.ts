/**
 * The one capability vocabulary: what a spec may need that not every run
 * has. One list of names, each meaning one thing wherever it is checked:
 *
 * - a **part** of the robot (`pen`, `light-sensor`, ...): a bench's
 *   inventory lists the parts mounted on its robot; a jig that lists a part
 *   can drive or read that part's world (press the button, set the light the
 *   light sensor sees, hear the buzzer); a firmware may lack a part (no
 *   PING_READ, no A6/A7);
 * - something only a **jig** does to the world (`pose`, `obstacle`,
 *   `unplug`, ...);
 * - something **around** the robot on a bench (`line-track`, `arena`,
 *   `jig`).
 *
 * `skipUnlessCapable` (the bench), `needJig` (the jig) and `needParts` (the
 * firmware) all take these names; docs/benches.md has the table.
 */

/** Parts of the mBot. */
export const PART_CAPABILITIES = ['ultrasonic', 'light-sensor', 'button', 'buzzer', 'rgb-leds', 'line-follower', 'ir-receiver', 'pen'] as const;
/** What a jig does beyond the parts: place and track the robot, put an obstacle ahead, pull the cable, add line noise. */
export const JIG_ONLY_CAPABILITIES = ['pose', 'odometer', 'obstacle', 'unplug', 'noise'] as const;
/** What a bench may have around the robot. */
export const BENCH_FEATURES = ['line-track', 'arena', 'jig'] as const;

/** Every capability name. */
export const CAPABILITIES = [...PART_CAPABILITIES, ...JIG_ONLY_CAPABILITIES, ...BENCH_FEATURES] as const;
export type Capability = (typeof CAPABILITIES)[number];
export type PartCapability = (typeof PART_CAPABILITIES)[number];

/** What a jig can list: the parts whose world it drives or reads, and the jig-only abilities. */
export type JigCapability = 'button' | 'light-sensor' | 'line-follower' | 'buzzer' | 'pen' | 'rgb-leds' | (typeof JIG_ONLY_CAPABILITIES)[number];

/** Every jig capability, for jigs that have them all (the simulator's world). */
export const ALL_JIG_CAPABILITIES: readonly JigCapability[] = [
  'button', 'light-sensor', 'pose', 'odometer', 'obstacle', 'line-follower', 'buzzer', 'pen', 'rgb-leds', 'unplug', 'noise',
];

/** Names jigs used before the vocabulary was one (recordings made then carry them). */
const LEGACY_JIG_NAMES: Readonly<Record<string, JigCapability>> = { light: 'light-sensor', line: 'line-follower', leds: 'rgb-leds' };

/** A jig capability name as written now (`light` → `light-sensor`, ...); other names unchanged. */
export function currentCapabilityName(name: string): string {
  return LEGACY_JIG_NAMES[name] ?? name;
}

/** True for a name of the vocabulary. */
export function isCapability(name: string): name is Capability {
  return (CAPABILITIES as readonly string[]).includes(name);
}
