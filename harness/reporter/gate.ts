/**
 * The compliance gate: the one yes/no a CI reads, with every reason it is
 * "no". Computed from the per-invariant verdicts of a report, so the
 * reporter, `mbot-hil report --check` and `baseline` all decide alike.
 *
 * The gate passes only when the run finished, the contracts loaded, every
 * evaluation was readable, no invariant failed or went unevaluated, at least
 * one invariant was evaluated, and every required invariant passed on every
 * required target. See docs/exit-codes-and-gates.md.
 */
import { z } from 'zod';
import type { RunVerdict } from '../evaluation/model.ts';
import { oneLine } from './text-safety.ts';

/**
 * Exit code of a run whose tests all passed but whose gate failed (the bar
 * k6 set for a crossed threshold). A failing test keeps Vitest's own 1.
 */
export const GATE_EXIT_CODE = 99;

/** Why a gate did not pass; stable names, one per rule. */
export const gateReasonCodeSchema = z.enum([
  'interrupted',
  'contract-problems',
  'invalid-evaluations',
  'failed',
  'not-evaluated',
  'no-invariant-ran',
  'requirement-unmet',
]);
export type GateReasonCode = z.infer<typeof gateReasonCodeSchema>;

export const gateReasonSchema = z.object({ code: gateReasonCodeSchema, message: z.string() });
export type GateReason = z.infer<typeof gateReasonSchema>;

/** What a run must cover to pass (reporter options `requireInvariants` / `requireTargets`). */
export interface GateRequirements {
  /** Invariant ids that must pass, or `all` for every invariant of the loaded contracts. */
  invariants: 'all' | readonly string[];
  /** Target kinds each required invariant must pass on (`sim`, `hardware`); empty: any one target. */
  targets: readonly string[];
}

/** The requirement section stored in the report. */
export const gateRequiredSchema = z.object({
  invariants: z.array(z.string()),
  targets: z.array(z.string()),
  /** Where they came from: reporter options, or the environment (HIL_REQUIRE_*). */
  source: z.enum(['options', 'env', 'cli']),
  /** False when options-given requirements were not checked because the run was filtered. */
  applied: z.boolean(),
  /** Each required (invariant, target) pair that did not pass, with what it got. */
  unmet: z.array(z.object({ invariant: z.string(), target: z.string().nullable(), verdict: z.string() })),
});
export type GateRequired = z.infer<typeof gateRequiredSchema>;

/** The invariant facts the gate reads. */
export interface GateInvariant {
  id: string;
  verdict: RunVerdict;
  byTarget: Record<string, RunVerdict>;
  /** Why it was not evaluated (the first reason seen), when it was not. */
  notEvaluatedReason?: string | null;
}

/** Everything {@link computeGate} decides from. */
export interface GateInput {
  interrupted: boolean;
  contractProblems: number;
  invalidEvaluations: number;
  invariants: readonly GateInvariant[];
  requirements: (GateRequirements & { source: GateRequired['source'] }) | null;
  /** A filtered run (file filters, -t, --project, --shard, --changed): options-given requirements are not checked. */
  partial: boolean;
}

/** The gate section of a report. */
export interface GateResult {
  passed: boolean;
  failed: string[];
  notEvaluated: string[];
  notRun: string[];
  reasons: GateReason[];
  required: GateRequired | null;
  partial: boolean;
}

// Reasons reach terminals and CI logs: no id or reason may carry a raw control character.
const list = (ids: readonly string[]) => ids.map(oneLine).join(', ');

