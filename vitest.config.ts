import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
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
        },
      },
    ],
  },
});
