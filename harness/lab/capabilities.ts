/**
 * Capability checks for specs that need hardware not every bench has:
 *
 *   test('draws a square', async ({ robot, skip }) => {
 *     skipUnlessCapable({ skip }, 'pen');
 *     ...
 *   });
 *
 * On the simulator (and the PTY stand-in) every capability is present. On
 * a real bench the inventory entry of `HIL_BENCH` says what is mounted.
 */
import { existsSync } from 'node:fs';
import { HilError } from '../errors.ts';
import { onPtyStandIn, onSimTarget, readTargetSettings } from '../targets/run-settings.ts';
import { BENCH_CAPABILITIES, isBenchCapability, type BenchCapability } from './inventory-schema.ts';
import { BENCH_ENV, currentBench, DEFAULT_INVENTORY, INVENTORY_ENV, loadInventory, resolveInventoryPath } from './inventory.ts';

type Env = Record<string, string | undefined>;

/**
 * Why the current run cannot exercise `capabilities`, or undefined when it
 * can. Skips (returns a reason) on real hardware when the bench lacks one,
 * or when no bench is named or no inventory exists to say what it has.
 * Throws `HIL_CONFIG_INVALID` for an unknown capability name (a typo in a
 * spec must not turn into a silent skip), an invalid inventory, or a
 * `HIL_BENCH` the inventory does not list.
 */
export function requireCapability(capabilities: string | readonly string[], env: Env = process.env, cwd?: string): string | undefined {
  const wanted = typeof capabilities === 'string' ? [capabilities] : [...capabilities];
  const unknown = wanted.filter((c) => !isBenchCapability(c));
  if (unknown.length > 0) {
    throw new HilError('HIL_CONFIG_INVALID', `unknown capability ${unknown.map((c) => `"${c}"`).join(', ')}; use one of ${BENCH_CAPABILITIES.join(', ')}, or x-<name> for your own`);
  }
  const settings = readTargetSettings(env);
  if (onSimTarget(settings)) return undefined;
  if (onPtyStandIn(settings) && !env[BENCH_ENV]?.trim()) return undefined;
  const needs = wanted.join(', ');
  if (!env[BENCH_ENV]?.trim()) {
    return `needs ${needs}; the bench is unknown (set ${BENCH_ENV} to a bench of ${env[INVENTORY_ENV] || DEFAULT_INVENTORY} that has it); runs on the simulator`;
  }
  // No inventory at all: HIL_BENCH may be a mere label; say so in the skip. A broken inventory or an unknown bench still throws.
  const file = resolveInventoryPath(undefined, env, cwd);
  if (!existsSync(file)) return `needs ${needs}; ${BENCH_ENV}=${env[BENCH_ENV]} but there is no bench inventory at ${file} to say what it has (format: harness/lab/README.md)`;
  const bench = currentBench(env, cwd);
  if (!bench) return undefined;
  const missing = wanted.filter((c) => !bench.capabilities.has(c as BenchCapability));
  if (missing.length === 0) return undefined;
  const others = loadInventory(undefined, env, cwd).benches.filter((b) => missing.every((c) => b.capabilities.has(c as BenchCapability))).map((b) => b.name);
  return `bench ${bench.name} has no ${missing.join(', ')} (${bench.location.file}:${bench.location.line}); runs on ${others.length ? `bench ${others.join(', ')} and ` : ''}the simulator`;
}

/** What {@link skipUnlessCapable} needs from a test context. */
export interface SkipContext {
  skip: (note?: string) => never;
}

/**
 * Skips the test (Vitest's `context.skip(reason)`) when
 * {@link requireCapability} gives a reason; returns otherwise.
 */
export function skipUnlessCapable(ctx: SkipContext, ...capabilities: string[]): void {
  const reason = requireCapability(capabilities);
  if (reason) ctx.skip(reason);
}

/** The capabilities of the current run: all on the simulator, the bench's on hardware, none when unknown. */
export function currentCapabilities(env: Env = process.env, cwd?: string): ReadonlySet<BenchCapability> {
  const settings = readTargetSettings(env);
  if (onSimTarget(settings) || (onPtyStandIn(settings) && !env[BENCH_ENV]?.trim())) return new Set(BENCH_CAPABILITIES);
  try {
    return currentBench(env, cwd)?.capabilities ?? new Set();
  } catch {
    return new Set();
  }
}
