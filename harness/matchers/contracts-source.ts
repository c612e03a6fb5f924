import { getContracts } from '../contracts/index.ts';
import type { ContractSet } from '../contracts/types.ts';

let configuredDir: string | undefined;

/**
 * Sets the contracts directory the matchers read (a team's own
 * `docs/contracts/`, say). Without it: `HIL_CONTRACTS_DIR`, then
 * `<cwd>/contracts`. Call it from a Vitest setup file.
 */
export function configureMatchers(options: { contractsDir?: string }): void {
  configuredDir = options.contractsDir;
}

/**
 * The contracts the matchers evaluate against: `dir` if given, else the
 * configured directory. Loaded once and reloaded when a file changes; a
 * broken contract throws `ContractLoadError` listing every problem.
 */
export function matcherContracts(dir?: string): ContractSet {
  return getContracts(dir ?? configuredDir);
}
