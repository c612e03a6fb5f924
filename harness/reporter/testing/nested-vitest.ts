/**
 * Runs the `*.spec.ts` files of a temporary project `dir` in a nested Vitest
 * with `reporter`, the contracts of `dir/contracts`, and no config file;
 * closes it and restores `process.exitCode` (a failing nested run must not
 * fail the outer one). Returns the closed instance for its state. The
 * specs run in worker threads, not forked processes: a fork per nested run
 * cost more CPU than the specs, and no caller needs a process of its own.
 */
import { join } from 'node:path';
import type { Reporter } from 'vitest/reporters';
import { startVitest, type Vitest } from 'vitest/node';

export async function runNestedSpecs(dir: string, reporter: Reporter): Promise<Vitest> {
  const exitCode = process.exitCode;
  // HIL_COMMIT spares a compliance reporter a `git rev-parse` per report write (the scratch project is no repository).
  const commit = process.env.HIL_COMMIT;
  process.env.HIL_COMMIT = 'scratch';
  try {
    const vitest = await startVitest('test', [], {
      root: dir, config: false, watch: false, include: ['*.spec.ts'], pool: 'threads', reporters: [reporter],
      env: { HIL_CONTRACTS_DIR: join(dir, 'contracts') },
    });
    await vitest.close();
    return vitest;
  } finally {
    process.exitCode = exitCode;
    if (commit === undefined) delete process.env.HIL_COMMIT;
    else process.env.HIL_COMMIT = commit;
  }
}
