// Two runs on one reports folder (issue 12). Before: the second run wrote
// its files into the folder the first was writing (reports/compliance.md
// appeared below from the second reporter), silently replacing each other.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { runReportCommand } from '../cli/report-command.ts';
import { sinks } from '../cli/testing/io-sinks.ts';
import { ComplianceReporter } from './compliance-reporter.ts';
import { LOCK_FILE } from './report-lock.ts';
import { writeReportFiles } from './report-files.ts';
import { sampleReport } from './testing/sample-report.ts';

const contractsDir = resolve(import.meta.dirname, '../../contracts');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { run: { id?: string } };

function captureStderr<T>(run: () => T): { value: T; text: string } {
  const write = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((s: string) => { text += s; return true; }) as typeof process.stderr.write;
  try {
    return { value: run(), text };
  } finally {
    process.stderr.write = write;
  }
}

test('a second run on a busy reports folder writes to runs/<its id>/ and names the first run; nothing of the first is touched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-lock-'));
  const first = new ComplianceReporter({ outputDir: dir, contractsDir, formats: ['json'] });
  const second = new ComplianceReporter({ outputDir: dir, contractsDir, formats: ['json', 'md'] });
  first.onTestRunStart();
  const { text } = captureStderr(() => second.onTestRunStart());
  // The second reporter's Markdown must not land in the first run's folder.
  expect(existsSync(join(dir, 'compliance.md'))).toBe(false);
  expect(second.reportsDir).toBe(join(dir, 'runs', second.id));
  expect(existsSync(join(dir, 'runs', second.id, 'compliance.md'))).toBe(true);
  expect(text).toContain(`is being written by run ${first.id} (pid ${process.pid} on ${hostname()}`);
  expect(text).toContain(`this run's reports go to ${join(dir, 'runs', second.id)} instead`);
  expect(json(join(dir, 'compliance.json')).run.id).toBe(first.id);
  captureStderr(() => second.onTestRunEnd([], [], 'passed'));
  expect(json(join(dir, 'compliance.json')).run.id).toBe(first.id);
  expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  captureStderr(() => first.onTestRunEnd([], [], 'passed'));
  // The first run gave the lock back: the next run writes the folder itself.
  expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  const third = new ComplianceReporter({ outputDir: dir, contractsDir, formats: ['json'] });
  captureStderr(() => third.onTestRunEnd([], [], 'passed'));
  expect(json(join(dir, 'compliance.json')).run.id).toBe(third.id);
});

test('a stale lock (its process is gone) is taken over, and that is said', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-lock-stale-'));
  // PID 2^22 + 1 is above Linux's pid_max: no process has it.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ runId: 'crashed-run', pid: 4_194_305, hostname: hostname(), cwd: '/x', startedAt: '2026-12-01T00:00:00.000Z' }));
  const reporter = new ComplianceReporter({ outputDir: dir, contractsDir, formats: ['json'] });
  const { text } = captureStderr(() => reporter.onTestRunStart());
  expect(reporter.reportsDir).toBe(dir);
  expect(text).toContain('took over a stale lock of run crashed-run (pid 4194305');
  expect((JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { runId: string }).runId).toBe(reporter.id);
  captureStderr(() => reporter.onTestRunEnd([], [], 'passed'));
  expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
});

test('mbot-hil report refuses to re-render into a folder a live run is writing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-lock-report-'));
  writeReportFiles(sampleReport(), dir, ['json']);
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ runId: 'live-run', pid: process.ppid, hostname: hostname(), cwd: '/x', startedAt: '2026-12-01T00:00:00.000Z' }));
  const t = sinks();
  expect(await runReportCommand(['--from', join(dir, 'compliance.json')], t.io)).toBe(1);
  expect(t.err()).toMatch(/HIL_REPORTS_DIR_BUSY: .* is being written by run live-run .*pass --out DIR/);
  expect(existsSync(join(dir, 'compliance.md'))).toBe(false);
  expect(await runReportCommand(['--from', join(dir, 'compliance.json'), '--out', join(dir, 'elsewhere')], sinks().io)).toBe(0);
});
