/**
 * Baselines: what `baseline save` stores from a run, and how a later run is
 * compared against it ("baseline vs optimized", "improvement %"). Pure
 * functions over the report model; reading and writing files is in
 * `baseline-store.ts`.
 *
 * Matching: an evaluation is keyed by invariant, target (kind, and bench
 * when there is one) and scenario (its label, else spec file › test name);
 * when a run evaluates the same key twice the last evaluation counts.
 * Direction: from the operator of the check that compares the metric
 * (`<`/`<=`: lower is better; `>`/`>=`: higher is better; otherwise none,
 * shown but never gated).
 */
import type { ContractSet } from '../contracts/types.ts';
import type { ComplianceReport, ReportedEvaluation } from './report-model.ts';
import {
  BASELINE_SCHEMA_VERSION,
  baselineFileSchema,
  DEFAULT_MIN_SAMPLES,
  DEFAULT_REGRESSION_TOLERANCE_PERCENT,
  type BaselineComparison,
  type BaselineEntry,
  type BaselineFile,
  type Direction,
  type EntryComparison,
  type MetricComparison,
} from './baseline-model.ts';

/**
 * Metrics that describe the workload rather than measure it (a drawing's
 * stroke count): exact by nature (one "sample"), so compared for
 * information and never gated or called inconclusive.
 */
export const WORKLOAD_METRICS: ReadonlySet<string> = new Set(['stroke_count']);

/** `sim`, `hardware@bench-a`: the target part of a baseline key. */
export function targetKey(t: ReportedEvaluation['target']): string {
  return t.bench ? `${t.kind}@${t.bench}` : t.kind;
}

/** The evaluation's label, or `<spec file> › <test full name>`. */
export function scenarioOf(e: ReportedEvaluation): string {
  return e.label ?? `${e.test.file} › ${e.test.fullName}`;
}

/** `<invariant>|<target key>|<scenario>`. */
export function baselineKey(e: ReportedEvaluation): string {
  return `${e.invariant.id}|${targetKey(e.target)}|${scenarioOf(e)}`;
}

/** Lower is better for `<`/`<=`, higher for `>`/`>=`, none otherwise. */
export function directionOf(op: string | undefined): Direction {
  if (op === '<' || op === '<=') return 'lower';
  if (op === '>' || op === '>=') return 'higher';
  return 'none';
}

/** The direction of each metric the evaluation's checks compare (conflicting directions give `none`). */
export function directionsOf(e: ReportedEvaluation): Record<string, Direction> {
  const out: Record<string, Direction> = {};
  for (const c of e.checks) {
    for (const cmp of c.comparisons) {
      if (cmp.metric === undefined) continue;
      const d = directionOf(cmp.metricOp ?? cmp.op);
      out[cmp.metric] = out[cmp.metric] === undefined || out[cmp.metric] === d ? d : 'none';
    }
  }
  return out;
}

/** Every evaluation that counts (not self-checks, not orphans), the last one per key. */
export function latestByKey(report: ComplianceReport): Map<string, { contract: string; e: ReportedEvaluation }> {
  const out = new Map<string, { contract: string; e: ReportedEvaluation }>();
  for (const c of report.contracts) for (const i of c.invariants) for (const e of i.evaluations) out.set(baselineKey(e), { contract: c.name, e });
  return out;
}

/** The baseline file for a run: every counted evaluation's metrics, keyed as above. */
export function makeBaseline(report: ComplianceReport, now: Date = new Date()): BaselineFile {
  const entries: BaselineEntry[] = [...latestByKey(report)].map(([key, { contract, e }]) => ({
    key,
    contract,
    invariantId: e.invariant.id,
    target: e.target,
    scenario: scenarioOf(e),
    project: e.test.project,
    verdict: e.verdict,
    metrics: e.metrics,
    directions: directionsOf(e),
  }));
  return baselineFileSchema.parse({
    schema: 'mbot-hil/baseline',
    schemaVersion: BASELINE_SCHEMA_VERSION,
    createdAt: now.toISOString(),
    source: { commit: report.run.commit, startedAt: report.run.startedAt, projects: report.run.projects, merged: report.run.merged },
    entries,
  });
}

