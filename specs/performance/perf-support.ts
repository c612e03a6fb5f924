/**
 * What the performance specs share: which companion they measure on this
 * project, how long the soak is (from the contract, never from here), the
 * snapshot context the compliance report shows, and the machine-wide
 * measurement lock (timing windows must not overlap another project's).
 *
 * | variable | meaning |
 * |---|---|
 * | `HIL_TARGET` | `sim`: the companion reads the simulator in its own process; `hardware`: it opens `HIL_PORT` (a bench mBot, or `sim-pty`) |
 * | `HIL_COMPANION_URL` | measure this companion instead of starting the reference one (your own mBot RuVector companion) |
 * | `HIL_COMPANION_TOKEN` | its token, if it wants one |
 * | `HIL_COMPANION_PID` | its process id, for the memory soak (its inspector is opened with SIGUSR1 on 127.0.0.1:9229) |
 * | `HIL_COMPANION_INSPECT` | or its inspector URL (`ws://127.0.0.1:9230/...`, start it with `--inspect=127.0.0.1:9230`) |
 * | `HIL_SOAK_MS` | soak length in the clock's ms, overriding the contract's (e.g. 3600000 for an hour on a bench) |
 */
import { getContracts } from '../../harness/contracts/index.ts';
import { HilError } from '../../harness/errors.ts';
import type { SnapshotContext, TargetInfo } from '../../harness/metrics/index.ts';
import { BYTES_PER_MB, type MemorySample } from '../../harness/metrics/memory-recorder.ts';
import { acquireMeasurementLock } from '../../harness/probes/frame-probe-lock.ts';
import type { CompanionProcess } from '../../reference/companion/spawn-companion.ts';

type Env = Record<string, string | undefined>;

/** The soak the contract's `testing_requirements.performance_tests` names (`soak_test_10min`), in ms. */
export function contractSoakMs(): { ms: number; name: string } {
  const contract = getContracts().findContract('feature_performance');
  const tests = (contract?.sections.testing_requirements as { performance_tests?: unknown } | undefined)?.performance_tests;
  const names = Array.isArray(tests) ? tests.filter((t): t is string => typeof t === 'string') : [];
  for (const name of names) {
    const m = /^soak_test_(\d+)(s|min|h)$/u.exec(name);
    if (m) return { ms: Number(m[1]) * { s: 1000, min: 60_000, h: 3_600_000 }[m[2] as 's' | 'min' | 'h'], name };
  }
  throw new HilError('HIL_CONFIG_INVALID', `contract feature_performance names no soak_test_<N>min in testing_requirements.performance_tests (found: ${names.join(', ') || 'none'})`);
}

/** True on the hardware project (`HIL_TARGET=hardware`). */
export function onHardware(env: Env = process.env): boolean {
  return env.HIL_TARGET === 'hardware';
}

/** True when the hardware project runs against the simulator behind a PTY (CI), not a bench robot. */
export function onPty(env: Env = process.env): boolean {
  return onHardware(env) && env.HIL_PORT === 'sim-pty';
}

/**
 * How long the soak runs here, and on which clock:
 * - sim: the contract's length in VIRTUAL time (the companion child's clock
 *   moves only when the spec advances it, so 10 minutes take seconds);
 * - a bench robot: the contract's length in real time;
 * - the PTY stand-in in CI: a 4 s real-time smoke run of the same path
 *   (the label says so; set `HIL_SOAK_MS` for the full length);
 * - your own companion (`HIL_COMPANION_URL`): the contract's length in real time.
 * `HIL_SOAK_MS` overrides the length everywhere.
 */
export function soakPlan(env: Env = process.env): { ms: number; clock: 'virtual' | 'wall'; label: string } {
  const contract = contractSoakMs();
  const override = env.HIL_SOAK_MS ? Number(env.HIL_SOAK_MS) : undefined;
  if (override !== undefined && !(Number.isSafeInteger(override) && override > 0)) {
    throw new HilError('HIL_CONFIG_INVALID', `HIL_SOAK_MS=${env.HIL_SOAK_MS} is not valid; it accepts a whole number of ms > 0`);
  }
  const fmt = (ms: number): string => (ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);
  if (env.HIL_COMPANION_URL) {
    const ms = override ?? contract.ms;
    return { ms, clock: 'wall', label: `soak ${fmt(ms)} real time of the companion at HIL_COMPANION_URL (${contract.name})` };
  }
  if (!onHardware(env)) {
    const ms = override ?? contract.ms;
    return { ms, clock: 'virtual', label: `soak ${fmt(ms)} of virtual time (${contract.name})` };
  }
  if (onPty(env) && override === undefined) {
    return { ms: 4000, clock: 'wall', label: `soak smoke run: 4 s real time on the PTY stand-in (${contract.name} is ${fmt(contract.ms)}; set HIL_SOAK_MS)` };
  }
  const ms = override ?? contract.ms;
  return { ms, clock: 'wall', label: `soak ${fmt(ms)} real time (${contract.name})` };
}

/**
 * One progress line of a soak, e.g. `soak 3/10 min virtual, heap 42.1 MB`
 * (`real time` on a wall clock; seconds for a soak under a minute).
 */
export function soakProgressMessage(label: string, doneMs: number, totalMs: number, clock: 'virtual' | 'wall', sample: Pick<MemorySample, 'heapUsedBytes'>): string {
  const unitMs = totalMs >= 60_000 ? 60_000 : 1000;
  const fmt = (ms: number): string => String(Number((ms / unitMs).toFixed(1)));
  const heapMb = (sample.heapUsedBytes / BYTES_PER_MB).toFixed(1);
  return `${label} ${fmt(doneMs)}/${fmt(totalMs)} ${unitMs === 60_000 ? 'min' : 's'} ${clock === 'virtual' ? 'virtual' : 'real time'}, heap ${heapMb} MB`;
}

/** The robot port the companion child opens on this project (undefined: the simulator inside it). */
export function companionRobotPort(env: Env = process.env): string | undefined {
  return onHardware(env) ? (env.HIL_PORT || 'auto') : undefined;
}

/** The snapshot context of a measurement of `companion` on `clock`. */
export function contextOf(companion: Pick<CompanionProcess, 'target' | 'seed'>, clock: 'wall' | 'virtual'): SnapshotContext {
  return { target: companion.target, clock: { kind: clock }, seed: companion.seed };
}

/** The snapshot context of a user's own companion given by `HIL_COMPANION_URL`. */
export function externalContext(url: string): SnapshotContext {
  const target: TargetInfo = { kind: 'external', port: url.replace(/([?&]token=)[^&]*/u, '$1***') };
  return { target, clock: { kind: 'wall' }, seed: null };
}

/** Runs `fn` holding the machine-wide measurement lock (waits up to 20 s, then runs unlocked). */
export async function measured<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireMeasurementLock({ label });
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
