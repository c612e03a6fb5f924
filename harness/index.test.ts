import { expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import * as hil from './index.ts';
import { runtimeImportClosure } from './layers/check-layers.ts';

test('the public entry has named exports only and the spine is reachable', () => {
  expect('default' in hil).toBe(false);
  for (const name of ['loadContracts', 'MetricsCollector', 'createSnapshot', 'createClock', 'evaluateInvariant', 'ComplianceReporter', 'HilError']) {
    expect(typeof (hil as Record<string, unknown>)[name]).toBe('function');
  }
});

test('importing mbot-hil loads no simulator, no reference app, no browser and no socket library', () => {
  const { files, packages } = runtimeImportClosure(fileURLToPath(new URL('./index.ts', import.meta.url)));
  expect(files.filter((f) => /\/(simulators|reference|fixtures)\//.test(f))).toEqual([]);
  expect(packages.filter((p) => ['ws', 'playwright-core', 'johnny-five', 'firmata-io', 'serialport', '@serialport/stream', 'avr8js'].includes(p))).toEqual([]);
  expect(files.length).toBeGreaterThan(20);
});
