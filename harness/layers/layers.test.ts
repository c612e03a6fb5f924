import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkLayers } from './check-layers.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

describe('this repository keeps its layers', () => {
  test('every import is allowed by the DEPS.list beside it, and no run-time import cycle exists', () => {
    const report = checkLayers(ROOT);
    expect(report.files).toBeGreaterThan(200);
    expect(report.violations.map((v) => v.message)).toEqual([]);
  });
});
