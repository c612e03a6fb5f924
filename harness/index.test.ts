import { expect, test } from 'vitest';
import * as hil from './index.ts';

test('the public entry has named exports only and the spine is reachable', () => {
  expect('default' in hil).toBe(false);
  for (const name of ['loadContracts', 'MetricsCollector', 'createSnapshot', 'createClock', 'evaluateInvariant', 'ComplianceReporter', 'HilError']) {
    expect(typeof (hil as Record<string, unknown>)[name]).toBe('function');
  }
});
