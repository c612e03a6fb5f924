/**
 * A test that cannot measure (no browser, no bench feature) must neither
 * pass nor vanish: {@link skipNotEvaluated} records each invariant it was
 * meant to evaluate as "not evaluated: <reason>" on the project's target,
 * then skips the test with the same reason. The report lists the reason,
 * and the gate fails on it (a CI that lacks the tool is told so).
 */
import { evaluateInvariant, requireInvariant } from '../evaluation/evaluate.ts';
import { HilError } from '../errors.ts';
import type { TaskMeta } from 'vitest';
import { createSnapshot, type SnapshotContext } from '../metrics/snapshot.ts';
import { matcherContracts } from './contracts-source.ts';
import { attachEvaluation } from './to-meet-invariant.ts';

/** The part of a Vitest test context this needs: `({ task, skip }) => ...`. */
export interface SkipContext {
  task: { meta: TaskMeta };
  skip: (note?: string) => void;
}

/**
 * Attaches a `not-evaluated` evaluation of each of `invariantIds` (target,
 * seed from `context`; the reason verbatim), then calls `ctx.skip(reason)`.
 * Throws `HIL_MATCHER_BAD_INPUT` for an empty reason or a target of kind
 * `none` (a skip must count against the target it was meant for), and
 * `HIL_INVARIANT_NOT_FOUND` for an unknown id. Never returns normally.
 */
export function skipNotEvaluated(
  ctx: SkipContext,
  invariantIds: readonly string[],
  reason: string,
  context: Omit<SnapshotContext, 'evidence'>,
  options: { contractsDir?: string } = {},
): never {
  if (typeof reason !== 'string' || reason.trim() === '') throw new HilError('HIL_MATCHER_BAD_INPUT', 'skipNotEvaluated needs a reason, e.g. "no Chromium: ..."');
  if (!context.target || context.target.kind === 'none') {
    throw new HilError('HIL_MATCHER_BAD_INPUT', 'skipNotEvaluated needs the target the test was meant to measure (sim, hardware or external), so the gate counts the gap against it');
  }
  const contracts = matcherContracts(options.contractsDir);
  const snapshot = createSnapshot({}, context);
  const text = reason.startsWith('not evaluated: ') ? reason.slice('not evaluated: '.length) : reason;
  for (const id of invariantIds) {
    const { contract, invariant } = requireInvariant(contracts, id);
    const e = evaluateInvariant(contract, invariant, snapshot, { label: `not evaluated: ${text}` });
    // The verdict stays `not-evaluated`; the reason says why nothing was measured.
    attachEvaluation({ task: ctx.task } as never, { ...e, reason: text, assertionPassed: false });
  }
  ctx.skip(`not evaluated: ${text}`);
  throw new HilError('HIL_CONFIG_INVALID', 'skipNotEvaluated: the test context did not skip the test');
}
