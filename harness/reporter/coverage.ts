/**
 * Invariant coverage: which invariant ran on which target (sim, hardware,
 * and any other kind that appeared) and on which bench, and which never ran
 * anywhere. Derived from the report's counted evaluations; stored as the
 * optional `coverage` section of `compliance.json`.
 */
import { z } from 'zod';
import { runVerdictSchema, type RunVerdict } from '../evaluation/model.ts';
import type { ContractReport } from './report-model.ts';

/** Target kinds always shown as columns, ran or not. */
export const COVERAGE_TARGETS = ['sim', 'hardware'] as const;

/** The `coverage` section. */
export const coverageSchema = z.object({
  /** Columns: `sim`, `hardware`, then any other target kind that appeared. */
  targets: z.array(z.string()),
  /** Bench names that appeared in evaluations, sorted. */
  benches: z.array(z.string()),
  invariants: z.array(z.object({
    contract: z.string(),
    id: z.string(),
    name: z.string(),
    /** Verdict per target column (`not-run` where nothing ran). */
    byTarget: z.record(z.string(), runVerdictSchema),
    /** Verdict per bench (`not-run` where nothing ran). */
    byBench: z.record(z.string(), runVerdictSchema),
    /** Target columns it ran on. */
    ranOn: z.array(z.string()),
  })),
  /** Invariants no spec evaluated on any target. */
  neverRan: z.array(z.string()),
  /** Invariants that ran on some of `sim`/`hardware` but not both. */
  partial: z.array(z.string()),
});
export type Coverage = z.infer<typeof coverageSchema>;

const RANK: Record<RunVerdict, number> = { 'not-run': 0, pass: 1, 'not-evaluated': 2, fail: 3 };
const worse = (a: RunVerdict, b: RunVerdict): RunVerdict => (RANK[b] > RANK[a] ? b : a);

/** Builds the coverage matrix from the report's contracts (self-checks and orphans are not there). */
export function buildCoverage(contracts: readonly ContractReport[]): Coverage {
  const kinds = new Set<string>();
  const benches = new Set<string>();
  for (const c of contracts) for (const i of c.invariants) for (const e of i.evaluations) {
    kinds.add(e.target.kind);
    if (e.target.bench) benches.add(e.target.bench);
  }
  const targets = [...COVERAGE_TARGETS, ...[...kinds].filter((k) => !(COVERAGE_TARGETS as readonly string[]).includes(k)).sort()];
  const benchList = [...benches].sort();
  const invariants = contracts.flatMap((c) => c.invariants.map((i) => {
    const byTarget: Record<string, RunVerdict> = Object.fromEntries(targets.map((t) => [t, 'not-run' as RunVerdict]));
    const byBench: Record<string, RunVerdict> = Object.fromEntries(benchList.map((b) => [b, 'not-run' as RunVerdict]));
    for (const e of i.evaluations) {
      byTarget[e.target.kind] = worse(byTarget[e.target.kind] ?? 'not-run', e.verdict);
      if (e.target.bench) byBench[e.target.bench] = worse(byBench[e.target.bench] ?? 'not-run', e.verdict);
    }
    return { contract: c.name, id: i.id, name: i.name, byTarget, byBench, ranOn: targets.filter((t) => byTarget[t] !== 'not-run') };
  }));
  return {
    targets,
    benches: benchList,
    invariants,
    neverRan: invariants.filter((i) => i.ranOn.length === 0).map((i) => i.id),
    partial: invariants.filter((i) => i.ranOn.length > 0 && COVERAGE_TARGETS.some((t) => !i.ranOn.includes(t))).map((i) => i.id),
  };
}
