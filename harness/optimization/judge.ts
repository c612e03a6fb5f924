/**
 * Judges one domain of `optimization_targets` on the A/B measurements a
 * run recorded (see `record.ts`).
 *
 * A/B domain (baseline and target, e.g. websocket 80 -> 50 ms):
 * - the optimized side is the WORST optimized measurement, the baseline the
 *   BEST baseline measurement: several recordings can only make the verdict
 *   stricter, never kinder;
 * - `targetReached`: the optimized value reaches the contract's target;
 * - `improvementPercent`: measured baseline to measured optimized, in the
 *   direction that is better;
 * - the contract's percentage is REQUIRED unless the measured baseline
 *   already beats the contract's baseline: the percentage describes the step
 *   from the contract's baseline to its target, and a system that starts
 *   closer to the target (a 58 fps page cannot gain 33 % at 60 Hz) is judged
 *   on the target alone; its measured improvement is still shown;
 * - `met` = target reached (when the contract states a target) and, where
 *   required, improvement reached; `null` when a side was not measured.
 *
 * Budget domain (e.g. network: page load <= 2000 ms, bundle <= 500 KB): every
 * measurement counts whatever its side; each budget is judged on the worst
 * value; `met` is false as soon as one budget is exceeded, null when none is
 * exceeded but one was not measured.
 */
import { formatNumber } from '../evaluation/format.ts';
import type { BudgetResult, MeasuredSide, OptimizationTarget } from './model.ts';
import type { OptimizationMeasurement } from './record.ts';
import type { Direction, DomainSpec } from './targets.ts';

/** A measurement with the test it came from (`file › test`). */
export interface SourcedMeasurement extends OptimizationMeasurement {
  from: string;
}

function sideOf(m: SourcedMeasurement, metric: string): MeasuredSide | null {
  const v = m.metrics[metric];
  if (!v) return null;
  return { value: v.value, unit: v.unit, samples: v.samples, label: m.label, target: m.target.kind, from: m.from };
}

/** The better (`best`) or worse of the measured values, in `direction`. */
function pick(sides: MeasuredSide[], direction: Direction, which: 'best' | 'worst'): MeasuredSide | null {
  let out: MeasuredSide | null = null;
  const lowerWins = (direction === 'lower') === (which === 'best');
  for (const s of sides) if (out === null || (lowerWins ? s.value < out.value : s.value > out.value)) out = s;
  return out;
}

/** True when `value` is on the good side of `limit` (inclusive). */
export function reaches(value: number, limit: number, direction: Direction): boolean {
  return direction === 'lower' ? value <= limit : value >= limit;
}

/** The improvement from `baseline` to `optimized` in percent of the baseline, in the better direction; null for a 0 baseline. */
export function improvementPercent(baseline: number, optimized: number, direction: Direction): number | null {
  if (baseline === 0) return null;
  const gain = direction === 'lower' ? baseline - optimized : optimized - baseline;
  return (gain / Math.abs(baseline)) * 100;
}

const op = (d: Direction): string => (d === 'lower' ? '<=' : '>=');
const pct = (p: number): string => `${p > 0 ? '+' : ''}${formatNumber(Math.round(p * 10) / 10)} %`;

function judgeBudgets(contract: string, spec: DomainSpec, ms: SourcedMeasurement[]): OptimizationTarget {
  const budgets: BudgetResult[] = spec.budgets.map((b) => {
    const sides = b.metric ? ms.map((m) => sideOf(m, b.metric as string)).filter((s): s is MeasuredSide => s !== null) : [];
    const measured = pick(sides, b.direction, 'worst');
    return { key: b.key, metric: b.metric, limit: b.limit, direction: b.direction, measured, met: measured ? reaches(measured.value, b.limit, b.direction) : null };
  });
  const missed = budgets.filter((b) => b.met === false);
  const unmeasured = budgets.filter((b) => b.met === null);
  const met = missed.length > 0 ? false : unmeasured.length > 0 || budgets.length === 0 ? null : true;
  const say = (b: BudgetResult): string => `${b.metric ?? b.key} = ${b.measured ? `${formatNumber(b.measured.value)} ${b.measured.unit}` : 'not measured'} (${op(b.direction)} ${formatNumber(b.limit)})`;
  let reason: string;
  if (spec.problems.length > 0 && met !== false) reason = spec.problems.join('; ');
  else if (met === true) reason = `every budget held: ${budgets.map(say).join(', ')}`;
  else if (met === false) reason = `over budget: ${missed.map(say).join(', ')}`;
  else if (budgets.length === 0) reason = 'the domain states no budget';
  else reason = `not measured in this run: ${unmeasured.map((b) => b.metric ?? b.key).join(', ')} (record the page with recordOptimization(task, { domain: '${spec.domain}', optimized: snapshot }))`;
  return {
    contract, domain: spec.domain, kind: 'budget', metric: null, unit: null, direction: spec.direction,
    contractBaseline: null, contractTarget: null, requiredImprovementPercent: null, baseline: null, optimized: null,
    improvementPercent: null, improvementRequired: false, targetReached: null, improvementReached: null,
    budgets, strategies: spec.strategies, met, reason, measurements: ms.length,
  };
}

