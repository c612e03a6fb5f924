/**
 * Reads a contract's `optimization_targets` section into what can be judged.
 * Each domain is a mapping; the keys the harness reads:
 *
 * - `baseline_<what>_<unit>` and `target_<what>_<unit>`: the contract's
 *   before and after, e.g. `baseline_latency_ms: 80`, `target_latency_ms: 50`;
 * - `improvement_percentage` or `reduction_percentage`: the improvement
 *   the contract expects;
 * - `strategies`: a list of names, the recommendations when it is missed;
 * - optional `metric`: the catalogue metric the domain is judged on, and
 *   `direction`: `lower` or `higher` is better.
 *
 * Without `metric`, the built-in domains read `websocket.latency_p99_ms`
 * (websocket), `memory.heap_used_mb` (memory) and `ui.frame_rate`
 * (rendering): the metrics of the contract's invariants. A domain with
 * `target_*` keys and no `baseline_*` key (the contract's `network`) is a
 * set of budgets: each `target_<what>` is an upper limit (a lower limit for
 * a rate such as fps) on `<domain>.<what>`, e.g. `target_page_load_ms` on
 * `network.page_load_ms`. Other keys are kept in the contract and ignored here.
 */
import { getMetricDefinition } from '../metrics/catalogue.ts';

/** Which way is better for a metric. */
export type Direction = 'lower' | 'higher';

/** One budget of a budget domain: `metric` must stay on the good side of `limit`. */
export interface BudgetSpec {
  /** The contract key, e.g. `target_page_load_ms`. */
  key: string;
  metric: string | null;
  limit: number;
  direction: Direction;
}

/** One domain of `optimization_targets`, ready to judge. */
export interface DomainSpec {
  domain: string;
  kind: 'ab' | 'budget';
  /** The catalogue metric an A/B domain is judged on (null when none could be found: see `problems`). */
  metric: string | null;
  unit: string | null;
  direction: Direction;
  contractBaseline: number | null;
  contractTarget: number | null;
  /** `improvement_percentage` or `reduction_percentage`. */
  requiredImprovementPercent: number | null;
  budgets: BudgetSpec[];
  strategies: string[];
  /** Why the domain cannot be judged as written (no metric, no numbers); empty when it can. */
  problems: string[];
}

/** The metric each built-in A/B domain is judged on: the one its invariant checks. */
export const DEFAULT_DOMAIN_METRICS: Readonly<Record<string, string>> = Object.freeze({
  websocket: 'websocket.latency_p99_ms',
  memory: 'memory.heap_used_mb',
  rendering: 'ui.frame_rate',
});

const HIGHER_IS_BETTER_UNITS = new Set(['fps', 'msg/s']);

/** `higher` for rates (fps, msg/s), `lower` for everything else (time, size, counts of bad things). */
export function directionOfUnit(unit: string | null): Direction {
  return unit !== null && HIGHER_IS_BETTER_UNITS.has(unit) ? 'higher' : 'lower';
}

function finite(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** `target_page_load_ms` in domain `network` -> `network.page_load_ms` when catalogued. */
function budgetMetric(domain: string, key: string): string | null {
  const name = `${domain}.${key.slice('target_'.length)}`;
  return getMetricDefinition(name) ? name : null;
}

/** Parses one domain (see the module comment); never throws. */
export function parseDomain(domain: string, raw: unknown): DomainSpec {
  const problems: string[] = [];
  const o = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (o !== raw) problems.push(`optimization_targets.${domain} is not a mapping`);
  const strategies = Array.isArray(o.strategies) ? o.strategies.filter((s): s is string => typeof s === 'string') : [];
  const baselineKey = Object.keys(o).find((k) => k.startsWith('baseline_') && finite(o[k]) !== null);
  const targetKeys = Object.keys(o).filter((k) => k.startsWith('target_') && finite(o[k]) !== null);
  const required = finite(o.improvement_percentage) ?? finite(o.reduction_percentage);
  const explicit = typeof o.metric === 'string' ? o.metric : null;
  const explicitDirection = o.direction === 'lower' || o.direction === 'higher' ? o.direction : null;
  if (o.direction !== undefined && explicitDirection === null) problems.push(`optimization_targets.${domain}.direction must be lower or higher`);

  if (baselineKey === undefined && targetKeys.length > 0 && explicit === null) {
    const budgets = targetKeys.map((key) => {
      const metric = budgetMetric(domain, key);
      if (metric === null) problems.push(`${key}: no catalogue metric ${domain}.${key.slice('target_'.length)}; add \`metric:\` to the domain or use a catalogued name`);
      const unit = metric ? (getMetricDefinition(metric)?.unit ?? null) : null;
      return { key, metric, limit: finite(o[key]) as number, direction: explicitDirection ?? directionOfUnit(unit) };
    });
    return { domain, kind: 'budget', metric: null, unit: null, direction: 'lower', contractBaseline: null, contractTarget: null, requiredImprovementPercent: null, budgets, strategies, problems };
  }

  const metric = explicit ?? DEFAULT_DOMAIN_METRICS[domain] ?? null;
  if (metric === null) problems.push(`no metric for domain "${domain}": add \`metric: <catalogue metric>\` to optimization_targets.${domain}`);
  else if (!getMetricDefinition(metric)) problems.push(`optimization_targets.${domain}.metric "${metric}" is not in the metric catalogue`);
  const unit = metric ? (getMetricDefinition(metric)?.unit ?? null) : null;
  const contractBaseline = baselineKey ? (finite(o[baselineKey]) as number) : null;
  const contractTarget = targetKeys[0] ? (finite(o[targetKeys[0]]) as number) : null;
  if (contractTarget === null && required === null) problems.push(`optimization_targets.${domain} states neither a target_* value nor an improvement or reduction percentage`);
  const direction: Direction = explicitDirection
    ?? (contractBaseline !== null && contractTarget !== null && contractBaseline !== contractTarget ? (contractTarget < contractBaseline ? 'lower' : 'higher') : directionOfUnit(unit));
  return { domain, kind: 'ab', metric, unit, direction, contractBaseline, contractTarget, requiredImprovementPercent: required, budgets: [], strategies, problems };
}

/** Every domain of a contract's `optimization_targets` section, in file order; [] when it has none. */
export function parseOptimizationTargets(section: unknown): DomainSpec[] {
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return [];
  return Object.entries(section as Record<string, unknown>).map(([domain, raw]) => parseDomain(domain, raw));
}
