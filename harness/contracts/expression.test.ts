import jsep from 'jsep';
import { describe, expect, it } from 'vitest';
import { ContractError } from '../errors.ts';
import { compileCheck } from './expression.ts';
import type { CheckOutcome } from './types.ts';

const WHERE = { file: 'contracts/t.yml', line: 7, column: 16, path: 'invariants[0].validation[0].check' };

function compile(source: string) {
  return compileCheck(source, WHERE);
}

function compileError(source: string): ContractError {
  try {
    compile(source);
  } catch (err) {
    if (err instanceof ContractError) return err;
    throw err;
  }
  throw new Error(`expected \`${source}\` to be rejected`);
}

function passed(outcome: CheckOutcome): boolean {
  if (outcome.kind !== 'value') throw new Error(`expected a value, got missing ${outcome.missing.join(', ')}`);
  return outcome.passed;
}

describe('compileCheck: the language', () => {
  it('compiles the reference checks and lists metrics sorted and unique', () => {
    const c = compile('drawing_playback_fps >= 60.0 && stroke_count >= 1000 && drawing_playback_fps < 1000');
    expect(c.metrics).toEqual(['drawing_playback_fps', 'stroke_count']);
    expect(c.comparisons.map((x) => x.left)).toEqual(['drawing_playback_fps', 'stroke_count', 'drawing_playback_fps']);
    expect(passed(c.evaluate({ drawing_playback_fps: 60, stroke_count: 1000 }))).toBe(true);
    expect(passed(c.evaluate({ drawing_playback_fps: 59.9, stroke_count: 1000 }))).toBe(false);
  });

  it('flattens dotted names into one metric', () => {
    const c = compile('websocket.latency_p99_ms <= 50.0');
    expect(c.metrics).toEqual(['websocket.latency_p99_ms']);
    expect(c.comparisons).toEqual([
      { op: '<=', left: 'websocket.latency_p99_ms', right: '50.0', metric: 'websocket.latency_p99_ms', threshold: 50, metricOp: '<=' },
    ]);
  });

  it('gives * and / precedence over + and -, and + - over comparisons', () => {
    const c = compile('a + b * c == 7');
    expect(passed(c.evaluate({ a: 1, b: 2, c: 3 }))).toBe(true); // (1+2)*3 would be 9
    expect(passed(compile('a - b - c == 0').evaluate({ a: 5, b: 3, c: 2 }))).toBe(true); // left-associative
    expect(passed(compile('(a + b) * c == 9').evaluate({ a: 1, b: 2, c: 3 }))).toBe(true);
    expect(passed(compile('a / b * c == 6').evaluate({ a: 4, b: 2, c: 3 }))).toBe(true);
  });

  it('binds && tighter than || and supports ! and unary minus', () => {
    const c = compile('a > 0 || b > 0 && c > 0');
    expect(passed(c.evaluate({ a: 1, b: 0, c: 0 }))).toBe(true);
    expect(passed(c.evaluate({ a: 0, b: 1, c: 0 }))).toBe(false);
    expect(passed(compile('!(a > 1)').evaluate({ a: 0 }))).toBe(true);
    expect(passed(compile('!(a > 1)').evaluate({ a: 2 }))).toBe(false);
    expect(passed(compile('!!(a > 1)').evaluate({ a: 2 }))).toBe(true);
    expect(passed(compile('-a < -5').evaluate({ a: 6 }))).toBe(true);
    expect(passed(compile('a > 1 || false').evaluate({ a: 2 }))).toBe(true);
  });

  it('reports every comparison with both values, even those || did not need', () => {
    const out = compile('a < 1 || b > 2').evaluate({ a: 0, b: 0 });
    expect(out).toEqual({
      kind: 'value',
      passed: true,
      comparisons: [
        { op: '<', left: 'a', right: '1', metric: 'a', threshold: 1, metricOp: '<', leftValue: 0, rightValue: 1, passed: true },
        { op: '>', left: 'b', right: '2', metric: 'b', threshold: 2, metricOp: '>', leftValue: 0, rightValue: 2, passed: false },
      ],
    });
  });
});

describe('compileCheck: thresholds', () => {
  it.each([
    ['x <= 50', { metric: 'x', threshold: 50, metricOp: '<=' }],
    ['50 >= x', { metric: 'x', threshold: 50, metricOp: '<=' }],
    ['60 < ui.frame_rate', { metric: 'ui.frame_rate', threshold: 60, metricOp: '>' }],
    ['0 == errors', { metric: 'errors', threshold: 0, metricOp: '==' }],
    ['x != -1', { metric: 'x', threshold: -1, metricOp: '!=' }],
    ['(x) <= 2 * 25', { metric: 'x', threshold: 50, metricOp: '<=' }],
  ])('%s', (source, expected) => {
    const [c] = compile(source).comparisons;
    expect(c).toMatchObject(expected);
  });

  it('leaves metric/threshold unset when neither side is a lone metric against a number', () => {
    for (const source of ['a <= b', 'a + 1 <= 5', '-a < 5', 'a / b > 1']) {
      const [c] = compile(source).comparisons;
      expect(c?.metric, source).toBeUndefined();
      expect(c?.threshold, source).toBeUndefined();
    }
  });

  it('evaluates reversed comparisons the way they read', () => {
    const c = compile('50 >= x');
    expect(passed(c.evaluate({ x: 50 }))).toBe(true);
    expect(passed(c.evaluate({ x: 51 }))).toBe(false);
  });
});