/** Tolerance and sample minimum for one invariant, and where the tolerance came from. */
export interface Tolerance {
  tolerancePercent: number;
  minSamples: number;
  from: 'invariant' | 'contract' | 'option' | 'default';
}

/** Looks up the tolerance of an invariant of a contract. */
export type ToleranceLookup = (contract: string, invariantId: string) => Tolerance;

/** Reporter/CLI defaults, overridden by contracts. */
export interface ToleranceDefaults {
  tolerancePercent?: number;
  minSamples?: number;
}

/**
 * Tolerances from the contracts: `regression_tolerance_percent` and
 * `regression_min_samples` on an invariant win over the same keys in the
 * contract header or as top-level sections, which win over `defaults`
 * (reporter option or CLI flag), then 10 % and 30 samples. A value that is
 * not a number >= 0 (a whole number for samples) is skipped and listed in
 * `problems`.
 */
export function tolerancesFromContracts(contracts: ContractSet | null, defaults: ToleranceDefaults = {}): { lookup: ToleranceLookup; problems: string[] } {
  const problems: string[] = [];
  const read = (v: unknown, where: string, key: string, whole: boolean): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && (!whole || Number.isInteger(v))) return v;
    problems.push(`${where}: ${key} is ${JSON.stringify(v)}; it must be ${whole ? 'a whole number' : 'a number'} >= 0 (ignored)`);
    return undefined;
  };
  const table = new Map<string, Tolerance>();
  for (const c of contracts?.contracts ?? []) {
    const header = c.header as Record<string, unknown>;
    const sections = c.sections as Record<string, unknown>;
    const cTol = read(header.regression_tolerance_percent, `contract ${c.name}`, 'regression_tolerance_percent', false)
      ?? read(sections.regression_tolerance_percent, `contract ${c.name}`, 'regression_tolerance_percent', false);
    const cMin = read(header.regression_min_samples, `contract ${c.name}`, 'regression_min_samples', true)
      ?? read(sections.regression_min_samples, `contract ${c.name}`, 'regression_min_samples', true);
    for (const inv of c.invariants) {
      const iTol = read(inv.extra.regression_tolerance_percent, `invariant ${inv.id}`, 'regression_tolerance_percent', false);
      const iMin = read(inv.extra.regression_min_samples, `invariant ${inv.id}`, 'regression_min_samples', true);
      const tolerancePercent = iTol ?? cTol ?? defaults.tolerancePercent ?? DEFAULT_REGRESSION_TOLERANCE_PERCENT;
      const from: Tolerance['from'] = iTol !== undefined ? 'invariant' : cTol !== undefined ? 'contract' : defaults.tolerancePercent !== undefined ? 'option' : 'default';
      table.set(`${c.name}\0${inv.id}`, { tolerancePercent, minSamples: iMin ?? cMin ?? defaults.minSamples ?? DEFAULT_MIN_SAMPLES, from });
    }
  }
  const fallback: Tolerance = {
    tolerancePercent: defaults.tolerancePercent ?? DEFAULT_REGRESSION_TOLERANCE_PERCENT,
    minSamples: defaults.minSamples ?? DEFAULT_MIN_SAMPLES,
    from: defaults.tolerancePercent !== undefined ? 'option' : 'default',
  };
  return { lookup: (contract, id) => table.get(`${contract}\0${id}`) ?? fallback, problems };
}

type Value = { value: number; unit: string; samples: number };

