import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { createSnapshot } from '../metrics/snapshot.ts';
import { buildComplianceReport } from '../reporter/build-report.ts';
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

/** A finished run in which all four invariants passed on sim (and, with `hardware`, on the bench too). */
function passingReport(targets: ('sim' | 'hardware')[] = ['sim']) {
  const contracts = loadContracts({ dir: join(import.meta.dirname, '../../contracts') });
  const values = { 'websocket.latency_p99_ms': 12, 'ui.frame_rate': 60, 'memory.heap_used_mb': 60, drawing_playback_fps: 60, stroke_count: 1200 };
  const tests = targets.map((kind) => {
    const snap = createSnapshot(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v, unit: 'count' as const, samples: 100 }])), { target: { kind }, clock: { kind: 'wall' } });
    const evaluations = contracts.contracts[0]!.invariants.map((inv) => evaluateInvariant(contracts.contracts[0]!, inv, snap));
    return { project: kind, file: 'specs/all.spec.ts', name: 'all', fullName: 'all', state: 'passed' as const, durationMs: 1, errors: [], evaluations };
  });
  return buildComplianceReport({
    tests, contracts, contractsDir: contracts.dir, contractProblems: [], cwd: process.cwd(),
    run: { status: 'passed', statusReason: null, startedAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:01:00.000Z', commit: null, vitest: '4.1.12', projects: targets, merged: false, shard: null },
  });
}

const slow = runDir('before', sampleReport({ latencyScale: 1.6 }));
const fast = runDir('after');