describe('evaluate: missing and odd values', () => {
  it('reports every missing metric, even where && / || would not need it', () => {
    const c = compile('a > 1 && (b > 1 || c > 1)');
    expect(c.evaluate({})).toEqual({ kind: 'missing', missing: ['a', 'b', 'c'] });
    // a is false, so && would short-circuit; b and c are still required.
    expect(c.evaluate({ a: 0 })).toEqual({ kind: 'missing', missing: ['b', 'c'] });
    expect(c.evaluate({ a: 2, b: 2 })).toEqual({ kind: 'missing', missing: ['c'] });
    expect(compile('x > 1').evaluate({ x: undefined })).toEqual({ kind: 'missing', missing: ['x'] });
  });

  it('fails (never throws) on division by zero and reports the non-finite value', () => {
    const out = compile('a / b > 1').evaluate({ a: 1, b: 0 });
    expect(out).toMatchObject({ kind: 'value', passed: false, comparisons: [{ leftValue: Infinity, passed: false }] });
    const nan = compile('a / b != 1').evaluate({ a: 0, b: 0 });
    expect(nan).toMatchObject({ kind: 'value', passed: false, comparisons: [{ passed: false }] });
    expect(Number.isNaN((nan as Extract<CheckOutcome, { kind: 'value' }>).comparisons[0]?.leftValue)).toBe(true);
  });

  it('never passes a check that touched a non-finite number, whatever the logic around it', () => {
    expect(compile('!(a / b > 1)').evaluate({ a: 1, b: 0 })).toMatchObject({ passed: false });
    expect(compile('x < 1 || a / b > 1').evaluate({ x: 0, a: 1, b: 0 })).toMatchObject({ passed: false });
    expect(compile('x <= 50').evaluate({ x: Number.NaN })).toMatchObject({ passed: false });
    expect(compile('x >= 0').evaluate({ x: Infinity })).toMatchObject({ passed: false });
  });

  it('reads metrics only as own data properties, never from the prototype chain', () => {
    const c = compile('value > 0 && x.y > 0');
    expect(c.evaluate({ toString: 1, valueOf: 2 } as never)).toEqual({ kind: 'missing', missing: ['value', 'x.y'] });
    const inherited = Object.create({ value: 5, 'x.y': 5 }) as Record<string, number>;
    expect(c.evaluate(inherited)).toEqual({ kind: 'missing', missing: ['value', 'x.y'] });
    let getterRan = false;
    const withGetter = { 'x.y': 1, get value() { getterRan = true; return 1; } };
    expect(c.evaluate(withGetter)).toEqual({ kind: 'missing', missing: ['value'] });
    expect(getterRan).toBe(false);
    // A hostile prototype on the values object changes nothing either.
    const polluted = JSON.parse('{"__proto__": {"value": 9}, "x.y": 1}') as Record<string, number>;
    expect(c.evaluate(polluted)).toEqual({ kind: 'missing', missing: ['value'] });
    expect(c.evaluate({ value: '3' as unknown as number, 'x.y': 1 })).toEqual({ kind: 'missing', missing: ['value'] });
    expect(c.evaluate(null as never)).toEqual({ kind: 'missing', missing: ['value', 'x.y'] });
  });

  it('is frozen and reusable', () => {
    const c = compile('x > 1');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.comparisons[0])).toBe(true);
    expect(passed(c.evaluate({ x: 2 }))).toBe(true);
    expect(passed(c.evaluate({ x: 0 }))).toBe(false);
  });
});

