// Config of the review's child Vitest runs (review/case-run.ts): the hardware project's settings.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['review/*.scenario.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 700,
    hookTimeout: 15_000,
    env: { HIL_TARGET: 'hardware' },
  },
});