/** Compares one metric (see {@link MetricComparison} for the statuses). */
export function compareMetric(name: string, base: Value | undefined, cur: Value | undefined, direction: Direction, tol: Pick<Tolerance, 'tolerancePercent' | 'minSamples'>): MetricComparison {
  const changePercent = base && cur && base.value !== 0 ? ((cur.value - base.value) / Math.abs(base.value)) * 100 : null;
  const improvementPercent = changePercent === null ? null : direction === 'lower' ? -changePercent : direction === 'higher' ? changePercent : null;
  const out: MetricComparison = {
    name,
    unit: cur?.unit ?? base?.unit ?? '',
    direction,
    baseline: base?.value ?? null,
    current: cur?.value ?? null,
    baselineSamples: base?.samples ?? null,
    currentSamples: cur?.samples ?? null,
    changePercent,
    improvementPercent,
    status: 'pass',
    note: null,
  };
  if (!cur) return { ...out, status: 'missing', note: base ? 'not measured in this run' : 'measured in neither run' };
  if (!base) return { ...out, status: 'no-baseline', note: 'not in the baseline' };
  if (WORKLOAD_METRICS.has(name)) return { ...out, status: 'info', note: 'workload figure, not gated' };
  if (direction === 'none') return { ...out, status: 'info', note: 'no direction (the check does not compare it with < or >)' };
  const n = Math.min(base.samples, cur.samples);
  if (n < tol.minSamples) return { ...out, status: 'inconclusive', note: `${n} sample(s) < ${tol.minSamples} needed to decide` };
  if (base.value === 0) {
    const worse = direction === 'lower' ? cur.value > 0 : cur.value < 0;
    return { ...out, status: worse ? 'regression' : 'pass', note: 'baseline is 0: any worsening counts' };
  }
  if ((improvementPercent as number) < -tol.tolerancePercent) {
    return { ...out, status: 'regression', note: `worse by ${(-(improvementPercent as number)).toFixed(1)} % (tolerance ${tol.tolerancePercent} %)` };
  }
  return out;
}

/** What {@link compareToBaseline} needs besides the two sides. */
export interface CompareOptions {
  /** The baseline file as shown in reports. */
  file: string;
  lookup?: ToleranceLookup;
  problems?: readonly string[];
}

/**
 * Compares the run with the baseline, entry by entry. An entry is a
 * `regression` when any gated metric got worse beyond its tolerance,
 * `inconclusive` when one had too few samples or was not measured (never a
 * pass), `no-baseline` when the baseline lacks it. `passed` needs no
 * regression and no inconclusive entry.
 */
export function compareToBaseline(report: ComplianceReport, baseline: BaselineFile, options: CompareOptions): BaselineComparison {
  const lookup = options.lookup ?? tolerancesFromContracts(null).lookup;
  const base = new Map(baseline.entries.map((b) => [b.key, b]));
  const entries: EntryComparison[] = [];
  const seen = new Set<string>();
  for (const [key, { contract, e }] of latestByKey(report)) {
    seen.add(key);
    const b = base.get(key);
    const tol = lookup(contract, e.invariant.id);
    const directions = { ...(b?.directions ?? {}), ...directionsOf(e) };
    const metrics = Object.keys(directions).sort().map((name) => compareMetric(name, b?.metrics[name], e.metrics[name], directions[name] as Direction, tol));
    const has = (s: MetricComparison['status']) => metrics.some((m) => m.status === s);
    const status: EntryComparison['status'] = !b ? 'no-baseline'
      : has('regression') ? 'regression'
        : has('inconclusive') || has('missing') ? 'inconclusive'
          : has('pass') ? 'pass'
            : has('no-baseline') ? 'no-baseline' : 'inconclusive';
    entries.push({
      key, contract, invariantId: e.invariant.id, target: e.target, scenario: scenarioOf(e), project: e.test.project,
      status, tolerancePercent: tol.tolerancePercent, minSamples: tol.minSamples, toleranceFrom: tol.from, metrics,
    });
  }
  const keys = (s: EntryComparison['status']) => entries.filter((x) => x.status === s).map((x) => x.key);
  const regressions = keys('regression');
  const inconclusive = keys('inconclusive');
  return {
    file: options.file,
    createdAt: baseline.createdAt,
    commit: baseline.source.commit,
    error: null,
    passed: regressions.length === 0 && inconclusive.length === 0,
    regressions,
    inconclusive,
    noBaseline: keys('no-baseline'),
    notMeasured: baseline.entries.filter((b) => !seen.has(b.key)).map((b) => b.key),
    problems: [...(options.problems ?? [])],
    entries,
  };
}

/** A comparison that could not be made (baseline missing or invalid): never passes. */
export function failedComparison(file: string, error: string): BaselineComparison {
  return { file, createdAt: null, commit: null, error, passed: false, regressions: [], inconclusive: [], noBaseline: [], notMeasured: [], problems: [], entries: [] };
}
