/**
 * The contract sections of the compliance report beyond the invariants:
 * `optimizationTargets` (every domain of every contract's
 * `optimization_targets`, judged on the A/B measurements the tests recorded
 * with `recordOptimization`), `requiredMetrics` (`profiling_requirements.metrics`
 * against what the run produced), and `recommendations` (the remediation of
 * each failed invariant, the strategies of each missed target). A contract
 * without `optimization_targets` contributes no target.
 */
import { formatNumber } from '../evaluation/format.ts';
import type { ContractSet } from '../contracts/types.ts';
import { judgeDomain, type SourcedMeasurement } from '../optimization/judge.ts';
import type { OptimizationTarget, Recommendation, RequiredMetric } from '../optimization/model.ts';
import { optimizationMeasurementSchema } from '../optimization/record.ts';
import { requiredMetricRows, type MeasuredValue } from '../optimization/required-metrics.ts';
import { parseOptimizationTargets } from '../optimization/targets.ts';
import type { ComplianceReport, ReportedEvaluation, TestRef } from './report-model.ts';

/** A test's A/B measurements as `task.meta.hilOptimization` held them (unchecked). */
export interface TestMeasurements {
  test: TestRef;
  measurements: readonly unknown[];
}

/** The sections {@link buildContractSections} adds to a report. */
export interface ContractSections {
  optimizationTargets: OptimizationTarget[];
  requiredMetrics: RequiredMetric[];
  recommendations: Recommendation[];
  /** Measurements in task.meta that did not match their schema, or named an unknown domain or contract. */
  optimizationProblems: string[];
}

function from(test: TestRef): string {
  return `${test.file} › ${test.fullName}`;
}

/** Every valid measurement with where it came from, and a line per invalid one. */
export function collectMeasurements(tests: readonly TestMeasurements[]): { measurements: SourcedMeasurement[]; problems: string[] } {
  const measurements: SourcedMeasurement[] = [];
  const problems: string[] = [];
  for (const t of tests) {
    t.measurements.forEach((raw, i) => {
      const parsed = optimizationMeasurementSchema.safeParse(raw);
      if (parsed.success) measurements.push({ ...parsed.data, from: from(t.test) });
      else problems.push(`${from(t.test)}: hilOptimization[${i}] is not an A/B measurement (${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')})`);
    });
  }
  return { measurements, problems };
}

function failedBecause(evaluations: readonly ReportedEvaluation[]): string {
  const parts: string[] = [];
  for (const e of evaluations.filter((x) => x.verdict === 'fail')) {
    for (const c of e.checks.filter((x) => x.verdict === 'fail')) {
      for (const cmp of c.comparisons.filter((x) => x.passed === false)) {
        const m = cmp.metric ? c.measured[cmp.metric] : null;
        parts.push(cmp.metric && m && cmp.threshold !== undefined
          ? `${cmp.metric} = ${formatNumber(m.value)} ${m.unit} (${cmp.metricOp ?? cmp.op} ${formatNumber(cmp.threshold)})`
          : `${cmp.left} ${cmp.op} ${cmp.right} is false`);
      }
    }
  }
  const unique = [...new Set(parts)];
  return unique.length > 4 ? `${unique.slice(0, 4).join('; ')}; … ${unique.length - 4} more` : unique.join('; ');
}

/**
 * Builds the sections from the loaded contracts, the tests' measurements
 * and the report built so far (its evaluations and verdicts). Never throws
 * for bad measurements: they are listed in `optimizationProblems`.
 */
export function buildContractSections(contracts: ContractSet | null, tests: readonly TestMeasurements[], report: Pick<ComplianceReport, 'contracts' | 'selfChecks' | 'orphans'>): ContractSections {
  const { measurements, problems } = collectMeasurements(tests);
  const loaded = contracts?.contracts ?? [];
  const optimizationTargets: OptimizationTarget[] = [];
  const claimed = new Set<SourcedMeasurement>();
  for (const c of loaded) {
    for (const spec of parseOptimizationTargets(c.sections.optimization_targets)) {
      const mine = measurements.filter((m) => m.domain === spec.domain && (m.contract === null || m.contract === c.name || m.contract === c.header.name));
      for (const m of mine) claimed.add(m);
      optimizationTargets.push(judgeDomain(c.name, spec, mine));
    }
  }
  for (const m of measurements) {
    if (!claimed.has(m)) problems.push(`${m.from}: measurement for domain "${m.domain}"${m.contract ? ` of contract "${m.contract}"` : ''} matches no contract's optimization_targets`);
  }

  const snapshots: Readonly<Record<string, MeasuredValue>>[] = [
    ...report.contracts.flatMap((c) => c.invariants.flatMap((i) => i.evaluations.map((e) => e.metrics))),
    ...report.selfChecks.map((e) => e.metrics),
    ...report.orphans.map((e) => e.metrics),
    ...measurements.map((m) => m.metrics),
  ];
  const requiredMetrics = loaded.flatMap((c) => requiredMetricRows(c.name, c.sections.profiling_requirements, snapshots));

  const recommendations: Recommendation[] = [];
  for (const c of report.contracts) {
    const source = loaded.find((x) => x.name === c.name);
    for (const i of c.invariants.filter((x) => x.verdict === 'fail')) {
      const inv = source?.invariants.find((x) => x.id === i.id);
      const actions = [...new Set((inv?.validation ?? []).map((v) => v.remediation).filter((r): r is string => !!r))];
      recommendations.push({ source: 'invariant', contract: c.name, id: i.id, actions, because: `${i.id} ${i.name} failed: ${failedBecause(i.evaluations) || 'see its evaluations'}` });
    }
  }
  for (const t of optimizationTargets.filter((x) => x.met === false)) {
    recommendations.push({ source: 'optimization-target', contract: t.contract, id: t.domain, actions: [...t.strategies], because: `${t.domain} target missed: ${t.reason}` });
  }
  return { optimizationTargets, requiredMetrics, recommendations, optimizationProblems: problems };
}
