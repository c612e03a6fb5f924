import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runNestedSpecs } from './testing/nested-vitest.ts';
import { HilReporter } from './hil-reporter.ts';
import { ProgressThrottle } from './progress-reporter.ts';

const repo = resolve(import.meta.dirname, '../..');

/** A throttle on a clock the test moves. */
function throttleAt(options: { everyFraction?: number; minIntervalMs?: number } = {}): { throttle: ProgressThrottle; at(ms: number): void } {
  let now = 0;
  return { throttle: new ProgressThrottle({ ...options, now: () => now }), at: (ms) => { now = ms; } };
}

describe('ProgressThrottle', () => {
  test('a fast measurement (virtual time) shows its first and last report, and one in between only after the interval', () => {
    const { throttle, at } = throttleAt();
    const shown: number[] = [];
    // Ten virtual minutes in 6 real seconds: a report every 10 %, 0.6 s apart.
    for (let i = 0; i <= 10; i++) {
      at(i * 600);
      if (throttle.shouldShow('soak', i * 60_000, 600_000)) shown.push(i);
    }
    expect(shown).toEqual([0, 9, 10]);
  });

  test('a slow measurement (a bench soak) shows every tenth of the way, never a sample more', () => {
    const { throttle, at } = throttleAt();
    const shown: number[] = [];
    // An hour sampled every 36 s (1 %): one line per 10 %, each six minutes apart.
    for (let i = 0; i <= 100; i++) {
      at(i * 36_000);
      if (throttle.shouldShow('soak', i, 100)) shown.push(i);
    }
    expect(shown).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  test('measurements are throttled separately, and a finished one starts afresh', () => {
    const { throttle, at } = throttleAt({ minIntervalMs: 0, everyFraction: 0.5 });
    at(0);
    expect([throttle.shouldShow('a', 0, 4), throttle.shouldShow('b', 0, 4)]).toEqual([true, true]);
    expect([throttle.shouldShow('a', 1, 4), throttle.shouldShow('a', 2, 4), throttle.shouldShow('a', 3, 4)]).toEqual([false, true, false]);
    expect(throttle.shouldShow('a', 4, 4)).toBe(true);
    expect(throttle.shouldShow('a', 1, 4)).toBe(true);
    expect(throttle.shouldShow('b', 1, 4)).toBe(false);
  });

  test('bad options are HIL_CONFIG_INVALID', () => {
    expect(() => new ProgressThrottle({ everyFraction: 0 })).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID' }));
    expect(() => new ProgressThrottle({ minIntervalMs: -1 })).toThrow(/minIntervalMs -1 must be a finite number of ms >= 0/);
  });
});

// A whole Vitest run in a scratch project, through the reporter that
// vitest.config.ts registers: progress recorded inside a running test
// reaches the terminal while it runs, throttled, naming project and file.
test('a real Vitest run shows a test\'s progress reports as throttled lines', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-progress-'));
  mkdirSync(join(dir, 'contracts'));
  copyFileSync(join(repo, 'contracts/feature_performance.yml'), join(dir, 'contracts/feature_performance.yml'));
  writeFileSync(join(dir, 'soak.spec.ts'), `
import { expect, test } from 'vitest';
import { recordProgress } from '${repo}/fixtures/progress.ts';
test('a long soak', async ({ task }) => {
  for (let i = 0; i <= 20; i++) await recordProgress(task, { label: 'soak', done: i, total: 20, message: 'soak ' + i + '/20 min virtual' });
});
test('progress out of range is refused', async ({ task }) => {
  await expect(recordProgress(task, { label: 'soak', done: 3, total: 0, message: '' })).rejects.toMatchObject({ code: 'HIL_CONFIG_INVALID' });
});
`);
  const lines: string[] = [];
  let now = 0;
  // Each report arrives 2 s after the previous one (the throttle reads the clock once per report).
  const reporter = new HilReporter({
    outputDir: join(dir, 'reports'),
    contractsDir: join(dir, 'contracts'),
    stepSummary: false,
    progress: { write: (line) => lines.push(line), now: () => (now += 2000) },
  });
  const vitest = await runNestedSpecs(dir, reporter);

  expect(vitest.state.getCountOfFailedTests()).toBe(0);
  // What vitest.config.ts registers is this reporter.
  expect((await import('./index.ts')).default).toBe(HilReporter);
  // First, then every 3rd (10 % further and >= 5 s later), then the last.
  expect(lines).toEqual([0, 3, 6, 9, 12, 15, 18, 20].map((i) => `mbot-hil: [] soak.spec.ts: soak ${i}/20 min virtual`));
}, 60_000);
