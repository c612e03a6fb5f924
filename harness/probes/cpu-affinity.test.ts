import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import { allowedCpus, checkCpuList, pinToCpus } from './cpu-affinity.ts';

describe('checkCpuList', () => {
  test('rejects an empty list, a CPU the machine lacks, fractions and repeats with HIL_CONFIG_INVALID', () => {
    const n = availableParallelism();
    for (const bad of [[], [n], [-1], [0.5], [0, 0]]) {
      let err: unknown;
      try {
        checkCpuList(bad, 'workerCpus');
      } catch (e) {
        err = e;
      }
      expect(isHilError(err, 'HIL_CONFIG_INVALID'), JSON.stringify(bad)).toBe(true);
      expect((err as Error).message).toContain('workerCpus');
    }
    expect(() => checkCpuList([n - 1], 'workerCpus')).not.toThrow();
  });
});

describe.runIf(process.platform === 'linux')('pinToCpus', () => {
  test('pins every thread of a process, or only its main thread', async () => {
    const last = availableParallelism() - 1;
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      const pid = child.pid as number;
      pinToCpus(pid, [last]);
      expect(allowedCpus(pid)).toEqual([last]);
      pinToCpus(pid, [0], { allThreads: false });
      expect(allowedCpus(pid)).toEqual([0]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a process that does not exist is a HIL_PROBE_UNAVAILABLE error that says how to go on', () => {
    let err: unknown;
    try {
      pinToCpus(2 ** 22 + 12345, [0]);
    } catch (e) {
      err = e;
    }
    expect(isHilError(err, 'HIL_PROBE_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/leave the CPU list unset/u);
  });
});
