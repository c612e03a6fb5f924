import { expect, test } from 'vitest';
import { vitestInvocation } from './run-command.ts';

test('run builds the Vitest invocation for the target', () => {
  expect(vitestInvocation({ target: 'sim', extra: [] }, {}).args).toEqual(['vitest', 'run', '--project', 'sim', 'specs/performance/']);
  const hw = vitestInvocation({ target: 'hardware', port: 'sim-pty', seed: '7', all: true, extra: ['-t', '100 clients'] }, {});
  expect(hw.args).toEqual(['vitest', 'run', '--project', 'hardware', 'specs/', '-t', '100 clients']);
  expect(hw.env).toMatchObject({ HIL_PORT: 'sim-pty', HIL_SEED: '7' });
  expect(vitestInvocation({ target: 'hardware', extra: [] }, {}).env.HIL_PORT).toBe('auto');
});

test('run rejects bad arguments with usage errors', () => {
  expect(() => vitestInvocation({ target: 'bench', extra: [] }, {})).toThrow(/--target must be sim or hardware/);
  expect(() => vitestInvocation({ target: 'sim', port: '/dev/ttyUSB0', extra: [] }, {})).toThrow(/--port needs --target hardware/);
  expect(() => vitestInvocation({ target: 'sim', seed: 'x', extra: [] }, {})).toThrow(/--seed must be an integer/);
});
