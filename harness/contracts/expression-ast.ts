import { METRIC_NAME } from '../metrics/snapshot.ts';
import type { Comparison } from './types.ts';
import { skipBackward, skipForward } from './expression-parse.ts';
import type { ExprIssue, JsepNode, Span } from './expression-parse.ts';

/** Operator of a comparison. */
export type CompareOp = Comparison['op'];

/**
 * The check language's own AST: only what the allow-list admits, each node
 * with its span in the check string. Evaluation walks this, never jsep's tree.
 */
export type CheckNode = Span &
  (
    | { kind: 'number'; value: number }
    | { kind: 'boolean'; value: boolean }
    | { kind: 'metric'; name: string }
    | { kind: 'negate'; argument: CheckNode }
    | { kind: 'not'; argument: CheckNode }
    | { kind: 'arithmetic'; op: '+' | '-' | '*' | '/'; left: CheckNode; right: CheckNode }
    | { kind: 'compare'; op: CompareOp; left: CheckNode; right: CheckNode }
    | { kind: 'logical'; op: '&&' | '||'; left: CheckNode; right: CheckNode }
  );

const COMPARE_OPS = new Set<string>(['<', '<=', '>', '>=', '==', '!=']);
const ARITH_OPS = new Set<string>(['+', '-', '*', '/']);
const LOGIC_OPS = new Set<string>(['&&', '||']);

// Hints for JavaScript operators jsep accepts but checks do not.
const OPERATOR_HINTS: Readonly<Record<string, string>> = {
  '===': 'write `==` (checks compare numbers, so there is no loose equality to avoid)',
  '!==': 'write `!=`',
  '%': 'remainders are not supported; compare the metric itself',
  '**': 'powers are not supported; write the threshold as a number',
  '&': 'bitwise operators are not supported; to join verdicts write `&&`',
  '|': 'bitwise operators are not supported; to join verdicts write `||`',
  '^': 'bitwise operators are not supported',
  '~': 'bitwise operators are not supported',
  '<<': 'bit shifts are not supported',
  '>>': 'bit shifts are not supported',
  '>>>': 'bit shifts are not supported',
  '??': 'a missing metric already makes the check "not evaluated"; remove `??`',
  '+': 'a unary `+` is not supported; write the number without it',
  in: 'checks read metrics by name only',
  instanceof: 'checks read metrics by name only',
  typeof: 'checks read metrics by name only',
  void: 'checks read metrics by name only',
  delete: 'checks read metrics by name only',
  new: 'checks read metrics by name only',
  await: 'checks read metrics by name only',
};

// Names that reach JavaScript machinery rather than a metric. A metric is
// looked up as an own property of the values given, so none of these could
// resolve anyway; rejecting them at load time makes an attempt visible.
const FORBIDDEN_ANY_SEGMENT = new Set(['__proto__', 'constructor', 'prototype']);
const FORBIDDEN_FIRST_SEGMENT = new Set([
  'globalThis', 'global', 'window', 'self', 'process', 'require', 'module', 'exports', 'import',
  'eval', 'Function', 'Object', 'Reflect', 'Proxy', 'Symbol', 'arguments', 'this', 'super',
  'undefined', 'NaN', 'Infinity',
]);

const EXAMPLE = 'e.g. `websocket.latency_p99_ms <= 50`';

/** Context of one conversion: the source text and jsep span lookup. */
interface Ctx {
  source: string;
  spanOf: (node: unknown) => Span;
  issues: ExprIssue[];
}

/**
 * Converts jsep's AST into a {@link CheckNode} tree, enforcing the
 * allow-list. Every violation in the tree is collected (so callers can
 * report the leftmost one); the tree is returned only when there are none.
 */
export function toCheckAst(
  ast: JsepNode,
  source: string,
  spanOf: (node: unknown) => Span,
): { node: CheckNode; issues: [] } | { node: undefined; issues: ExprIssue[] } {
  const ctx: Ctx = { source, spanOf, issues: [] };
  const node = convert(ast, ctx);
  if (ctx.issues.length > 0 || node === undefined) return { node: undefined, issues: ctx.issues };
  return { node, issues: [] };
}

function issue(ctx: Ctx, code: ExprIssue['code'], index: number, message: string): undefined {
  ctx.issues.push({ code, index, message: `\`${ctx.source}\`: ${message}` });
  return undefined;
}

