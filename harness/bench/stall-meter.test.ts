import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import { formatStalls, measureStalls } from './stall-meter.ts';

describe.runIf(process.platform === 'linux')('stall meter', () => {
  test('a spinner stopped for 40 ms reports a stall of at least that long', async () => {
    // Stopped for 40 ms every 200 ms for as long as it lives, not at two moments fixed after the spawn:
    // on a busy machine Node may start late and this process's timers fire late, and a stop that lands
    // before the spinning starts or after it ends shows nothing. Stops keep coming, so some land in it.
    const signal = (pid: number, sig: NodeJS.Signals): void => {
      try {
        process.kill(pid, sig);
      } catch {
        // It has exited.
      }
    };
    let next: ReturnType<typeof setTimeout> | undefined;
    const report = await measureStalls(0, 800, (pid) => {
      const stop = (): void => {
        signal(pid, 'SIGSTOP');
        setTimeout(() => signal(pid, 'SIGCONT'), 40);
        next = setTimeout(stop, 200);
      };
      next = setTimeout(stop, 200);
    }).finally(() => clearTimeout(next));
    expect(report.maxMs).toBeGreaterThanOrEqual(35);
    expect(report.over4msPerS).toBeGreaterThan(0);
    expect(report.over1msPerS).toBeGreaterThanOrEqual(report.over4msPerS);
    expect(formatStalls(report)).toMatch(/^CPU 0: [\d.]+\/s stalls > 1 ms, .* longest \d+\.\d ms \(spinning 0\.8 s\)$/u);
    // Not the default 5 s: a Node start stopped every 200 ms, on a loaded machine, can take longer; the
    // verdict is the stall the spinner saw, not how long it took to get there.
  }, 30_000);

  test('a CPU the machine does not have is a HIL_PROBE_UNAVAILABLE error', async () => {
    const err = await measureStalls(availableParallelism() + 7, 100).catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_PROBE_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/taskset/u);
  });
});
