import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contractFixtures, GOOD, loadError, withLine, without, y } from './test-fixtures.ts';

const { dirWith, cleanup } = contractFixtures();
afterAll(cleanup);

// Lines of GOOD: 1 contract: / 2 name / 3 invariants: / 4 - id / 5 name /
// 6 validation: / 7 - type / 8 check. Each case breaks one thing and pins
// the exact code, line and column the loader must report.
describe('malformed contracts: each problem at its exact line and column', () => {
  it.each(([
    // YAML syntax
    ['tab indentation', y('contract:', '\tname: T'), 'HIL_CONTRACT_YAML_SYNTAX', 2, 1],
    ['duplicate key', withLine(2, ['  name: A', '  name: B']), 'HIL_CONTRACT_YAML_SYNTAX', 3, 3],
    ['two documents', `${y(...GOOD)}---\n${y(...GOOD)}`, 'HIL_CONTRACT_YAML_SYNTAX', 9, 1],
    ['two colons in a plain value', withLine(5, '    name: a: b'), 'HIL_CONTRACT_YAML_SYNTAX', 5, 11],
    ['unterminated quote (reported where the file ends)', withLine(8, '        check: "x <= 1'), 'HIL_CONTRACT_YAML_SYNTAX', 9, 1],
    ['alias without an anchor', withLine(2, '  name: *nope'), 'HIL_CONTRACT_YAML_SYNTAX', 2, 9],
    // Whole-file shape
    ['empty file', '', 'HIL_CONTRACT_SCHEMA', 1, 1],
    ['only a comment', '# nothing here\n', 'HIL_CONTRACT_SCHEMA', 1, 1],
    ['top level is a list', y('# a list', '- a', '- b'), 'HIL_CONTRACT_SCHEMA', 2, 1],
    ['top level is a scalar', 'just text\n', 'HIL_CONTRACT_SCHEMA', 1, 1],
    ['no contract header', y('# header missing', ...GOOD.slice(2)), 'HIL_CONTRACT_SCHEMA', 2, 1],
    ['header is a string', withLine(1, 'contract: perf').replace('  name: Test Contract\n', ''), 'HIL_CONTRACT_SCHEMA', 1, 11],
    ['header without name', withLine(2, '  version: 1.0.0'), 'HIL_CONTRACT_SCHEMA', 2, 3],
    ['header name empty', withLine(2, '  name: ""'), 'HIL_CONTRACT_SCHEMA', 2, 9],
    ['header version a list', withLine(2, ['  name: T', '  version: [1]']), 'HIL_CONTRACT_SCHEMA', 3, 12],
    ['no invariants', y('contract:', '  name: T'), 'HIL_CONTRACT_SCHEMA', 1, 1],
    ['invariants empty', y('contract:', '  name: T', 'invariants: []'), 'HIL_CONTRACT_SCHEMA', 3, 13],
    ['invariant is a string', y('contract:', '  name: T', 'invariants:', '  - just text'), 'HIL_CONTRACT_SCHEMA', 4, 5],
    // Invariant fields
    ['id in the wrong shape', withLine(4, '  - id: perf-1'), 'HIL_CONTRACT_SCHEMA', 4, 9],
    ['id missing', withLine(4, '  - description: no id'), 'HIL_CONTRACT_SCHEMA', 4, 5],
    ['name missing', without(5), 'HIL_CONTRACT_SCHEMA', 4, 5],
    ['severity not text', withLine(5, ['    name: N', '    severity: 3']), 'HIL_CONTRACT_SCHEMA', 6, 15],
    ['validation missing', y(...GOOD.slice(0, 5)), 'HIL_CONTRACT_SCHEMA', 4, 5],
    ['validation empty list', y(...GOOD.slice(0, 5), '    validation: []'), 'HIL_CONTRACT_SCHEMA', 6, 17],
    ['validation with no value', y(...GOOD.slice(0, 6)), 'HIL_CONTRACT_SCHEMA', 6, 5],
    ['validation entry is a scalar', withLine(7, '      - x <= 1').replace('        check: x <= 1\n', ''), 'HIL_CONTRACT_SCHEMA', 7, 9],
    ['type missing', withLine(7, '      - failure_mode: alert'), 'HIL_CONTRACT_SCHEMA', 7, 9],
    ['check missing', without(8), 'HIL_CONTRACT_SCHEMA', 7, 9],
    ['check is a number', withLine(8, '        check: 5'), 'HIL_CONTRACT_SCHEMA', 8, 16],
    ['check with no value', withLine(8, '        check:'), 'HIL_CONTRACT_SCHEMA', 8, 9],
    ['duplicate id in one file', y(...GOOD, ...GOOD.slice(3)), 'HIL_CONTRACT_DUPLICATE_ID', 9, 9],
    // Check expressions: the column is that of the offending character
    ['check empty', withLine(8, '        check: ""'), 'HIL_EXPR_EMPTY', 8, 17],
    ['check cut short', withLine(8, '        check: x <='), 'HIL_EXPR_SYNTAX', 8, 20],
    ['check calls a function', withLine(8, '        check: process.exit(1) == 0'), 'HIL_EXPR_FORBIDDEN', 8, 16],
    ['check assigns', withLine(8, '        check: x = 1'), 'HIL_EXPR_FORBIDDEN', 8, 18],
    ['check uses %', withLine(8, '        check: x % 2 == 0'), 'HIL_EXPR_UNKNOWN_OPERATOR', 8, 18],
    ['check is a number expression', withLine(8, '        check: x + 1'), 'HIL_EXPR_NOT_BOOLEAN', 8, 16],
    ['check chains comparisons', withLine(8, '        check: 0 < x < 1'), 'HIL_EXPR_TYPE_MISMATCH', 8, 16],
    ['check metric not lower_snake', withLine(8, '        check: UI.fps >= 60'), 'HIL_METRIC_INVALID', 8, 16],
    ['double-quoted check', withLine(8, '        check: "a[\'b\'] > 1"'), 'HIL_EXPR_FORBIDDEN', 8, 18],
    ['single-quoted check with an escaped quote', withLine(8, "        check: 'x == ''s'''"), 'HIL_EXPR_FORBIDDEN', 8, 22],
    ['plain check over two lines', withLine(8, ['        check: x <= 1', '          && y === 2']), 'HIL_EXPR_UNKNOWN_OPERATOR', 9, 16],
    ['folded block check', withLine(8, ['        check: >-', '          x <= 1 &&', '          y ?? 2']), 'HIL_EXPR_UNKNOWN_OPERATOR', 10, 13],
    ['literal block check', withLine(8, ['        check: |', '          x <= 1 &&', '          globalThis.y > 2']), 'HIL_EXPR_FORBIDDEN', 10, 11],
  ] as Array<[string, string, string, number, number]>).map(([name, text, code, line, column]) => ({ name, text, code, line, column })))('$name -> $code at $line:$column', ({ text, code, line, column }) => {
    const dir = dirWith({ 'c.yml': text });
    const err = loadError(dir);
    expect(err.code).toBe('HIL_CONTRACTS_INVALID');
    expect(err.problems.map((p) => ({ code: p.code, line: p.line, column: p.column }))).toEqual([{ code, line, column }]);
    const file = join(dir, 'c.yml');
    expect(err.problems[0]?.file).toBe(file);
    expect(err.message).toContain(`${file}:${line}:${column}: `);
  });

  it('says how to fix a missing check and names the YAML path', () => {
    const [p] = loadError(dirWith({ 'c.yml': without(8) })).problems;
    expect(p?.path).toBe('invariants[0].validation[0].check');
    expect(p?.message).toContain('add a `check:` expression such as `websocket.latency_p99_ms <= 50`');
    const [q] = loadError(dirWith({ 'c.yml': withLine(4, '  - id: perf-1') })).problems;
    expect(q?.message).toMatch(/like `I-PERF-001`/);
    const [r] = loadError(dirWith({ 'c.yml': withLine(8, '        check:') })).problems;
    expect(r?.message).toContain('has no `check`; add a `check:` expression');
  });
});

