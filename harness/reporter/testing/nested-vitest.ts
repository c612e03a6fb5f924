/**
 * Runs the `*.spec.ts` files of a temporary project `dir` in a nested Vitest
 * with `reporter`, the contracts of `dir/contracts`, and no config file;
 * closes it and restores `process.exitCode` (a failing nested run must not
 * fail the outer one). Returns the closed instance for its state.
 */
import { join } from 'node:path';
import type { Reporter } from 'vitest/reporters';
import { startVitest, type Vitest } from 'vitest/node';

export async function runNestedSpecs(dir: string, reporter: Reporter): Promise<Vitest> {
  const exitCode = process.exitCode;
  const vitest = await startVitest('test', [], {
    root: dir, config: false, watch: false, include: ['*.spec.ts'], reporters: [reporter],
    env: { HIL_CONTRACTS_DIR: join(dir, 'contracts') },
  });
  await vitest.close();
  process.exitCode = exitCode;
  return vitest;
}