/** Decides the gate; pure. */
export function computeGate(input: GateInput): GateResult {
  const ids = (v: RunVerdict) => input.invariants.filter((i) => i.verdict === v).map((i) => i.id);
  const reasons: GateReason[] = [];
  if (input.interrupted) reasons.push({ code: 'interrupted', message: 'the run was interrupted: it proves nothing about what did not run' });
  if (input.contractProblems > 0) reasons.push({ code: 'contract-problems', message: `${input.contractProblems} contract problem(s): the contracts did not load, so no invariant can be judged` });
  if (input.invalidEvaluations > 0) reasons.push({ code: 'invalid-evaluations', message: `${input.invalidEvaluations} unreadable or inconsistent evaluation(s) in the tests' results (see 'Unreadable evaluations')` });
  const failed = ids('fail');
  if (failed.length > 0) reasons.push({ code: 'failed', message: `failed: ${list(failed)}` });
  const notEvaluated = input.invariants.filter((i) => i.verdict === 'not-evaluated');
  if (notEvaluated.length > 0) {
    reasons.push({ code: 'not-evaluated', message: `not evaluated: ${notEvaluated.map((i) => (i.notEvaluatedReason ? `${oneLine(i.id)} (${oneLine(i.notEvaluatedReason.slice(0, 300))})` : oneLine(i.id))).join(', ')}` });
  }
  const ran = input.invariants.filter((i) => i.verdict !== 'not-run');
  if (ran.length === 0 && input.contractProblems === 0) {
    reasons.push({ code: 'no-invariant-ran', message: 'no invariant was evaluated in this run: nothing was measured, so nothing passed' });
  }

  let required: GateRequired | null = null;
  const req = input.requirements;
  if (req) {
    const known = new Map(input.invariants.map((i) => [i.id, i]));
    const wanted = req.invariants === 'all' ? [...known.keys()] : [...req.invariants];
    const applied = req.source !== 'options' || !input.partial;
    const unmet: GateRequired['unmet'] = [];
    if (applied) {
      for (const id of wanted) {
        const inv = known.get(id);
        if (!inv) {
          unmet.push({ invariant: id, target: null, verdict: 'not declared by any loaded contract' });
          continue;
        }
        if (req.targets.length === 0) {
          if (inv.verdict !== 'pass') unmet.push({ invariant: id, target: null, verdict: inv.verdict });
          continue;
        }
        for (const t of req.targets) {
          const v = inv.byTarget[t] ?? 'not-run';
          if (v !== 'pass') unmet.push({ invariant: id, target: t, verdict: v });
        }
      }
      if (unmet.length > 0) {
        const shown = unmet.slice(0, 20).map((u) => oneLine(`${u.invariant}${u.target ? ` on ${u.target}` : ''}: ${u.verdict}`));
        reasons.push({ code: 'requirement-unmet', message: `required but not passed: ${shown.join('; ')}${unmet.length > 20 ? `; and ${unmet.length - 20} more` : ''}` });
      }
    }
    required = { invariants: wanted, targets: [...req.targets], source: req.source, applied, unmet };
  }

  return { passed: reasons.length === 0, failed, notEvaluated: notEvaluated.map((i) => i.id), notRun: ids('not-run'), reasons, required, partial: input.partial };
}

/**
 * True when the gate failed only because a filtered run evaluated no
 * invariant (e.g. `vitest run harness/x.test.ts`): the gate then reads
 * "not checked" and does not change the exit code.
 */
export function onlyNothingRanInPartialRun(gate: Pick<GateResult, 'reasons' | 'partial'>): boolean {
  return gate.partial && gate.reasons.length > 0 && gate.reasons.every((r) => r.code === 'no-invariant-ran');
}

/** `PASSED`, `FAILED`, or `NOT CHECKED` (a filtered run that evaluated no invariant). */
export function gateWord(gate: Pick<GateResult, 'passed' | 'reasons' | 'partial'>): 'PASSED' | 'FAILED' | 'NOT CHECKED' {
  if (gate.passed) return 'PASSED';
  return onlyNothingRanInPartialRun(gate) ? 'NOT CHECKED' : 'FAILED';
}

/**
 * Parses `HIL_REQUIRE_INVARIANTS` (`all` or a comma list; empty: none) and
 * `HIL_REQUIRE_TARGETS` (a comma list). Null when neither is set.
 */
export function requirementsFromEnv(env: Record<string, string | undefined>): GateRequirements | null {
  const inv = env.HIL_REQUIRE_INVARIANTS;
  const tg = env.HIL_REQUIRE_TARGETS;
  if (inv === undefined && tg === undefined) return null;
  const split = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const invariants = inv === undefined || inv.trim().toLowerCase() === 'all' ? 'all' : split(inv);
  return { invariants, targets: split(tg) };
}
