import { ContractError } from '../errors.ts';
import type { SourceLocation } from '../errors.ts';
import { toCheckAst } from './expression-ast.ts';
import type { CheckNode, CompareOp } from './expression-ast.ts';
import { parseExpression } from './expression-parse.ts';
import type { ExprIssue } from './expression-parse.ts';
import { typeCheck } from './expression-typecheck.ts';
import type { CheckOutcome, Comparison, ComparisonOutcome, CompiledCheck, MetricValues } from './types.ts';

/**
 * Where a check string sits. `line`/`column` (1-based) are those of its first
 * character. `locate`, when given, maps a 0-based index in the check string
 * to its file position (the loader passes one for quoted, multi-line and
 * block scalars); without it a character at index `i` is reported at
 * `line`, `column + i`.
 */
export interface CheckWhere extends SourceLocation {
  path?: string;
  locate?: (index: number) => { line: number; column: number };
}

const FLIP: Readonly<Record<CompareOp, CompareOp>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/**
 * Parses and type-checks a check expression once, at load time.
 *
 * The language: dotted lower_snake metric names, numbers, `true`/`false`,
 * `< <= > >= == !=`, `&& || !`, `+ - * /`, unary `-`, parentheses; the
 * whole check must be a verdict (comparison or logic). Anything else throws
 * a {@link ContractError} (`HIL_EXPR_EMPTY`, `HIL_EXPR_SYNTAX`,
 * `HIL_EXPR_UNKNOWN_OPERATOR`, `HIL_EXPR_FORBIDDEN`, `HIL_EXPR_NOT_BOOLEAN`,
 * `HIL_EXPR_TYPE_MISMATCH`, `HIL_METRIC_INVALID`) positioned at the
 * offending character; when a check has several problems the leftmost is
 * reported.
 *
 * Evaluation semantics (see {@link CompiledCheck.evaluate}):
 * - if any metric the check reads is absent (not an own data property
 *   holding a number) the outcome is `missing` listing all of them, even
 *   where `&&`/`||` would not have needed the value: a verdict never depends
 *   on which metrics a probe happened to record;
 * - every comparison is evaluated (no side effects exist, so this equals
 *   short-circuit evaluation) and reported with both values;
 * - a comparison with a non-finite side (division by zero, NaN, Infinity)
 *   is false, including `!=`, and makes the whole check fail whatever the
 *   surrounding logic says: a verdict built on a non-finite number is never
 *   a pass. Evaluation never throws.
 */
export function compileCheck(source: string, where: CheckWhere): CompiledCheck {
  const fail = (found: ExprIssue): never => {
    const pos = where.locate ? where.locate(found.index) : { line: where.line, column: where.column + found.index };
    throw new ContractError(found.code, found.message, { file: where.file, line: pos.line, column: pos.column, path: where.path });
  };
  const parsed = parseExpression(source);
  if (!parsed.ok) return fail(parsed.issue);
  const converted = toCheckAst(parsed.ast, source, parsed.spanOf);
  if (converted.node === undefined) return fail(leftmost(converted.issues));
  const root = converted.node;
  const typeIssues = typeCheck(root, source);
  if (typeIssues.length > 0) return fail(leftmost(typeIssues));
  const nonFinite = nonFiniteConstant(root, source);
  if (nonFinite) return fail(nonFinite);

  const compareNodes: Extract<CheckNode, { kind: 'compare' }>[] = [];
  const metricSet = new Set<string>();
  walk(root, (n) => {
    if (n.kind === 'compare') compareNodes.push(n);
    if (n.kind === 'metric') metricSet.add(n.name);
  });
  compareNodes.sort((a, b) => a.start - b.start);
  const comparisons = compareNodes.map((n) => describe(n, source));
  const metrics = Object.freeze([...metricSet].sort());

  return Object.freeze({
    source,
    metrics,
    comparisons: Object.freeze(comparisons.map((c) => Object.freeze({ ...c }))),
    evaluate(values: MetricValues): CheckOutcome {
      return evaluateCheck(root, metrics, compareNodes, comparisons, values);
    },
  });
}

function leftmost(issues: readonly ExprIssue[]): ExprIssue {
  let best = issues[0] as ExprIssue;
  for (const i of issues) if (i.index < best.index) best = i;
  return best;
}

function walk(n: CheckNode, visit: (n: CheckNode) => void): void {
  visit(n);
  if (n.kind === 'negate' || n.kind === 'not') walk(n.argument, visit);
  if (n.kind === 'arithmetic' || n.kind === 'compare' || n.kind === 'logical') {
    walk(n.left, visit);
    walk(n.right, visit);
  }
}

/**
 * The leftmost constant part of the check that is not a finite number
 * (`1/0`, `1/(2-2)`, `-1e309` after folding) or a division by a constant
 * zero (`a / 0`): such a check could never pass, so it is refused at load
 * time, like the literal `1e309`. Division by a metric is left to
 * evaluation, where a non-finite result fails the check.
 */