function convert(n: JsepNode, ctx: Ctx): CheckNode | undefined {
  const span = ctx.spanOf(n);
  switch (n.type) {
    case 'Literal':
      return literal(n, span, ctx);
    case 'Identifier':
    case 'MemberExpression':
      return metric(n, span, ctx);
    case 'UnaryExpression':
      return unary(n, span, ctx);
    case 'BinaryExpression':
      return binary(n, span, ctx);
    case 'ThisExpression':
      return issue(ctx, 'HIL_EXPR_FORBIDDEN', span.start, `\`this\` is not allowed; a check reads metrics by dotted name, ${EXAMPLE}`);
    case 'CallExpression': {
      visitChildren(n, ctx);
      const args = n.arguments;
      const at = Array.isArray(args) ? ctx.spanOf(args).start : span.start;
      return issue(ctx, 'HIL_EXPR_FORBIDDEN', at, `function calls are not allowed; a check compares metrics with numbers, ${EXAMPLE}`);
    }
    case 'ArrayExpression':
      visitChildren(n, ctx);
      return issue(ctx, 'HIL_EXPR_FORBIDDEN', span.start, `array literals are not allowed; compare a metric with a number, ${EXAMPLE}`);
    case 'ConditionalExpression': {
      visitChildren(n, ctx);
      const at = skipForward(ctx.source, ctx.spanOf(n.test).end, ')');
      return issue(ctx, 'HIL_EXPR_FORBIDDEN', at, 'the conditional `?:` is not allowed; join verdicts with `&&` and `||` instead');
    }
    case 'Compound':
    case 'SequenceExpression': {
      const parts = (n.type === 'Compound' ? n.body : n.expressions) as JsepNode[];
      const second = parts[1];
      if (parts.length === 0 || second === undefined) {
        return issue(ctx, 'HIL_EXPR_SYNTAX', span.start, `expected one expression, ${EXAMPLE}`);
      }
      if (second.type === 'Identifier' && typeof second.name === 'string' && second.name in OPERATOR_HINTS) {
        const at = ctx.spanOf(second).start;
        return issue(ctx, 'HIL_EXPR_UNKNOWN_OPERATOR', at, `\`${second.name}\` is not an operator of checks; ${OPERATOR_HINTS[second.name]}`);
      }
      const first = parts[0];
      if (first?.type === 'Identifier' && typeof first.name === 'string' && first.name in OPERATOR_HINTS) {
        return issue(ctx, 'HIL_EXPR_UNKNOWN_OPERATOR', ctx.spanOf(first).start, `\`${first.name}\` is not an operator of checks; ${OPERATOR_HINTS[first.name]}`);
      }
      const start = ctx.spanOf(second).start;
      const sep = skipBackward(ctx.source, start);
      const at = sep < start && /[,;]/.test(ctx.source.charAt(sep)) ? sep : start;
      return issue(ctx, 'HIL_EXPR_SYNTAX', at, `a check is a single expression; join parts with \`&&\` or \`||\`, ${EXAMPLE}`);
    }
    default:
      visitChildren(n, ctx);
      return issue(ctx, 'HIL_EXPR_FORBIDDEN', span.start, `\`${n.type}\` is not allowed in a check; ${EXAMPLE}`);
  }
}

// Walks the children of a rejected node too, so the leftmost problem of the
// whole check is the one reported.
function visitChildren(n: JsepNode, ctx: Ctx): void {
  for (const key of ['callee', 'object', 'property', 'test', 'consequent', 'alternate']) {
    const v = n[key];
    if (v && typeof v === 'object' && !Array.isArray(v) && 'type' in v) convert(v as JsepNode, ctx);
  }
  for (const key of ['arguments', 'elements']) {
    const v = n[key];
    if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && 'type' in x) convert(x as JsepNode, ctx);
  }
}

function literal(n: JsepNode, span: Span, ctx: Ctx): CheckNode | undefined {
  const v = n.value;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return issue(ctx, 'HIL_EXPR_NOT_FINITE', span.start, `the number \`${String(n.raw)}\` is too large (not a finite number); write a finite threshold`);
    return { kind: 'number', value: v, ...span };
  }
  if (typeof v === 'boolean') return { kind: 'boolean', value: v, ...span };
  if (typeof v === 'string') return issue(ctx, 'HIL_EXPR_FORBIDDEN', span.start, `strings are not allowed; a check compares metrics with numbers, ${EXAMPLE}`);
  return issue(ctx, 'HIL_EXPR_FORBIDDEN', span.start, `\`${String(n.raw)}\` is not allowed; use a number, ${EXAMPLE}`);
}

