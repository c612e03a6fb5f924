import { defineConfig } from 'vitest/config';

// The hardware project runs the same specs on a robot. Without a port it shows
// one skipped test whose title names the variable to set, so nobody mistakes
// "not run" for "passed".
const hardwarePort = process.env.HIL_PORT;

export default defineConfig({
  test: {
    reporters: ['default', ['./harness/reporter/index.ts', {}]],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'simulators/**/*.test.ts', 'fixtures/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'sim',
          include: ['specs/**/*.spec.ts'],
          env: { HIL_TARGET: 'sim' },
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'hardware',
          include: hardwarePort ? ['specs/**/*.spec.ts'] : ['fixtures/hardware-not-configured.spec.ts'],
          env: { HIL_TARGET: 'hardware' },
          // One physical robot: one worker, one file at a time.
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
