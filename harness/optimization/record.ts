/**
 * How a spec hands an A/B measurement to the compliance report, so that the
 * contract's `optimization_targets` are judged on values measured in the
 * run rather than taken on trust:
 *
 *   test('A/B: baseline vs batching + compression', async ({ task }) => {
 *     const a = await measure('baseline');
 *     const b = await measure('optimized');
 *     recordOptimization(task, { domain: 'websocket', baseline: a, optimized: b, label: '10 clients' });
 *   });
 *
 * Each side lands in `task.meta.hilOptimization` (plain JSON, the way
 * matcher evaluations travel, see VITEST4.md), and the reporter judges every
 * domain of every contract from what all tests recorded. The two sides may
 * come from different tests (a soak per side, say). A domain that states
 * only budgets (the contract's `network`) is judged on every measurement
 * recorded for it, whichever side; record the system as shipped as
 * `optimized`.
 */
import { z } from 'zod';
import { HilError } from '../errors.ts';
import { toSnapshot } from '../evaluation/evaluate.ts';
import { targetInfoSchema } from '../evaluation/model.ts';
import type { MetricsSnapshot } from '../metrics/snapshot.ts';

/** The key under which A/B measurements are stored in `task.meta`. */
export const OPTIMIZATION_META_KEY = 'hilOptimization' as const;

/** Which side of an A/B a measurement is. */
export const optimizationSideSchema = z.enum(['baseline', 'optimized']);
export type OptimizationSide = z.infer<typeof optimizationSideSchema>;

const metricValueSchema = z.object({ value: z.number(), unit: z.string(), samples: z.number().int().nonnegative() });

/** One side of one A/B measurement, as `task.meta` carries it. */
export const optimizationMeasurementSchema = z.object({
  schema: z.literal('mbot-hil/ab-measurement@1'),
  /** The `optimization_targets` key it measures: websocket, memory, rendering, network, or a contract's own. */
  domain: z.string().min(1),
  /** Contract (file stem or name) it is for; null: every contract that declares the domain. */
  contract: z.string().nullable(),
  side: optimizationSideSchema,
  label: z.string().nullable(),
  metrics: z.record(z.string(), metricValueSchema),
  target: targetInfoSchema,
  clock: z.object({ kind: z.enum(['wall', 'virtual']) }),
  takenAt: z.string(),
});
export type OptimizationMeasurement = z.infer<typeof optimizationMeasurementSchema>;

declare module 'vitest' {
  interface TaskMeta {
    /** Every A/B measurement recorded with `recordOptimization` in this test, in order. */
    hilOptimization?: OptimizationMeasurement[];
  }
}

/** Anything with Vitest's `meta` (the test context's `task`). */
export interface TaskWithMeta {
  meta: { hilOptimization?: OptimizationMeasurement[] };
}

/** What {@link recordOptimization} records; at least one side. */
export interface OptimizationRecord {
  /** The `optimization_targets` key, e.g. `websocket`. */
  domain: string;
  /** The system before the optimization (a MetricsSnapshot or `{ 'metric.name': number }`). */
  baseline?: MetricsSnapshot | Record<string, number>;
  /** The system with it (or, for a budget-only domain, as shipped). */
  optimized?: MetricsSnapshot | Record<string, number>;
  /** Shown in the report beside the values, e.g. `10 clients`. */
  label?: string;
  /** Restrict to one contract (file stem or name); default every contract that declares `domain`. */
  contract?: string;
}

const DOMAIN = /^[A-Za-z][A-Za-z0-9_-]*$/u;

/**
 * Records one or both sides of an A/B measurement on `task` (the test
 * context's `task`) for the report's `optimizationTargets`; returns what it
 * recorded. Throws HIL_CONFIG_INVALID for a bad domain or no side, and
 * HIL_MATCHER_BAD_INPUT for a side that is not metrics (see `toSnapshot`).
 */
export function recordOptimization(task: TaskWithMeta, record: OptimizationRecord): OptimizationMeasurement[] {
  if (typeof task?.meta !== 'object' || task.meta === null) {
    throw new HilError('HIL_CONFIG_INVALID', 'recordOptimization needs the running test\'s task: test(\'...\', ({ task }) => recordOptimization(task, { ... }))');
  }
  if (typeof record?.domain !== 'string' || !DOMAIN.test(record.domain)) {
    throw new HilError('HIL_CONFIG_INVALID', `recordOptimization: domain must be a key of the contract's optimization_targets such as 'websocket'; got ${JSON.stringify(record?.domain)}`);
  }
  if (record.baseline === undefined && record.optimized === undefined) {
    throw new HilError('HIL_CONFIG_INVALID', `recordOptimization(${record.domain}): give baseline, optimized, or both`);
  }
  const made: OptimizationMeasurement[] = [];
  for (const side of ['baseline', 'optimized'] as const) {
    const given = record[side];
    if (given === undefined) continue;
    const s = toSnapshot(given);
    made.push(optimizationMeasurementSchema.parse({
      schema: 'mbot-hil/ab-measurement@1',
      domain: record.domain,
      contract: record.contract ?? null,
      side,
      label: record.label ?? null,
      // A JSON round trip: what travels to the reporter is exactly what is kept here.
      metrics: JSON.parse(JSON.stringify(s.metrics)),
      target: { ...s.target },
      clock: { kind: s.clock.kind },
      takenAt: s.takenAt,
    }));
  }
  const list = task.meta.hilOptimization ?? [];
  list.push(...made);
  task.meta.hilOptimization = list;
  return made;
}
