import { HilError } from '../errors.ts';
import type { ContractSet, Invariant, LoadedContract } from '../contracts/types.ts';
import { createSnapshot, isMetricsSnapshot, type MetricsSnapshot, type MetricUnit, type MetricValue } from '../metrics/snapshot.ts';
import type { CheckEvaluation, EvaluationVerdict, InvariantEvaluation } from './model.ts';
import { relative } from 'node:path';

/** Options shared by the matchers and {@link evaluateInvariant}. */
export interface EvaluateOptions {
  /** A missing metric makes the verdict `not-evaluated`; with this set the assertion does not fail on it. */
  allowMissing?: boolean;
  /** A label for the report, e.g. "100 clients". */
  label?: string;
}

/** Guesses a unit from a metric name's suffix; used only for plain-object input. */
function unitFromName(name: string): MetricUnit {
  if (name.endsWith('_ms')) return 'ms';
  if (name.endsWith('_us')) return 'us';
  if (name.endsWith('_mb')) return 'mb';
  if (name.endsWith('_mb_per_hour')) return 'mb/h';
  if (name.endsWith('fps') || name.endsWith('frame_rate')) return 'fps';
  if (name.endsWith('_bytes') || name.endsWith('bytes_on_wire')) return 'bytes';
  if (name.endsWith('_percent')) return 'percent';
  return 'count';
}

/**
 * Turns what a matcher received into a snapshot: a `MetricsSnapshot`, or a
 * plain object of dotted metric names to finite numbers. Anything else is
 * `HIL_MATCHER_BAD_INPUT` (thrown, so `.not` cannot turn bad input into a pass).
 */
export function toSnapshot(received: unknown): MetricsSnapshot {
  if (isMetricsSnapshot(received)) return received;
  if (typeof received !== 'object' || received === null || Array.isArray(received)) {
    throw new HilError(
      'HIL_MATCHER_BAD_INPUT',
      `expected a MetricsSnapshot or an object of metric names to numbers (e.g. { 'websocket.latency_p99_ms': 41.2 }), received ${describe(received)}`,
    );
  }
  const metrics: Record<string, MetricValue> = {};
  const bad: string[] = [];
  for (const [name, value] of Object.entries(received)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      bad.push(`"${name}" = ${describe(value)}`);
      continue;
    }
    metrics[name] = { value, unit: unitFromName(name), samples: 0 };
  }
  if (bad.length > 0) {
    throw new HilError(
      'HIL_MATCHER_BAD_INPUT',
      `metric values must be finite numbers; fix or remove: ${bad.join(', ')}`,
    );
  }
  try {
    return createSnapshot(metrics);
  } catch (err) {
    throw new HilError('HIL_MATCHER_BAD_INPUT', (err as Error).message, { cause: err });
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  return typeof x;
}

/** Looks an invariant up or throws `HIL_INVARIANT_NOT_FOUND` naming the ids that exist. */
export function requireInvariant(contracts: ContractSet, id: string): { contract: LoadedContract; invariant: Invariant } {
  if (typeof id !== 'string' || id.length === 0) {
    throw new HilError('HIL_MATCHER_BAD_INPUT', `the invariant id must be a non-empty string such as 'I-PERF-001', received ${describe(id)}`);
  }
  const found = contracts.findInvariant(id);
  if (found) return found;
  const known = contracts.contracts.flatMap((c) => c.invariants.map((i) => i.id));
  throw new HilError(
    'HIL_INVARIANT_NOT_FOUND',
    `no contract in ${contracts.dir} declares invariant "${id}"; known ids: ${known.join(', ') || '(none)'}. Check the spelling or add it to a contract`,
  );
}

/** Looks a contract up or throws `HIL_CONTRACT_NOT_FOUND` naming those that exist. */
export function requireContract(contracts: ContractSet, name: string): LoadedContract {
  const found = typeof name === 'string' ? contracts.findContract(name) : undefined;
  if (found) return found;
  const known = contracts.contracts.map((c) => `${c.name} ("${c.header.name}")`);
  throw new HilError(
    'HIL_CONTRACT_NOT_FOUND',
    `no contract named ${JSON.stringify(name)} in ${contracts.dir}; known: ${known.join(', ') || '(none)'}. Use the file name without .yml or the contract's name`,
  );
}

