// ESLint with typescript-eslint, plus the layer rule: imports must follow the
// DEPS.list beside each folder (see harness/layers/). `npm run lint`; `.ci/run` runs it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './harness/layers/eslint-plugin.ts';

export default tseslint.config(
  { ignores: ['node_modules/', 'reports/', '.vitest-reports/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', clearImmediate: 'readonly', queueMicrotask: 'readonly', performance: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', globalThis: 'readonly' } },
    plugins: { 'mbot-hil': layersPlugin },
    rules: {
      'mbot-hil/deps-list': 'error',
      // A variable read by closures before its one assignment (a server's late-bound collaborators) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
