// The in-progress report: files that end close together share one write, and
// a run cut short after them still leaves a report naming their tests.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, vi } from 'vitest';
import type { TestModule } from 'vitest/node';
import { ComplianceReporter } from './compliance-reporter.ts';

const repo = resolve(import.meta.dirname, '../..');

/** A finished test file with one passed test, as the reporter reads it. */
function finishedModule(file: string): TestModule {
  const testCase = {
    name: `test in ${file}`,
    fullName: `test in ${file}`,
    result: () => ({ state: 'passed', errors: [] }),
    meta: () => ({}),
    diagnostic: () => ({ duration: 1 }),
  };
  return { moduleId: join(repo, file), project: { name: 'unit' }, children: { allTests: () => [testCase][Symbol.iterator]() } } as unknown as TestModule;
}

const readJson = (dir: string): { run: { status: string }; tests?: unknown } & Record<string, unknown> =>
  JSON.parse(readFileSync(join(dir, 'compliance.json'), 'utf8')) as { run: { status: string } };

/** A reporter writing to a fresh folder, its in-progress report at most every `interimWriteMs`. */
const reporterIn = (prefix: string, interimWriteMs: number): { dir: string; reporter: ComplianceReporter } => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, reporter: new ComplianceReporter({ outputDir: dir, contractsDir: join(repo, 'contracts'), interimWriteMs, history: false }) };
};

test('files that end within the interval share one write, made when it runs out', () => {
  vi.useFakeTimers();
  try {
    const { dir, reporter } = reporterIn('hil-interim-', 1000);
    reporter.onTestRunStart();
    const atStart = reporter.lastReport;
    expect(atStart?.run.tests.passed).toBe(0);

    for (const f of ['a.test.ts', 'b.test.ts', 'c.test.ts']) reporter.onTestModuleEnd(finishedModule(f));
    expect(reporter.lastReport).toBe(atStart); // not yet: the three share the write to come
    vi.advanceTimersByTime(999);
    expect(reporter.lastReport).toBe(atStart);
    vi.advanceTimersByTime(1);
    const interim = reporter.lastReport;
    expect(interim).not.toBe(atStart);
    expect(interim?.run).toMatchObject({ status: 'interrupted', tests: { passed: 3, failed: 0 } });
    expect(readJson(dir).run.status).toBe('interrupted');

    // The next file starts a new interval; the end of the run writes at once and cancels it.
    reporter.onTestModuleEnd(finishedModule('d.test.ts'));
    reporter.onTestRunEnd([], [], 'passed');
    const final = reporter.lastReport;
    expect(final?.run).toMatchObject({ status: 'passed', tests: { passed: 4 } });
    vi.advanceTimersByTime(5000);
    expect(reporter.lastReport).toBe(final); // no late interim write overwrites the final report
    expect(readJson(dir).run.status).toBe('passed');
  } finally {
    vi.useRealTimers();
  }
});

test('interimWriteMs 0 writes after every file', () => {
  const { reporter } = reporterIn('hil-interim-0-', 0);
  reporter.onTestRunStart();
  reporter.onTestModuleEnd(finishedModule('a.test.ts'));
  expect(reporter.lastReport?.run.tests.passed).toBe(1);
  reporter.onTestModuleEnd(finishedModule('b.test.ts'));
  expect(reporter.lastReport?.run.tests.passed).toBe(2);
  reporter.onTestRunEnd([], [], 'passed');
});

test('a second run (watch mode) writes its in-progress report again; a bad interimWriteMs is refused', () => {
  vi.useFakeTimers();
  try {
    const { reporter } = reporterIn('hil-interim-watch-', 100);
    reporter.onTestRunStart();
    reporter.onTestModuleEnd(finishedModule('a.test.ts'));
    reporter.onTestRunEnd([], [], 'passed');
    reporter.onTestRunStart();
    const atRerun = reporter.lastReport;
    expect(atRerun?.run.status).toBe('interrupted');
    reporter.onTestModuleEnd(finishedModule('b.test.ts'));
    vi.advanceTimersByTime(100);
    expect(reporter.lastReport).not.toBe(atRerun);
    expect(reporter.lastReport?.run).toMatchObject({ status: 'interrupted', tests: { passed: 2 } });
    reporter.onTestRunEnd([], [], 'passed');
  } finally {
    vi.useRealTimers();
  }
  for (const bad of [Number.NaN, -1, '5' as unknown as number]) {
    expect(() => new ComplianceReporter({ interimWriteMs: bad })).toThrow(/HIL_CONFIG_INVALID.*interimWriteMs/);
  }
});
