/**
 * Shared plumbing of the report and baseline commands: stdout/stderr sinks,
 * and turning a thrown error into the exit code and message every mbot-hil
 * command uses (2 usage or configuration, 1 run-time failure, with the
 * harness's stable error code).
 */
import { relative } from 'node:path';
import { loadContracts } from '../contracts/index.ts';
import type { ContractSet } from '../contracts/types.ts';
import { isHilError } from '../errors.ts';
import { UsageError, type CliIo } from './command.ts';

/** The process's own output. */
export const PROCESS_IO: CliIo = { out: process.stdout, err: process.stderr };

/**
 * Prints `err` and returns the exit code: a usage error with the help
 * (2), a harness error with its code (2 for `HIL_CONFIG_INVALID`, else 1),
 * anything else with its stack (1).
 */
export function reportError(err: unknown, help: string, io: CliIo): number {
  if (err instanceof UsageError) {
    io.err.write(`error: ${err.message}\n\n${help}\n`);
    return 2;
  }
  if (isHilError(err)) {
    io.err.write(`error ${(err as Error).message}\n`);
    return (err as { code: string }).code === 'HIL_CONFIG_INVALID' ? 2 : 1;
  }
  io.err.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

/** Parses a number option >= 0, or throws {@link UsageError} naming it. */
export function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0; got "${raw}"`);
  return n;
}

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