function judgeAb(contract: string, spec: DomainSpec, ms: SourcedMeasurement[]): OptimizationTarget {
  const metric = spec.metric;
  const sides = (side: 'baseline' | 'optimized'): MeasuredSide[] =>
    metric ? ms.filter((m) => m.side === side).map((m) => sideOf(m, metric)).filter((s): s is MeasuredSide => s !== null) : [];
  const baseline = pick(sides('baseline'), spec.direction, 'best');
  const optimized = pick(sides('optimized'), spec.direction, 'worst');
  const improvement = baseline && optimized ? improvementPercent(baseline.value, optimized.value, spec.direction) : null;
  const required = spec.requiredImprovementPercent;
  const baselineBeatsContract = baseline !== null && spec.contractBaseline !== null
    && baseline.value !== spec.contractBaseline && reaches(baseline.value, spec.contractBaseline, spec.direction);
  const improvementRequired = required !== null && !baselineBeatsContract;
  const targetReached = optimized && spec.contractTarget !== null ? reaches(optimized.value, spec.contractTarget, spec.direction) : null;
  const improvementReached = improvementRequired && improvement !== null ? improvement >= (required as number) : null;

  let met: boolean | null;
  let reason: string;
  const unit = optimized?.unit ?? baseline?.unit ?? spec.unit ?? '';
  const v = (s: MeasuredSide): string => `${formatNumber(s.value)} ${s.unit}`;
  if (spec.problems.length > 0) {
    met = null;
    reason = spec.problems.join('; ');
  } else if (!optimized || !baseline) {
    met = null;
    const missing = [!baseline ? 'baseline' : null, !optimized ? 'optimized' : null].filter(Boolean).join(' and ');
    reason = `${missing} side of ${metric} not measured in this run (record it with recordOptimization(task, { domain: '${spec.domain}', ${!baseline ? 'baseline' : 'optimized'}: snapshot }))`;
  } else {
    const parts: string[] = [];
    if (targetReached !== null) parts.push(`optimized ${v(optimized)} ${targetReached ? 'reaches' : 'misses'} the target ${op(spec.direction)} ${formatNumber(spec.contractTarget)} ${unit}`);
    if (improvementRequired) {
      parts.push(improvement === null
        ? 'the improvement cannot be computed from a baseline of 0'
        : `improvement ${pct(improvement)} from the measured baseline ${v(baseline)} ${improvementReached ? 'reaches' : 'falls short of'} the contract's ${formatNumber(required)} %`);
    } else if (required !== null) {
      parts.push(`the contract's ${formatNumber(required)} % is not required: the measured baseline ${v(baseline)} already beats the contract's baseline ${formatNumber(spec.contractBaseline)} ${unit} (measured improvement ${improvement === null ? 'n/a' : pct(improvement)})`);
    }
    const checks = [targetReached, improvementRequired ? improvementReached : null].filter((x): x is boolean => x !== null);
    met = checks.length === 0 ? null : checks.every(Boolean);
    if (checks.length === 0) parts.push('the contract states nothing to judge the measurement against');
    reason = parts.join('; ');
  }
  return {
    contract, domain: spec.domain, kind: 'ab', metric, unit: spec.unit, direction: spec.direction,
    contractBaseline: spec.contractBaseline, contractTarget: spec.contractTarget, requiredImprovementPercent: required,
    baseline, optimized, improvementPercent: improvement, improvementRequired, targetReached, improvementReached,
    budgets: [], strategies: spec.strategies, met, reason, measurements: ms.length,
  };
}

/** Judges `spec` of `contract` on the measurements recorded for it (already filtered to this domain and contract). */
export function judgeDomain(contract: string, spec: DomainSpec, measurements: readonly SourcedMeasurement[]): OptimizationTarget {
  const ms = [...measurements];
  return spec.kind === 'budget' ? judgeBudgets(contract, spec, ms) : judgeAb(contract, spec, ms);
}