/** Flattens `a.b.c` into a dotted metric name, rejecting anything but plain property access. */
function metric(n: JsepNode, span: Span, ctx: Ctx): CheckNode | undefined {
  const segments: { name: string; start: number }[] = [];
  let cur: JsepNode = n;
  let ok = true;
  while (cur.type === 'MemberExpression') {
    const objectSpan = ctx.spanOf(cur.object);
    if (cur.computed === true) {
      convert(cur.object as JsepNode, ctx);
      convert(cur.property as JsepNode, ctx);
      const at = skipBackward(ctx.source, ctx.spanOf(cur.property).start);
      return issue(ctx, 'HIL_EXPR_FORBIDDEN', at, `indexing with \`[...]\` is not allowed; write the metric as a dotted name, ${EXAMPLE}`);
    }
    if (cur.optional === true) {
      convert(cur.object as JsepNode, ctx);
      return issue(ctx, 'HIL_EXPR_UNKNOWN_OPERATOR', skipForward(ctx.source, objectSpan.end, ')'), 'optional chaining `?.` is not supported; write the dotted name with `.`');
    }
    const prop = cur.property as JsepNode;
    segments.unshift({ name: String(prop.name), start: ctx.spanOf(prop).start });
    cur = cur.object as JsepNode;
  }
  if (cur.type !== 'Identifier') {
    // e.g. `(a + b).c` or `this.x`: something other than a name is dereferenced.
    const before = ctx.issues.length;
    convert(cur, ctx);
    if (ctx.issues.length === before) {
      issue(ctx, 'HIL_EXPR_FORBIDDEN', ctx.spanOf(cur).start, `only metric names can be followed by \`.\`, ${EXAMPLE}`);
    }
    return undefined;
  }
  segments.unshift({ name: String(cur.name), start: ctx.spanOf(cur).start });
  for (const [i, seg] of segments.entries()) {
    if (FORBIDDEN_ANY_SEGMENT.has(seg.name) || seg.name.startsWith('__') || (i === 0 && FORBIDDEN_FIRST_SEGMENT.has(seg.name))) {
      ok = false;
      issue(ctx, 'HIL_EXPR_FORBIDDEN', seg.start, `\`${seg.name}\` is not a metric name (it reaches JavaScript internals or globals); a check reads metrics only, ${EXAMPLE}`);
    }
  }
  if (!ok) return undefined;
  const name = segments.map((s) => s.name).join('.');
  if (!METRIC_NAME.test(name)) {
    return issue(ctx, 'HIL_METRIC_INVALID', span.start, `metric name \`${name}\` is not dotted lower_snake_case; rename it like \`ui.frame_rate\` (metrics are recorded under such names)`);
  }
  return { kind: 'metric', name, ...span };
}

function unary(n: JsepNode, span: Span, ctx: Ctx): CheckNode | undefined {
  const op = String(n.operator);
  const argument = convert(n.argument as JsepNode, ctx);
  if (op !== '-' && op !== '!') {
    return issue(ctx, 'HIL_EXPR_UNKNOWN_OPERATOR', span.start, `the operator \`${op}\` is not allowed (allowed: < <= > >= == != && || ! + - * / and parentheses); ${OPERATOR_HINTS[op] ?? 'remove it'}`);
  }
  if (argument === undefined) return undefined;
  return { kind: op === '-' ? 'negate' : 'not', argument, ...span };
}

function binary(n: JsepNode, span: Span, ctx: Ctx): CheckNode | undefined {
  const op = String(n.operator);
  const left = convert(n.left as JsepNode, ctx);
  const right = convert(n.right as JsepNode, ctx);
  if (!COMPARE_OPS.has(op) && !ARITH_OPS.has(op) && !LOGIC_OPS.has(op)) {
    const at = skipForward(ctx.source, ctx.spanOf(n.left).end, ')');
    return issue(ctx, 'HIL_EXPR_UNKNOWN_OPERATOR', at, `the operator \`${op}\` is not allowed (allowed: < <= > >= == != && || ! + - * / and parentheses); ${OPERATOR_HINTS[op] ?? 'remove it'}`);
  }
  if (left === undefined || right === undefined) return undefined;
  if (COMPARE_OPS.has(op)) return { kind: 'compare', op: op as CompareOp, left, right, ...span };
  if (LOGIC_OPS.has(op)) return { kind: 'logical', op: op as '&&' | '||', left, right, ...span };
  return { kind: 'arithmetic', op: op as '+' | '-' | '*' | '/', left, right, ...span };
}
