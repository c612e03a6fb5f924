import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import { formatStalls, measureStalls } from './stall-meter.ts';

describe.runIf(process.platform === 'linux')('stall meter', () => {
  test('a spinner stopped for 40 ms reports a stall of at least that long', async () => {
    // Stopped twice, so that one stop lands in the spinning loop even when Node starts slowly on a busy machine.
    const pause = (pid: number): void => {
      process.kill(pid, 'SIGSTOP');
      setTimeout(() => process.kill(pid, 'SIGCONT'), 40);
    };
    const report = await measureStalls(0, 1600, (pid) => {
      setTimeout(() => pause(pid), 700);
      setTimeout(() => pause(pid), 1300);
    });
    expect(report.maxMs).toBeGreaterThanOrEqual(35);
    expect(report.over4msPerS).toBeGreaterThan(0);
    expect(report.over1msPerS).toBeGreaterThanOrEqual(report.over4msPerS);
    expect(formatStalls(report)).toMatch(/^CPU 0: [\d.]+\/s stalls > 1 ms, .* longest \d+\.\d ms \(spinning 1\.6 s\)$/u);
  });

  test('a CPU the machine does not have is a HIL_PROBE_UNAVAILABLE error', async () => {
    const err = await measureStalls(availableParallelism() + 7, 100).catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_PROBE_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/taskset/u);
  });
});
