import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeReportFiles } from '../reporter/report-files.ts';
import { complianceReportSchema } from '../reporter/report-model.ts';
import { sampleReport } from '../reporter/testing/sample-report.ts';
import { runBaselineCommand } from './baseline-command.ts';
import { runReportCommand } from './report-command.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } }, out: () => out.join(''), err: () => err.join('') };
}

function runDir(name: string, report = sampleReport()): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'hil-cli-')), name);
  writeReportFiles(report, dir, ['json']);
  return dir;
}

const slow = runDir('before', sampleReport({ latencyScale: 1.6 }));
const fast = runDir('after');

describe('mbot-hil baseline', () => {
  test('save stores the run and says what it stored', async () => {
    const t = io();
    const out = join(slow, 'baseline.json');
    expect(await runBaselineCommand(['save', '--report', join(slow, 'compliance.json'), '--out', out], t.io)).toBe(0);
    expect(t.out()).toMatch(/^saved 7 baseline entries \(sim, hardware@bench-a\) from the run of 2026-11-26T10:00:00\.000Z \(commit sample\) to /);
    expect(JSON.parse(readFileSync(out, 'utf8')).schema).toBe('mbot-hil/baseline');
  });

  test('save refuses an interrupted run unless --force', async () => {
    const dir = runDir('interrupted', { ...sampleReport(), run: { ...sampleReport().run, status: 'interrupted', statusReason: 'killed' } });
    const t = io();
    expect(await runBaselineCommand(['save', '--report', join(dir, 'compliance.json'), '--out', join(dir, 'b.json')], t.io)).toBe(2);
    expect(t.err()).toMatch(/HIL_CONFIG_INVALID: .* is from an interrupted run \(killed\).*--force/);
    expect(await runBaselineCommand(['save', '--force', '--report', join(dir, 'compliance.json'), '--out', join(dir, 'b.json')], io().io)).toBe(0);
  });

  test('compare prints baseline vs current with improvement %, and gates on regressions and inconclusive entries', async () => {
    const base = join(slow, 'baseline.json');
    await runBaselineCommand(['save', '--report', join(slow, 'compliance.json'), '--out', base], io().io);
    const t = io();
    expect(await runBaselineCommand(['compare', '--report', join(fast, 'compliance.json'), '--baseline', base], t.io)).toBe(1);
    expect(t.out()).toContain('## Baseline vs current');
    expect(t.out()).toMatch(/\| I-PERF-001 \| sim \| 100 clients \| `websocket\.latency_p99_ms` \| .* \| \+37\.\d % \| ✅ ok \|/);
    expect(t.out()).toMatch(/regression gate FAILED: 0 regression\(s\), 1 inconclusive\n$/);
    expect(await runBaselineCommand(['compare', '--allow-inconclusive', '--report', join(fast, 'compliance.json'), '--baseline', base], io().io)).toBe(0);

    const back = join(fast, 'baseline.json');
    await runBaselineCommand(['save', '--report', join(fast, 'compliance.json'), '--out', back], io().io);
    const r = io();
    expect(await runBaselineCommand(['compare', '--allow-inconclusive', '--json', '--report', join(slow, 'compliance.json'), '--baseline', back], r.io)).toBe(1);
    expect(JSON.parse(r.out()).regressions).toContain('I-PERF-001|sim|100 clients');
  });

  test('--tolerance widens the gate; bad options are usage errors with the help', async () => {
    const back = join(fast, 'baseline.json');
    await runBaselineCommand(['save', '--report', join(fast, 'compliance.json'), '--out', back], io().io);
    const wide = io();
    // The contract sets no tolerance, so the option applies: 70 % lets the 60 % slowdown through.
    expect(await runBaselineCommand(['compare', '--tolerance', '70', '--allow-inconclusive', '--report', join(slow, 'compliance.json'), '--baseline', back], wide.io)).toBe(0);
    const bad = io();
    expect(await runBaselineCommand(['compare', '--tolerance', 'lots'], bad.io)).toBe(2);
    expect(bad.err()).toMatch(/^error HIL_CLI_USAGE: --tolerance must be a number >= 0; got "lots"\n\nUsage: mbot-hil baseline save/);
    expect(await runBaselineCommand(['frobnicate'], io().io)).toBe(2);
    expect(await runBaselineCommand([], io().io)).toBe(2);
  });

  test('--help, and a missing report names the code and the fix', async () => {
    const h = io();
    expect(await runBaselineCommand(['--help'], h.io)).toBe(0);
    expect(h.out()).toContain('regression_tolerance_percent');
    const m = io();
    expect(await runBaselineCommand(['save', '--report', '/nowhere/compliance.json'], m.io)).toBe(2);
    expect(m.err()).toMatch(/^error HIL_CONFIG_INVALID: cannot read the report \/nowhere\/compliance\.json .*npm test/);
  });
});

describe('mbot-hil report', () => {
  test('re-renders md, html and JUnit from a compliance.json', async () => {
    const dir = runDir('rerender');
    const t = io();
    expect(await runReportCommand(['--from', join(dir, 'compliance.json')], t.io)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['compliance.html', 'compliance.json', 'compliance.md', 'junit-hardware.xml', 'junit-sim.xml']);
    expect(t.out().match(/^wrote /gm)).toHaveLength(4);
  });

  test('--baseline adds the comparison to every format, json included; --summary prints the compact summary', async () => {
    const dir = runDir('with-baseline');
    const base = join(slow, 'baseline.json');
    await runBaselineCommand(['save', '--report', join(slow, 'compliance.json'), '--out', base], io().io);
    const out = join(dir, 'out');
    const t = io();
    expect(await runReportCommand(['--from', join(dir, 'compliance.json'), '--out', out, '--baseline', base, '--summary'], t.io)).toBe(0);
    const json = complianceReportSchema.parse(JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')));
    expect(json.baseline?.entries.length).toBe(7);
    expect(readFileSync(join(out, 'compliance.html'), 'utf8')).toContain('<h2>Baseline vs current</h2>');
    expect(t.out()).toContain('### mbot-hil contract compliance: ❌ FAILED');
  });

  test('--format picks formats; a bad one is a usage error', async () => {
    const dir = runDir('formats');
    expect(await runReportCommand(['--from', join(dir, 'compliance.json'), '--format', 'html'], io().io)).toBe(0);
    expect(existsSync(join(dir, 'compliance.md'))).toBe(false);
    const bad = io();
    expect(await runReportCommand(['--format', 'pdf'], bad.io)).toBe(2);
    expect(bad.err()).toMatch(/--format takes a comma-separated list of json, md, html, junit; got "pdf"/);
    expect(await runReportCommand(['--nope'], io().io)).toBe(2);
  });
});
