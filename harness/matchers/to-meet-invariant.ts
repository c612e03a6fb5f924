import type { MatcherResult as ExpectationResult, MatcherState } from 'vitest';
import { evaluateInvariant, requireContract, requireInvariant, type EvaluateOptions } from '../evaluation/evaluate.ts';
import { checkMeetOptions, claimedTarget, toSnapshot } from '../evaluation/received.ts';
import { createSnapshot } from '../metrics/snapshot.ts';
import { formatEvaluation } from '../evaluation/format.ts';
import type { InvariantEvaluation } from '../evaluation/model.ts';
import { HilError, isHilError } from '../errors.ts';
import { matcherContracts } from './contracts-source.ts';

/** Options of `toMeetInvariant` and `toMeetContract`. */
export interface MeetOptions extends EvaluateOptions {
  /** Read contracts from this directory instead of the configured one. */
  contractsDir?: string;
}

type State = MatcherState;

/** Appends an evaluation to the running test's `task.meta` (plain JSON), where the reporter finds it. */
export function attachEvaluation(state: State, evaluation: InvariantEvaluation): void {
  // `task` is typed readonly, but its `meta` is the documented place for test data.
  const meta = state.task?.meta;
  if (!meta) return;
  const list = meta.hilEvaluations ?? [];
  list.push(evaluation);
  meta.hilEvaluations = list;
}

/**
 * Evaluates each invariant and turns the evaluations into one matcher
 * result. Verdicts: pass only when all pass. "Not evaluated" fails the
 * assertion both plain and under `.not` (a missing metric must never read as
 * a pass), unless `allowMissing` is set.
 */
export function meet(state: State, received: unknown, ids: readonly string[] | { contract: string }, rawOptions?: MeetOptions): ExpectationResult {
  // Without a running test the evaluation has nowhere to go: it would be dropped,
  // and a failure caught in an afterAll would leave the gate green.
  if (!state.task) {
    const name = Array.isArray(ids) ? 'toMeetInvariant' : 'toMeetContract';
    throw new HilError('HIL_MATCHER_NO_TEST', `${name} was called outside a running test (in a beforeAll/afterAll hook, as an asymmetric matcher such as expect.${name}(...), or through the global expect of a test.concurrent test that has ended), where its evaluation cannot reach the report; call it in the test's body (in concurrent tests with the test context's expect)`);
  }
  // Checked first: `allowMissing: 'yes'` must not turn into a pass, plain or under `.not`.
  const checked = checkMeetOptions(rawOptions);
  const options: MeetOptions = {
    ...(checked.allowMissing ? { allowMissing: true } : {}),
    ...(checked.label !== undefined ? { label: checked.label } : {}),
    ...(checked.attach.length > 0 ? { attach: checked.attach } : {}),
  };
  const contracts = matcherContracts(checked.contractsDir);
  const targets = Array.isArray(ids)
    ? ids.map((id) => requireInvariant(contracts, id))
    : requireContract(contracts, (ids as { contract: string }).contract).invariants.map((invariant) => ({
        contract: requireContract(contracts, (ids as { contract: string }).contract),
        invariant,
      }));
  const negated = state.isNot;

  let snapshot;
  try {
    snapshot = toSnapshot(received);
  } catch (err) {
    // Bad input is thrown (so `.not` cannot pass it), but first it is recorded
    // as not evaluated, with the reason, on the target the value claims: a
    // spec that catches the error still fails the gate (target none, as for
    // a hand-given record or unreadable input, is a self-check).
    if (isHilError(err)) {
      const claimed = createSnapshot({}, { target: claimedTarget(received) });
      for (const { contract, invariant } of targets) {
        const e = evaluateInvariant(contract, invariant, claimed, { ...options, negated, attach: [] });
        attachEvaluation(state, { ...e, reason: err.message, assertionPassed: false });
      }
    }
    throw err;
  }

  const evaluations = targets.map(({ contract, invariant }) =>
    evaluateInvariant(contract, invariant, snapshot, { ...options, negated }),
  );
  for (const e of evaluations) attachEvaluation(state, e);

  const allPass = evaluations.every((e) => e.verdict === 'pass');
  const unevaluated = evaluations.filter((e) => e.verdict === 'not-evaluated');
  const body = evaluations.map(formatEvaluation).join('\n\n');

  if (unevaluated.length > 0 && !options.allowMissing) {
    // Fail in both directions: under `.not` Vitest inverts `pass`, so report
    // pass=true there to make the negated assertion fail as well.
    return { pass: negated, message: () => body };
  }
  const passForVitest = allPass || (options.allowMissing === true && evaluations.every((e) => e.verdict !== 'fail'));
  return { pass: passForVitest, message: () => body };
}

/**
 * `expect(snapshot).toMeetInvariant('I-PERF-001', options?)`: the received
 * value is a MetricsSnapshot or `{ 'dotted.metric': number }`.
 */
export function toMeetInvariant(this: State, received: unknown, invariantId: string, options?: MeetOptions): ExpectationResult {
  return meet(this, received, [invariantId], options);
}

/** `expect(snapshot).toMeetContract('feature_performance', options?)`: every invariant of the contract. */
export function toMeetContract(this: State, received: unknown, contractName: string, options?: MeetOptions): ExpectationResult {
  return meet(this, received, { contract: contractName }, options);
}