/**
 * Evaluates every check of `invariant` over `snapshot`. The verdict is `pass`
 * only when every check passes; `not-evaluated` when any metric a check reads
 * is missing (listing all of them); otherwise `fail`. Never throws for a
 * well-formed snapshot.
 */
export function evaluateInvariant(
  contract: LoadedContract,
  invariant: Invariant,
  snapshot: MetricsSnapshot,
  options: EvaluateOptions & { negated?: boolean; cwd?: string } = {},
): InvariantEvaluation {
  const values: Record<string, number> = {};
  for (const [name, m] of Object.entries(snapshot.metrics)) values[name] = m.value;

  const checks: CheckEvaluation[] = invariant.validation.map((v) => {
    const outcome = v.compiled.evaluate(values);
    const measured: CheckEvaluation['measured'] = {};
    for (const name of v.compiled.metrics) measured[name] = snapshot.metrics[name] ?? null;
    if (outcome.kind === 'missing') {
      return {
        type: v.type,
        check: v.check,
        verdict: 'not-evaluated',
        comparisons: v.compiled.comparisons.map((c) => ({ ...c, leftValue: null, rightValue: null, passed: null })),
        measured,
        missing: [...outcome.missing],
        failureMode: v.failureMode ?? null,
        remediation: v.remediation ?? null,
      };
    }
    return {
      type: v.type,
      check: v.check,
      verdict: outcome.passed ? 'pass' : 'fail',
      comparisons: outcome.comparisons.map((c) => ({
        ...c,
        // Division by zero can give Infinity; JSON would turn it into null, so say it plainly.
        leftValue: Number.isFinite(c.leftValue) ? c.leftValue : null,
        rightValue: Number.isFinite(c.rightValue) ? c.rightValue : null,
        passed: c.passed,
      })),
      measured,
      missing: [],
      failureMode: v.failureMode ?? null,
      remediation: v.remediation ?? null,
    };
  });

  const missing = [...new Set(checks.flatMap((c) => c.missing))].sort();
  let verdict: EvaluationVerdict;
  if (checks.some((c) => c.verdict === 'fail')) verdict = 'fail';
  else if (missing.length > 0) verdict = 'not-evaluated';
  else verdict = 'pass';

  const read = new Set(checks.flatMap((c) => Object.keys(c.measured)));
  let sampleCount = 0;
  for (const name of read) sampleCount += snapshot.metrics[name]?.samples ?? 0;

  const negated = options.negated ?? false;
  const assertionPassed = negated ? verdict === 'fail' : verdict === 'pass' || (verdict === 'not-evaluated' && !!options.allowMissing);
  return {
    schema: 'mbot-hil/evaluation@1',
    contract: {
      name: contract.name,
      title: contract.header.name,
      version: contract.header.version ?? null,
      file: relative(options.cwd ?? process.cwd(), contract.file) || contract.file,
    },
    invariant: {
      id: invariant.id,
      name: invariant.name,
      severity: invariant.severity ?? null,
      enforcement: invariant.enforcement ?? null,
    },
    verdict,
    reason: verdict === 'not-evaluated' ? `missing metric(s): ${missing.join(', ')}` : null,
    missing,
    allowMissing: !!options.allowMissing,
    negated,
    assertionPassed,
    checks,
    target: { ...snapshot.target },
    clock: { kind: snapshot.clock.kind },
    seed: snapshot.seed,
    sampleCount,
    takenAt: snapshot.takenAt,
    evaluatedAt: new Date().toISOString(),
    label: options.label ?? null,
    metrics: JSON.parse(JSON.stringify(snapshot.metrics)) as Record<string, MetricValue>,
    ...(snapshot.evidence ? { evidence: JSON.parse(JSON.stringify(snapshot.evidence)) as NonNullable<InvariantEvaluation['evidence']> } : {}),
  };
}
