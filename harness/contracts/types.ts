import type { SourceLocation } from '../errors.ts';

/** A comparison inside a check, e.g. `websocket.latency_p99_ms <= 50.0`. */
export interface Comparison {
  /** The operator as written: `<`, `<=`, `>`, `>=`, `==`, `!=`. */
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  /** Source text of the left and right operand. */
  left: string;
  right: string;
  /** When one side is a lone metric and the other a number: that metric and number. */
  metric?: string;
  threshold?: number;
  /**
   * With `metric`: the operator read with the metric on the left, so a
   * reversed `50 >= x` gives `<=` (x must be <= 50). Same as `op` when the
   * metric is already on the left.
   */
  metricOp?: '<' | '<=' | '>' | '>=' | '==' | '!=';
}

/** Values of metrics by dotted name; a missing name is `undefined`. */
export type MetricValues = Readonly<Record<string, number | undefined>>;

/** The result of evaluating a compiled check. */
export type CheckOutcome =
  | { kind: 'value'; passed: boolean; comparisons: ComparisonOutcome[] }
  | { kind: 'missing'; missing: string[] };

/** One comparison of a check with the values both sides had. */
export interface ComparisonOutcome extends Comparison {
  leftValue: number;
  rightValue: number;
  passed: boolean;
}

/**
 * A check expression parsed into an AST once, at load time. Evaluation never
 * uses `eval` or `Function`; it walks the AST with the metric values given.
 */
export interface CompiledCheck {
  /** The source text as written in the contract. */
  source: string;
  /** Every metric the expression reads, sorted, without duplicates. */
  metrics: readonly string[];
  /** Every comparison in source order (for reports: threshold vs measured). */
  comparisons: readonly Comparison[];
  /**
   * Evaluates over `values`. When any metric the expression reads is missing
   * the outcome is `missing` with their names (no partial verdicts).
   */
  evaluate(values: MetricValues): CheckOutcome;
}

/** One entry of an invariant's `validation[]`. */
export interface Validation {
  type: string;
  check: string;
  failureMode: string | undefined;
  remediation: string | undefined;
  compiled: CompiledCheck;
  /** Where the `check` scalar sits in the file. */
  location: SourceLocation;
  /** Keys of the entry the harness does not interpret, kept verbatim. */
  extra: Readonly<Record<string, unknown>>;
}

/** One invariant as declared in a contract. */
export interface Invariant {
  id: string;
  name: string;
  description: string | undefined;
  severity: string | undefined;
  enforcement: string | undefined;
  validation: readonly Validation[];
  location: SourceLocation;
  /** Keys of the invariant the harness does not interpret, kept verbatim. */
  extra: Readonly<Record<string, unknown>>;
}

/** The `contract:` header. */
export interface ContractHeader {
  name: string;
  version: string | undefined;
  status: string | undefined;
  owner: string | undefined;
  [key: string]: unknown;
}

/** One loaded contract file. */
export interface LoadedContract {
  /** The file's stem, e.g. `feature_performance`: the name `toMeetContract` takes. */
  name: string;
  /** Absolute path of the file. */
  file: string;
  header: ContractHeader;
  invariants: readonly Invariant[];
  /** Every top-level section other than `contract` and `invariants`, kept verbatim (optimization_targets, ...). */
  sections: Readonly<Record<string, unknown>>;
}

/** Every contract of a directory, loaded and validated together. */
export interface ContractSet {
  /** The directory they were loaded from (absolute). */
  dir: string;
  contracts: readonly LoadedContract[];
  /** Finds an invariant by id across all contracts. */
  findInvariant(id: string): { contract: LoadedContract; invariant: Invariant } | undefined;
  /** Finds a contract by file stem (`feature_performance`) or by header name (`Performance Optimization`). */
  findContract(name: string): LoadedContract | undefined;
}
