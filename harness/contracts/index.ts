/**
 * Contracts: the YAML loader and the check-expression language. Specs name
 * invariants by id; thresholds live only in the YAML files loaded here.
 */
export { compileCheck } from './expression.ts';
export type { CheckWhere } from './expression.ts';
export {
  CONTRACTS_DIR_ENV,
  listContractFiles,
  loadContractFile,
  loadContracts,
  makeContractSet,
  resolveContractsDir,
} from './loader.ts';
export type { ContractDirOptions } from './loader.ts';
export { clearContractsCache, getContracts } from './cache.ts';
export { parseContractText } from './parse-file.ts';
export type { ParsedFile } from './parse-file.ts';
export { INVARIANT_ID, contractFileSchema, headerSchema, invariantSchema, validationSchema } from './schema.ts';
export type { ContractFileData } from './schema.ts';
export type {
  CheckOutcome,
  Comparison,
  ComparisonOutcome,
  CompiledCheck,
  ContractHeader,
  ContractSet,
  Invariant,
  LoadedContract,
  MetricValues,
  Validation,
} from './types.ts';