describe('compileCheck: rejections', () => {
  it.each([
    // The attacks from the brief: all rejected at load time.
    ['process.exit(1) == 0', 'HIL_EXPR_FORBIDDEN', 0],
    ['constructor.constructor("x")() > 0', 'HIL_EXPR_FORBIDDEN', 0],
    ['a["b"] > 1', 'HIL_EXPR_FORBIDDEN', 1],
    ['this.x > 1', 'HIL_EXPR_FORBIDDEN', 0],
    ['__proto__.polluted > 0', 'HIL_EXPR_FORBIDDEN', 0],
    ['globalThis.x > 1', 'HIL_EXPR_FORBIDDEN', 0],
    ['a ? 1 : 2', 'HIL_EXPR_FORBIDDEN', 2],
    ['"s" == "s"', 'HIL_EXPR_FORBIDDEN', 0],
    ['[1] == 1', 'HIL_EXPR_FORBIDDEN', 0],
    ['x = 1', 'HIL_EXPR_FORBIDDEN', 2],
    // More of the same family.
    ['x += 1', 'HIL_EXPR_FORBIDDEN', 2],
    ['f() > 1', 'HIL_EXPR_FORBIDDEN', 1],
    ['a.b(1) > 1', 'HIL_EXPR_FORBIDDEN', 3],
    ['a.constructor > 1', 'HIL_EXPR_FORBIDDEN', 2],
    ['a.prototype.b > 1', 'HIL_EXPR_FORBIDDEN', 2],
    ['x > null', 'HIL_EXPR_FORBIDDEN', 4],
    ['NaN != x', 'HIL_EXPR_FORBIDDEN', 0],
    ['x < Infinity', 'HIL_EXPR_FORBIDDEN', 4],
    ['(a + b).c > 1', 'HIL_EXPR_FORBIDDEN', 1],
    ['x > 1 && a[0] > 1', 'HIL_EXPR_FORBIDDEN', 10],
    // Operators outside the allowed set.
    ['a % 2 == 0', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['a ** 2 > 1', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['a === 1', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['a !== 1', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['(a & b) > 0', 'HIL_EXPR_UNKNOWN_OPERATOR', 3],
    ['a | b > 0', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['a ^ b > 0', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['~a > 0', 'HIL_EXPR_UNKNOWN_OPERATOR', 0],
    ['a << 2 > 0', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['a >> 2 > 0', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['a ?? b', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['+a > 0', 'HIL_EXPR_UNKNOWN_OPERATOR', 0],
    ['a in b', 'HIL_EXPR_UNKNOWN_OPERATOR', 2],
    ['typeof a > 1', 'HIL_EXPR_UNKNOWN_OPERATOR', 0],
    ['a?.b > 1', 'HIL_EXPR_UNKNOWN_OPERATOR', 1],
    // Shape and types.
    ['', 'HIL_EXPR_EMPTY', 0],
    ['   ', 'HIL_EXPR_EMPTY', 0],
    ['x <=', 'HIL_EXPR_SYNTAX', 4],
    ['(x > 1', 'HIL_EXPR_SYNTAX', 6],
    ['x > 1 y < 2', 'HIL_EXPR_SYNTAX', 6],
    ['x > 1, y < 2', 'HIL_EXPR_SYNTAX', 5],
    ['x > 1e999', 'HIL_EXPR_NOT_FINITE', 4],
    ['x > 1abc', 'HIL_EXPR_SYNTAX', 5],
    ['x + 1', 'HIL_EXPR_NOT_BOOLEAN', 0],
    ['stroke_count', 'HIL_EXPR_NOT_BOOLEAN', 0],
    ['a > 1 && b', 'HIL_EXPR_NOT_BOOLEAN', 9],
    ['!a', 'HIL_EXPR_NOT_BOOLEAN', 1],
    ['a < b < c', 'HIL_EXPR_TYPE_MISMATCH', 0],
    ['(a < b) + 1 > 0', 'HIL_EXPR_TYPE_MISMATCH', 0],
    ['-(a < b)', 'HIL_EXPR_TYPE_MISMATCH', 1],
    ['toString > 0', 'HIL_METRIC_INVALID', 0],
    ['UI.fps > 0', 'HIL_METRIC_INVALID', 0],
    ['ui.$fps > 0', 'HIL_METRIC_INVALID', 0],
  ])('%j -> %s at index %i', (source, code, index) => {
    const err = compileError(source);
    expect({ code: err.code, line: err.line, column: err.column, path: err.path }).toEqual({
      code,
      line: WHERE.line,
      column: WHERE.column + index,
      path: WHERE.path,
    });
    expect(err.file).toBe(WHERE.file);
    expect(err.message).toContain(`${WHERE.file}:${WHERE.line}:${WHERE.column + index}`);
  });

  it('says how to fix it', () => {
    expect(compileError('a === 1').message).toMatch(/write `==`/);
    expect(compileError('x = 1').message).toMatch(/`==`/);
    expect(compileError('x + 1').message).toMatch(/compare it with a threshold, e\.g\. `x \+ 1 <= 50`/);
    expect(compileError('').message).toMatch(/websocket\.latency_p99_ms <= 50/);
    expect(compileError('a < b < c').message).toMatch(/a < b && b < c/);
  });

  it('maps indices through `locate` when given (multi-line and quoted scalars)', () => {
    const err = (() => {
      try {
        compileCheck('a >\n b % 2', { ...WHERE, locate: (i) => ({ line: 100 + i, column: 1 }) });
      } catch (e) {
        return e as ContractError;
      }
      throw new Error('expected a rejection');
    })();
    expect([err.code, err.line, err.column]).toEqual(['HIL_EXPR_UNKNOWN_OPERATOR', 107, 1]);
  });

  it('leaves the global jsep configuration alone', () => {
    compile('x > 1');
    expect(() => jsep('a % b')).not.toThrow();
    expect(jsep('a ? b : c').type).toBe('ConditionalExpression');
  });
});