describe('mbot-hil baseline', () => {
  test('save stores the run and says what it stored', async () => {
    const t = io();
    const out = join(slow, 'baseline.json');
    expect(await runBaselineCommand(['save', '--force', '--report', join(slow, 'compliance.json'), '--out', out], t.io)).toBe(0);
    expect(t.err()).toMatch(/^warning: --force: saved a run whose compliance gate failed \(failed: I-PERF-001, I-PERF-002, I-PERF-004\)/);
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

  // Before: `baseline save` stored the sample run (gate FAILED) and exited 0.
  test('save refuses a run whose compliance gate failed unless --force, and stores a passing one', async () => {
    const t = io();
    const out = join(slow, 'refused.json');
    expect(await runBaselineCommand(['save', '--report', join(slow, 'compliance.json'), '--out', out], t.io)).toBe(2);
    expect(t.err()).toMatch(/^error HIL_GATE_FAILED: .* is from a run whose compliance gate failed \(failed: I-PERF-001, I-PERF-002, I-PERF-004\).*--force/);
    expect(existsSync(out)).toBe(false);
    const good = runDir('good', passingReport());
    expect(await runBaselineCommand(['save', '--report', join(good, 'compliance.json'), '--out', join(good, 'b.json')], io().io)).toBe(0);
  });

  // Before: compare exited 0 on a run whose own gate failed, when no metric regressed.
  test('compare fails (99) on a failed compliance gate even without a regression; 0 when both gates pass', async () => {
    const good = runDir('good-compare', passingReport());
    await runBaselineCommand(['save', '--report', join(good, 'compliance.json'), '--out', join(good, 'b.json')], io().io);
    const pass = io();
    expect(await runBaselineCommand(['compare', '--allow-inconclusive', '--report', join(good, 'compliance.json'), '--baseline', join(good, 'b.json')], pass.io)).toBe(0);
    expect(pass.out()).toContain('compliance gate PASSED');
    const base = join(fast, 'self.json');
    await runBaselineCommand(['save', '--force', '--report', join(fast, 'compliance.json'), '--out', base], io().io);
    const t = io();
    expect(await runBaselineCommand(['compare', '--allow-inconclusive', '--report', join(fast, 'compliance.json'), '--baseline', base], t.io)).toBe(99);
    expect(t.out()).toMatch(/regression gate PASSED: 0 regression\(s\).*\ncompliance gate FAILED: failed: I-PERF-001, I-PERF-002, I-PERF-004/);
  });

  test('compare prints baseline vs current with improvement %, and gates on regressions and inconclusive entries', async () => {
    const base = join(slow, 'baseline.json');
    await runBaselineCommand(['save', '--force', '--report', join(slow, 'compliance.json'), '--out', base], io().io);
    const t = io();
    expect(await runBaselineCommand(['compare', '--report', join(fast, 'compliance.json'), '--baseline', base], t.io)).toBe(1);
    expect(t.out()).toContain('## Baseline vs current');
    expect(t.out()).toMatch(/\| I-PERF-001 \| sim \| 100 clients \| `websocket\.latency_p99_ms` \| .* \| \+37\.\d % \| ✅ ok \|/);
    expect(t.out()).toMatch(/regression gate FAILED: 0 regression\(s\), 1 inconclusive\n/);
    // No regression left, but the sample run's own gate failed.
    expect(await runBaselineCommand(['compare', '--allow-inconclusive', '--report', join(fast, 'compliance.json'), '--baseline', base], io().io)).toBe(99);

    const back = join(fast, 'baseline.json');
    await runBaselineCommand(['save', '--force', '--report', join(fast, 'compliance.json'), '--out', back], io().io);
    const r = io();
    expect(await runBaselineCommand(['compare', '--allow-inconclusive', '--json', '--report', join(slow, 'compliance.json'), '--baseline', back], r.io)).toBe(1);
    expect(JSON.parse(r.out()).regressions).toContain('I-PERF-001|sim|100 clients');
  });

  test('--tolerance widens the gate; bad options are usage errors with the help', async () => {
    const back = join(fast, 'baseline.json');
    await runBaselineCommand(['save', '--force', '--report', join(fast, 'compliance.json'), '--out', back], io().io);
    const wide = io();
    // The contract sets no tolerance, so the option applies: 70 % lets the 60 % slowdown through
    // (99, not 1: no regression, but the sample run's own compliance gate failed).
    expect(await runBaselineCommand(['compare', '--tolerance', '70', '--allow-inconclusive', '--report', join(slow, 'compliance.json'), '--baseline', back], wide.io)).toBe(99);
    expect(wide.out()).toContain('regression gate PASSED');
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
    await runBaselineCommand(['save', '--force', '--report', join(slow, 'compliance.json'), '--out', base], io().io);
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

  // Before: there was no way to gate a merged or downloaded report; `mbot-hil report` exited 0 on a failed gate.
  test('--check gates a compliance.json: 99 when it fails, 0 when it passes, 2 when unreadable; writes nothing', async () => {
    const failing = runDir('check-failing');
    const t = io();
    expect(await runReportCommand(['--check', join(failing, 'compliance.json')], t.io)).toBe(99);
    expect(t.out()).toMatch(/compliance\.json: contract compliance FAILED \(1 pass, 3 fail, 0 not evaluated, 0 not run\)\n {2}gate: failed: I-PERF-001, I-PERF-002, I-PERF-004\n$/);
    expect(readdirSync(failing)).toEqual(['compliance.json']);

    const good = runDir('check-good', passingReport());
    const ok = io();
    expect(await runReportCommand(['--check', join(good, 'compliance.json')], ok.io)).toBe(0);
    expect(ok.out()).toContain('contract compliance PASSED (4 pass, 0 fail, 0 not evaluated, 0 not run)');
    const hw = io();
    expect(await runReportCommand(['--check', join(good, 'compliance.json'), '--require-targets', 'sim,hardware'], hw.io)).toBe(99);
    expect(hw.out()).toContain('required but not passed: I-PERF-001 on hardware: not-run');
    const both = runDir('check-both', passingReport(['sim', 'hardware']));
    expect(await runReportCommand(['--check', join(both, 'compliance.json'), '--require-targets', 'sim,hardware'], io().io)).toBe(0);

    // A hand-edited gate does not pass: the gate is recomputed from the evaluations.
    const forged = sampleReport();
    const edited = runDir('check-edited', { ...forged, gate: { passed: true, failed: [], notEvaluated: [], notRun: [] } });
    expect(await runReportCommand(['--check', join(edited, 'compliance.json')], io().io)).toBe(99);
    // Nothing ran: never PASSED.
    const empty = runDir('check-empty', { ...passingReport(), contracts: passingReport().contracts.map((c) => ({ ...c, invariants: c.invariants.map((i) => ({ ...i, verdict: 'not-run' as const, byTarget: {}, byProject: {}, evaluations: [] })) })) });
    const e = io();
    expect(await runReportCommand(['--check', join(empty, 'compliance.json')], e.io)).toBe(99);
    expect(e.out()).toContain('no invariant was evaluated in this run');

    const missing = io();
    expect(await runReportCommand(['--check', '/nowhere/compliance.json'], missing.io)).toBe(2);
    expect(missing.err()).toMatch(/HIL_CONFIG_INVALID: cannot read the report/);
    expect(await runReportCommand(['--check', join(good, 'compliance.json'), '--out', '/tmp/x'], io().io)).toBe(2);
    expect(await runReportCommand(['--require-targets', 'sim'], io().io)).toBe(2);
  });
});
