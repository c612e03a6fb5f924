import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildCoverage } from './coverage.ts';
import { junitFileName, renderJunit, xmlEscape } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderMarkdownSummary } from './markdown-sections.ts';
import { appendStepSummary, readComplianceReport, writeReportFiles } from './report-files.ts';
import { sampleReport } from './testing/sample-report.ts';

const report = sampleReport({ firstTestName: 'latency <b>&</b> "quoted" \u0007 bell' });

describe('JUnit XML', () => {
  const sim = renderJunit(report, 'sim');
  const hw = renderJunit(report, 'hardware');

  test('one testsuite per contract, a testcase per evaluation of the project, skipped ones for invariants it never ran', () => {
    expect(sim.match(/<testsuite /g)).toHaveLength(1);
    expect(sim).toMatch(/<testsuites name="mbot-hil contract compliance \(sim\)" tests="4" failures="2" errors="0" skipped="0">/);
    expect(hw).toMatch(/<testsuites [^>]*tests="4" failures="2" errors="0" skipped="1">/);
    expect(hw).toContain('<skipped message="not run: no spec evaluated I-PERF-004 in project &quot;hardware&quot;"/>');
    expect(sim).toContain('classname="feature_performance.I-PERF-001"');
  });

  test('a failure carries each failed check, measured against threshold, and the reproduce command', () => {
    const failure = hw.slice(hw.indexOf('<failure'), hw.indexOf('</failure>'));
    expect(failure).toMatch(/message="websocket\.latency_p99_ms = [\d.]+ ms violates &lt;= 50" type="fail"/);
    expect(failure).toContain('websocket.latency_p99_ms = ');
    expect(failure).toContain('(threshold &lt;= 50, 3000 samples) VIOLATED');
    expect(failure).toContain('reproduce: HIL_PORT=/dev/ttyUSB0 HIL_BENCH=bench-a npx vitest run --project hardware');
    expect(hw).toContain('type="not-evaluated"');
  });

  test('escapes markup, quotes and characters XML cannot hold', () => {
    expect(sim).toContain('latency &lt;b&gt;&amp;&lt;/b&gt; &quot;quoted&quot; \ufffd bell');
    expect(sim).not.toContain('\u0007');
    expect(xmlEscape(`a<'b'>&"\ud800`)).toBe('a&lt;&apos;b&apos;&gt;&amp;&quot;\ufffd');
  });

  test('file names are safe per project', () => {
    expect(junitFileName('sim')).toBe('junit-sim.xml');
    expect(junitFileName('')).toBe('junit-default.xml');
    expect(junitFileName('../evil name')).toBe('junit-evil_name.xml');
  });
});

describe('coverage', () => {
  test('matrix of invariants × targets and benches; never-ran and one-sided invariants listed', () => {
    const cov = buildCoverage(report.contracts);
    expect(cov.targets).toEqual(['sim', 'hardware']);
    expect(cov.benches).toEqual(['bench-a']);
    expect(cov.invariants.find((i) => i.id === 'I-PERF-004')).toMatchObject({ byTarget: { sim: 'fail', hardware: 'not-run' }, byBench: { 'bench-a': 'not-run' }, ranOn: ['sim'] });
    expect(cov.partial).toEqual(['I-PERF-004']);
    expect(cov.neverRan).toEqual([]);
    const none = buildCoverage(report.contracts.map((c) => ({ ...c, invariants: c.invariants.map((i) => ({ ...i, evaluations: [] })) })));
    expect(none.neverRan).toEqual(['I-PERF-001', 'I-PERF-002', 'I-PERF-003', 'I-PERF-004']);
    expect(report.coverage).toEqual(cov);
  });

  test('Markdown shows the coverage matrix', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('## Invariant coverage');
    expect(md).toContain('| Invariant | sim | hardware | bench bench-a |');
    expect(md).toContain('| I-PERF-004 Drawing Playback Performance | ❌ fail | ⏸ not run | ⏸ not run |');
    expect(md).toContain('Ran on only one of sim/hardware: I-PERF-004');
  });
});

describe('CI job summary', () => {
  test('is compact: gate, a row per invariant with targets and benches, failed checks', () => {
    const s = renderMarkdownSummary(report);
    expect(s).toMatch(/^### mbot-hil contract compliance: ❌ FAILED/);
    expect(s).toContain('| I-PERF-001 WebSocket Latency Target | ❌ fail | ✅ pass | ❌ fail | ❌ fail |');
    expect(s).toContain('<details><summary>Failed and unevaluated checks</summary>');
    expect(s.length).toBeLessThan(renderMarkdown(report).length);
    expect(s).not.toContain('<b>');
  });

  test('is appended to $GITHUB_STEP_SUMMARY when set, and nothing happens when not', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hil-summary-')), 'summary.md');
    writeFileSync(file, '# earlier step\n');
    expect(appendStepSummary(report, { GITHUB_STEP_SUMMARY: file })).toBe(file);
    expect(readFileSync(file, 'utf8')).toMatch(/^# earlier step\n### mbot-hil contract compliance/);
    expect(appendStepSummary(report, {})).toBeNull();
  });
});

describe('report files', () => {
  test('writes json, md, html and a JUnit file per project; the JSON reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-files-'));
    writeReportFiles(report, dir);
    expect(readdirSync(dir).sort()).toEqual(['compliance.html', 'compliance.json', 'compliance.md', 'junit-hardware.xml', 'junit-sim.xml']);
    expect(readComplianceReport(join(dir, 'compliance.json'))).toEqual(report);
    writeFileSync(join(dir, 'broken.json'), '{"schema":"mbot-hil/compliance-report"}');
    expect(() => readComplianceReport(join(dir, 'broken.json'))).toThrow(/HIL_REPORT_SCHEMA/);
    expect(() => readComplianceReport(join(dir, 'none.json'))).toThrow(/HIL_CONFIG_INVALID.*npm test/);
  });
});