function nonFiniteConstant(root: CheckNode, source: string): ExprIssue | undefined {
  let found: ExprIssue | undefined;
  const note = (n: CheckNode, why: string) => {
    if (!found || n.start < found.index) found = { code: 'HIL_EXPR_NOT_FINITE', index: n.start, message: `\`${source}\`: \`${source.slice(n.start, n.end).trim()}\` ${why}; a check could never pass with it, so write a finite threshold` };
  };
  walk(root, (n) => {
    if (n.kind !== 'arithmetic') return;
    const l = rawConstant(n.left);
    const r = rawConstant(n.right);
    if (n.op === '/' && r === 0) note(n, 'divides by zero');
    else if (l !== undefined && r !== undefined && !Number.isFinite(arithmetic(n.op, l, r))) note(n, 'is not a finite number');
  });
  return found;
}

/** The value of a metric-free numeric subtree, finite or not. */
function rawConstant(n: CheckNode): number | undefined {
  if (n.kind === 'number') return n.value;
  if (n.kind === 'negate') {
    const v = rawConstant(n.argument);
    return v === undefined ? undefined : -v;
  }
  if (n.kind === 'arithmetic') {
    const l = rawConstant(n.left);
    const r = rawConstant(n.right);
    return l === undefined || r === undefined ? undefined : arithmetic(n.op, l, r);
  }
  return undefined;
}

/** The value of a metric-free numeric subtree, when finite. */
function constantOf(n: CheckNode): number | undefined {
  switch (n.kind) {
    case 'number':
      return n.value;
    case 'negate': {
      const v = constantOf(n.argument);
      return v === undefined ? undefined : -v;
    }
    case 'arithmetic': {
      const l = constantOf(n.left);
      const r = constantOf(n.right);
      if (l === undefined || r === undefined) return undefined;
      const v = arithmetic(n.op, l, r);
      return Number.isFinite(v) ? v : undefined;
    }
    default:
      return undefined;
  }
}

function describe(n: Extract<CheckNode, { kind: 'compare' }>, source: string): Comparison {
  const c: Comparison = {
    op: n.op,
    left: source.slice(n.left.start, n.left.end).trim(),
    right: source.slice(n.right.start, n.right.end).trim(),
  };
  const lc = constantOf(n.left);
  const rc = constantOf(n.right);
  if (n.left.kind === 'metric' && rc !== undefined) {
    c.metric = n.left.name;
    c.threshold = rc;
    c.metricOp = n.op;
  } else if (n.right.kind === 'metric' && lc !== undefined) {
    c.metric = n.right.name;
    c.threshold = lc;
    c.metricOp = FLIP[n.op];
  }
  return c;
}

function arithmetic(op: '+' | '-' | '*' | '/', l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
  }
}

function compare(op: CompareOp, l: number, r: number): boolean {
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    case '==':
      return l === r;
    case '!=':
      return l !== r;
  }
}

/**
 * Reads `name` only as an own data property holding a number: inherited
 * properties (`toString`, `__proto__`) and getters are never consulted.
 */
function readMetric(values: MetricValues, name: string): number | undefined {
  if (values === null || typeof values !== 'object') return undefined;
  const desc = Object.getOwnPropertyDescriptor(values, name);
  if (desc === undefined || !Object.hasOwn(desc, 'value')) return undefined;
  return typeof desc.value === 'number' ? desc.value : undefined;
}

function evaluateCheck(
  root: CheckNode,
  metrics: readonly string[],
  compareNodes: readonly CheckNode[],
  comparisons: readonly Comparison[],
  values: MetricValues,
): CheckOutcome {
  const read = new Map<string, number>();
  const missing: string[] = [];
  for (const name of metrics) {
    const v = readMetric(values, name);
    if (v === undefined) missing.push(name);
    else read.set(name, v);
  }
  if (missing.length > 0) return { kind: 'missing', missing };

  const outcomes = new Map<CheckNode, ComparisonOutcome>();
  let poisoned = false;
  const num = (n: CheckNode): number => {
    switch (n.kind) {
      case 'number':
        return n.value;
      case 'metric':
        return read.get(n.name) ?? Number.NaN;
      case 'negate':
        return -num(n.argument);
      case 'arithmetic':
        return arithmetic(n.op, num(n.left), num(n.right));
      default:
        // Unreachable after typeCheck; NaN fails the comparison using it.
        return Number.NaN;
    }
  };
  const verdict = (n: CheckNode): boolean => {
    switch (n.kind) {
      case 'boolean':
        return n.value;
      case 'not':
        return !verdict(n.argument);
      case 'logical': {
        // Both sides always run so every comparison gets reported.
        const l = verdict(n.left);
        const r = verdict(n.right);
        return n.op === '&&' ? l && r : l || r;
      }
      case 'compare': {
        const l = num(n.left);
        const r = num(n.right);
        const finite = Number.isFinite(l) && Number.isFinite(r);
        if (!finite) poisoned = true;
        const passed = finite && compare(n.op, l, r);
        const index = compareNodes.indexOf(n);
        outcomes.set(n, { ...(comparisons[index] as Comparison), leftValue: l, rightValue: r, passed });
        return passed;
      }
      default:
        return false;
    }
  };
  const result = verdict(root);
  const list = compareNodes.map((n) => outcomes.get(n)).filter((o): o is ComparisonOutcome => o !== undefined);
  return { kind: 'value', passed: result && !poisoned, comparisons: list };
}
