import { HilError } from '../errors.ts';
import type { ContractSet, Invariant, LoadedContract } from '../contracts/types.ts';
import type { MetricsSnapshot, MetricValue } from '../metrics/snapshot.ts';
import { describeValue } from './received.ts';
import type { CheckEvaluation, EvaluationVerdict, InvariantEvaluation } from './model.ts';
import { relative } from 'node:path';

/** Options shared by the matchers and {@link evaluateInvariant}. */
export interface EvaluateOptions {
  /** A missing metric makes the verdict `not-evaluated`; with this set the assertion does not fail on it. */
  allowMissing?: boolean;
  /** A label for the report, e.g. "100 clients". */
  label?: string;
  /**
   * Metrics of the snapshot to keep in the evaluation besides those its
   * checks read (for the report's charts and baselines); default none.
   */
  attach?: readonly string[];
}

export { toSnapshot } from './received.ts';

const describe = describeValue;

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

/** An invariant's verdict from its checks': `fail` if any fails, else `not-evaluated` if any lacked a metric, else `pass`. */
export function combineVerdicts(verdicts: readonly EvaluationVerdict[]): EvaluationVerdict {
  if (verdicts.includes('fail')) return 'fail';
  return verdicts.includes('not-evaluated') ? 'not-evaluated' : 'pass';
}

/** The verdict `invariant`'s checks give over plain metric values (what {@link evaluateInvariant} would decide). */
export function verdictOver(invariant: Invariant, values: Readonly<Record<string, number>>): EvaluationVerdict {
  return combineVerdicts(invariant.validation.map((v) => {
    const outcome = v.compiled.evaluate(values);
    if (outcome.kind === 'missing') return 'not-evaluated';
    return outcome.passed ? 'pass' : 'fail';
  }));
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
  const verdict = combineVerdicts(checks.map((c) => c.verdict));

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
    // Only what the checks read and what the spec asked to attach: the
    // report carries evidence, not whatever else the received object held.
    metrics: keptMetrics(snapshot, read, options.attach ?? []),
    ...(snapshot.evidence ? { evidence: JSON.parse(JSON.stringify(snapshot.evidence)) as NonNullable<InvariantEvaluation['evidence']> } : {}),
  };
}

function keptMetrics(snapshot: MetricsSnapshot, read: ReadonlySet<string>, attach: readonly string[]): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const name of [...read, ...attach].sort()) {
    const m = Object.hasOwn(snapshot.metrics, name) ? snapshot.metrics[name] : undefined;
    if (m) out[name] = { value: m.value, unit: m.unit, samples: m.samples };
  }
  return out;
}
