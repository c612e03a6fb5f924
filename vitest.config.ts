import { configDefaults, defineConfig } from 'vitest/config';
import { probePython3, PYTHON3_ENV } from './simulators/pty/python3.ts';

// python3 (the PTY stand-in's relay) is found once for the run and handed to
// every worker and the processes the tests start: each used to ask python3
// itself, about 0.5 s a time behind a pyenv shim (simulators/pty/python3.ts).
if (process.env[PYTHON3_ENV] === undefined) {
  const python3 = probePython3();
  if (python3 !== null && python3 !== 'python3') process.env[PYTHON3_ENV] = python3;
}

// The hardware project runs the same specs on a robot. Without a port it shows
// one skipped test whose title names the variable to set, so nobody mistakes
// "not run" for "passed".
const hardwarePort = process.env.HIL_PORT;

// The bench-safety spec runs real processes against PTY stand-ins of its own
// and measures no invariant, so on the stand-in (`npm test`) it runs beside
// the unit files as a project of its own instead of in the hardware
// project's one-file-at-a-time queue. On any other port it stays in the
// hardware project, where it skips (it needs the stand-in).
const BENCH_SAFETY_SPEC = 'specs/robot/bench-safety.spec.ts';
const benchSafetyBesideUnit = hardwarePort === 'sim-pty';
/** Workers of the first group (unit files, and bench-safety on the stand-in). */
const FIRST_GROUP_WORKERS = 3;

export default defineConfig({
  test: {
    // The CLI's and the children's bundles, built once before any test (harness/launch/compiled-entry.ts).
    globalSetup: ['./harness/launch/prebuild.ts'],
    // Transformed modules kept on disk between runs (node_modules/.experimental-vitest-cache),
    // keyed by each file's content and the config: a rerun transforms only what changed
    // (transform 10 s to 2.4 s, 190 to 185 s for `npm test` here). The bench-safety child
    // runs have used it since stop 18 (fixtures/safety/module-cache.ts).
    experimental: { fsModuleCache: true },
    // The gate of an unfiltered run (`npm test`) requires all four invariants
    // to pass on the simulator and on the hardware project (the PTY stand-in
    // by default); a missing one exits 99 (docs/exit-codes-and-gates.md).
    // A filtered run (one file, -t, --project) is not held to it.
    reporters: ['default', ['./harness/reporter/index.ts', { requireInvariants: 'all', requireTargets: ['sim', 'hardware'] }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'simulators/**/*.test.ts', 'reference/**/*.test.ts', 'fixtures/**/*.test.ts'],
          // Unit files run first, three at a time on two cores (they wait on
          // real time about as much as they compute), which is safe because no
          // unit test judges by the machine's speed (docs/contributing.md,
          // "Unit tests and real time"); nothing of the specs' real-time
          // measurements runs beside them (see the groups below).
          maxWorkers: FIRST_GROUP_WORKERS,
          // Each worker process runs its files one after another without a
          // fresh module graph per file: 35 s instead of 56 s for the unit
          // group here. A unit test file must therefore restore whatever
          // global it patches (timers, env, clocks), as they all do.
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      ...(benchSafetyBesideUnit ? [{
        extends: true as const,
        test: {
          name: 'bench-safety',
          include: [BENCH_SAFETY_SPEC],
          env: { HIL_TARGET: 'hardware' },
          // One group with the unit files: Vitest requires the same number of workers.
          maxWorkers: FIRST_GROUP_WORKERS,
          isolate: false,
          sequence: { groupOrder: 0 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      }] : []),
      {
        extends: true,
        test: {
          name: 'sim',
          include: ['specs/**/*.spec.ts'],
          env: { HIL_TARGET: 'sim' },
          // Then the simulator specs, one file at a time: the performance specs
          // measure real time (browser frames, socket latency) and must not share
          // the two cores with another file.
          maxWorkers: 1,
          // One module graph for all spec files (the harness is imported once,
          // not once per file); the robot and performance fixtures are
          // file-scoped, so each file still gets its own connection.
          isolate: false,
          sequence: { groupOrder: 1 },
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'hardware',
          include: hardwarePort ? ['specs/**/*.spec.ts'] : ['fixtures/hardware-not-configured.spec.ts'],
          ...(benchSafetyBesideUnit ? { exclude: [...configDefaults.exclude, BENCH_SAFETY_SPEC] } : {}),
          env: { HIL_TARGET: 'hardware' },
          // One physical robot: one worker, one file at a time.
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          isolate: false, // as in sim: file-scoped fixtures, one module graph
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
