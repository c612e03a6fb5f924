/**
 * The contracts that give `baseline` and `report` their tolerances. Apart
 * from `cli-support.ts` so that every other command (and `bin.mjs`, for its
 * error messages) starts without loading the contracts.
 */
import { relative } from 'node:path';
import { loadContracts } from '../contracts/index.ts';
import type { ContractSet } from '../contracts/types.ts';
import type { CliIo } from './command.ts';

/**
 * The contracts for tolerances: `dir` when given, else the report's
 * `contractsDir`; null (with a warning) when they cannot be loaded, since
 * the defaults still allow a comparison.
 */
export function contractsForTolerances(dir: string | undefined, reportDir: string, io: CliIo): ContractSet | null {
  try {
    return loadContracts({ dir: dir ?? reportDir });
  } catch (err) {
    io.err.write(`warning: contracts in ${relative(process.cwd(), dir ?? reportDir) || '.'} not loaded (${(err as Error).message.split('\n')[0]}); default tolerances apply\n`);
    return null;
  }
}
