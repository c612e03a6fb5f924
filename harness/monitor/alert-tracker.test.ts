import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { createSnapshot } from '../metrics/snapshot.ts';
import { AlertTracker, timeInViolationMs } from './alert-tracker.ts';

const contracts = loadContracts({ dir: resolve(import.meta.dirname, '../../contracts') });
const found = contracts.findInvariant('I-PERF-001');
if (!found) throw new Error('I-PERF-001');

/** I-PERF-001 evaluated on a window whose p99 is `p99` ms (undefined: not measured). */
function win(window: number, p99: number | undefined) {
  const snap = createSnapshot(p99 === undefined ? {} : { 'websocket.latency_p99_ms': { value: p99, unit: 'ms', samples: 50 } }, { target: { kind: 'external' } });
  const { contract, invariant } = found as NonNullable<typeof found>;
  return { window, startedAtMs: window * 1000, endedAtMs: window * 1000 + 1000, evaluations: [evaluateInvariant(contract, invariant, snap)] };
}

describe('the alert state of an invariant', () => {
  test('alerts once when a violation starts, stays quiet while it lasts (through unmeasured windows), resolves once, and alerts again on a new violation', () => {
    const t = new AlertTracker();
    const kinds = (w: ReturnType<typeof win>) => t.update(w).map((e) => `${e.kind} ${e.alert.invariant} w${e.window}`);
    expect(kinds(win(1, 12))).toEqual([]);
    expect(kinds(win(2, 80))).toEqual(['alert I-PERF-001 w2']);
    expect(kinds(win(3, 120))).toEqual([]);
    expect(kinds(win(4, undefined))).toEqual([]);
    expect(t.active).toEqual(['I-PERF-001']);
    expect(kinds(win(5, 90))).toEqual([]);
    expect(kinds(win(6, 20))).toEqual(['resolved I-PERF-001 w6']);
    expect(kinds(win(7, undefined))).toEqual([]);
    expect(kinds(win(8, 51))).toEqual(['alert I-PERF-001 w8']);
    expect(t.alerts).toHaveLength(2);

    const first = t.alerts[0];
    expect(first).toMatchObject({ startWindow: 2, endWindow: 6, violatingWindows: 3, startedAtMs: 2000, endedAtMs: 6000, failureMode: 'alert', remediation: 'Enable message batching, compression, and connection pooling' });
    expect(first?.first).toMatchObject({ metric: 'websocket.latency_p99_ms', value: 80, op: '<=', threshold: 50 });
    expect(first?.worst.value).toBe(120);
    expect(timeInViolationMs(first as NonNullable<typeof first>, 99_000)).toBe(4000);
    const open = t.alerts[1] as NonNullable<(typeof t.alerts)[number]>;
    expect(open.endedAtMs).toBeNull();
    expect(timeInViolationMs(open, 10_500)).toBe(2500);
  });
});
