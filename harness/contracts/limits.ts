/**
 * The documented limits of a contract file (docs/exit-codes-and-gates.md):
 * real contracts sit far below each, and a file beyond one is refused with
 * a coded, located error before it can exhaust the stack, the heap or time.
 */

/** Largest contract file read, in bytes (1 MiB; feature_performance.yml is about 6 KB). */
export const MAX_CONTRACT_BYTES = 1024 * 1024;

/** Deepest nesting of YAML collections (mappings, sequences, flow or block). */
export const MAX_YAML_DEPTH = 64;

/** Longest check expression, in characters. */
export const MAX_CHECK_LENGTH = 2000;

/** Deepest check expression tree, in nodes (a chain of n `&&` terms is n + 1 deep). */
export const MAX_CHECK_DEPTH = 100;
