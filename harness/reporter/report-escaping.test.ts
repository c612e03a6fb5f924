// Hostile text in test names, labels and reasons (issue 12). Before: a bare
// CR split a compliance.md table row, ESC/BEL/NUL were written raw, and
// `![img](http://…)` / `[x](…)` rendered as an image and a link. The JUnit
// and HTML writers already replaced C0 controls; they are held to it here.
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadContracts } from '../contracts/index.ts';
import { evaluateInvariant } from '../evaluation/evaluate.ts';
import { createSnapshot } from '../metrics/snapshot.ts';
import { buildComplianceReport } from './build-report.ts';
import { renderHtml } from './html-report.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderMarkdownSummary } from './markdown-sections.ts';
import { reproduceCommand } from './reproduce.ts';

const contracts = loadContracts({ dir: resolve(import.meta.dirname, '../../contracts') });
const HOSTILE = 'evil\rrow | \u001b[31mred\u0007 nul\u0000 ![img](http://x.example/p.png) [click](http://x.example/) \u202Eright-to-left';

function hostileReport() {
  const found = contracts.findInvariant('I-PERF-001')!;
  const snap = createSnapshot({ 'websocket.latency_p99_ms': { value: 80, unit: 'ms', samples: 100 } }, { target: { kind: 'sim', port: `/dev/tty\u001bX` }, clock: { kind: 'virtual' }, seed: 1 });
  const e = evaluateInvariant(found.contract, found.invariant, snap, { label: HOSTILE });
  return buildComplianceReport({
    tests: [{ project: 'sim', file: 'specs/x.spec.ts', name: HOSTILE, fullName: `perf > ${HOSTILE}`, state: 'failed', durationMs: 1, errors: [HOSTILE], evaluations: [e] }],
    contracts, contractsDir: contracts.dir, contractProblems: [], cwd: '/',
    run: { status: 'failed', statusReason: null, startedAt: '2026-11-26T10:00:00.000Z', finishedAt: '2026-11-26T10:01:00.000Z', commit: null, vitest: '4.1.12', projects: ['sim'], merged: false, shard: null },
  });
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u202e]/;
/** Pipes not escaped with a backslash: the cell separators GitHub sees. */
const cellSeparators = (line: string) => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1;

describe('hostile text in reports', () => {
  const report = hostileReport();

  test('compliance.md: no raw control character, no CR, rows stay rows, links and images stay text', () => {
    for (const md of [renderMarkdown(report), renderMarkdownSummary(report)]) {
      expect(md).not.toMatch(RAW_CONTROL);
      expect(md).not.toContain('\r');
      // No unescaped `[text](url)`: with the brackets escaped, neither a link nor an image can form.
      expect(md).not.toMatch(/(?<!\\)\[[^\]\n]*(?<!\\)\]\(/);
      expect(md).toContain('!\\[img\\](http://x.example/p.png)');
      // Shown as text (`\x1B` renders from the escaped `\\x1B`), so a reader sees they were there.
      expect(md).toContain('\\\\x1B\\[31mred\\\\x07 nul\\\\x00');
      expect(md).toContain('\\\\u202Eright-to-left');
    }
    const md = renderMarkdown(report);
    const lines = md.split('\n');
    const header = lines.find((l) => l.startsWith('| Verdict | Measured'))!;
    const row = lines.find((l) => l.startsWith('| ❌ fail |'))!;
    expect(cellSeparators(row)).toBe(cellSeparators(header));
  });

  test('the reproduce command carries no raw control character and still matches the name', () => {
    const cmd = reproduceCommand(report.contracts[0]!.invariants[0]!.evaluations[0]!);
    expect(cmd).not.toMatch(RAW_CONTROL);
    expect(cmd).not.toContain('\r');
    expect(cmd).toContain("-t '^perf evil\\rrow \\| \\x1B\\[31mred\\x07 nul\\x00");
  });

  test('JUnit XML holds no character XML 1.0 forbids, and HTML no raw control or markup from the name', () => {
    const xml = renderJunit(report, 'sim');
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).not.toContain('<img');
    const html = renderHtml(report);
    // A CR in an HTML text node is only whitespace; every other control is replaced.
    // eslint-disable-next-line no-control-regex
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202e]/);
    expect(html).not.toContain('<img src="http://x.example');
    expect(html).not.toContain('href="http://x.example');
  });
});
