import jsep from 'jsep';
import { MAX_CHECK_DEPTH, MAX_CHECK_LENGTH } from './limits.ts';

/** A jsep AST node (jsep's own shape; see `jsep/typings`). */
export type JsepNode = jsep.Expression;

/** Half-open character range `[start, end)` inside a check string (0-based). */
export interface Span {
  start: number;
  end: number;
}

/** A problem found in a check string, before it is tied to a file position. */
export interface ExprIssue {
  code:
    | 'HIL_EXPR_SYNTAX'
    | 'HIL_EXPR_UNKNOWN_OPERATOR'
    | 'HIL_EXPR_FORBIDDEN'
    | 'HIL_EXPR_EMPTY'
    | 'HIL_EXPR_NOT_BOOLEAN'
    | 'HIL_EXPR_TYPE_MISMATCH'
    | 'HIL_EXPR_TOO_COMPLEX'
    | 'HIL_EXPR_NOT_FINITE'
    | 'HIL_METRIC_INVALID';
  message: string;
  /** 0-based index of the offending character in the check string. */
  index: number;
}

/** What {@link parseExpression} gives: jsep's AST plus a span lookup, or the syntax problem. */
export type ParseResult =
  | { ok: true; ast: JsepNode; spanOf: (node: unknown) => Span; source: string }
  | { ok: false; issue: ExprIssue };

// The part of jsep's (untyped) `Jsep` class this file overrides. jsep's
// typings only describe the function facade, not the class.
interface JsepInstance {
  index: number;
  readonly expr: string;
  gobbleSpaces(): void;
  gobbleToken(): JsepNode | false;
  gobbleIdentifier(): JsepNode;
  gobbleArguments(termination: number): Array<JsepNode | null>;
  parse(): JsepNode;
}
type JsepClass = new (expr: string) => JsepInstance;

const JsepBase = (jsep as unknown as { Jsep: JsepClass }).Jsep;

/**
 * jsep records no positions, and its operator tables are static (global to
 * every importer of jsep in the process). So instead of reconfiguring the
 * global tables we subclass the parser per call: the subclass only records
 * where each token starts and ends, and the allow-list is enforced on the
 * AST afterwards (`expression-check.ts`), which also lets us name the exact
 * rejected operator instead of jsep's generic "Unexpected".
 */
class SpanningParser extends JsepBase {
  readonly spans = new WeakMap<object, Span>();

  override gobbleToken(): JsepNode | false {
    this.gobbleSpaces();
    const start = this.index;
    const node = super.gobbleToken();
    // The outermost call wins, so a parenthesised operand spans its parens.
    if (node) this.spans.set(node, { start, end: trimEnd(this.expr, start, this.index) });
    return node;
  }

  override gobbleIdentifier(): JsepNode {
    const start = this.index;
    const node = super.gobbleIdentifier();
    this.spans.set(node, { start, end: this.index });
    return node;
  }

  override gobbleArguments(termination: number): Array<JsepNode | null> {
    // The opening `(` or `[` has just been consumed.
    const start = this.index - 1;
    const args = super.gobbleArguments(termination);
    this.spans.set(args, { start, end: this.index });
    return args;
  }
}

function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(text.charAt(e - 1))) e--;
  return e;
}

/** Index of the first character at or after `from` that is neither whitespace nor one of `skip`. */
export function skipForward(text: string, from: number, skip = ''): number {
  let i = from;
  while (i < text.length && (/\s/.test(text.charAt(i)) || skip.includes(text.charAt(i)))) i++;
  return i;
}

/** Index of the last non-whitespace character before `before` (or `before` itself when none). */
export function skipBackward(text: string, before: number): number {
  let i = before - 1;
  while (i >= 0 && /\s/.test(text.charAt(i))) i--;
  return i >= 0 ? i : before;
}

function childrenOf(node: JsepNode): unknown[] {
  const out: unknown[] = [];
  for (const key of ['left', 'right', 'object', 'property', 'callee', 'argument', 'test', 'consequent', 'alternate']) {
    const v = node[key];
    if (v && typeof v === 'object') out.push(v);
  }
  for (const key of ['arguments', 'elements', 'body', 'expressions']) {
    const v = node[key];
    if (Array.isArray(v)) out.push(...v.filter((x) => x !== null));
  }
  return out;
}

/**
 * Parses a check with jsep's stock grammar. Never throws: a jsep error is
 * returned as an `HIL_EXPR_SYNTAX` issue (or `HIL_EXPR_FORBIDDEN` for an
 * assignment, which jsep reports as an unexpected `=`), at jsep's index.
 * An empty or blank check is `HIL_EXPR_EMPTY`.
 */
export function parseExpression(source: string): ParseResult {
  if (source.trim() === '') {
    return {
      ok: false,
      issue: {
        code: 'HIL_EXPR_EMPTY',
        index: 0,
        message: 'the check is empty; write a comparison over metrics such as `websocket.latency_p99_ms <= 50`',
      },
    };
  }
  const bound = complexityIssue(source);
  if (bound) return { ok: false, issue: bound };
  const parser = new SpanningParser(source);
  let ast: JsepNode;
  try {
    ast = parser.parse();
  } catch (err) {
    // jsep recurses per unary operator and parenthesis; past the stack it is too complex, not a typo.
    if (err instanceof RangeError) return { ok: false, issue: tooComplex(0, `it is nested too deeply to parse; split it into several checks`) };
    return { ok: false, issue: syntaxIssue(source, err) };
  }
  const depth = treeDepthOver(ast, MAX_CHECK_DEPTH);
  if (depth) {
    return { ok: false, issue: tooComplex(0, `its expression tree is more than ${MAX_CHECK_DEPTH} levels deep (e.g. more than ${MAX_CHECK_DEPTH} terms joined by \`&&\`); split it into several checks (each \`validation\` entry is checked on its own)`) };
  }
  const spans = parser.spans;
  const spanOf = (node: unknown): Span => {
    if (node === null || typeof node !== 'object') return { start: 0, end: source.length };
    const own = spans.get(node);
    if (own) return own;
    // Nodes jsep builds outside a token (binary operators, members, calls)
    // span their children.
    const parts = Array.isArray(node) ? node : childrenOf(node as JsepNode);
    let start = Infinity;
    let end = -Infinity;
    for (const p of parts) {
      const s = spanOf(p);
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
    }
    return Number.isFinite(start) ? { start, end } : { start: 0, end: source.length };
  };
  return { ok: true, ast, spanOf, source };
}

function syntaxIssue(source: string, err: unknown): ExprIssue {
  const e = err as { index?: unknown; description?: unknown; message?: unknown };
  const index = typeof e.index === 'number' ? Math.min(Math.max(0, e.index), source.length) : 0;
  const what = typeof e.description === 'string' ? e.description : String(e.message ?? err);
  const ch = source.charAt(index);
  if (ch === '=' && source.charAt(index + 1) !== '=') {
    // jsep stops at the `=` of `+=` too; point at the whole operator.
    const at = index > 0 && '+-*/%&|^'.includes(source.charAt(index - 1)) ? index - 1 : index;
    return {
      code: 'HIL_EXPR_FORBIDDEN',
      index: at,
      message: `\`${source}\`: assignment (\`=\`) is not allowed in a check; to compare, write \`==\` (e.g. \`error_count == 0\`)`,
    };
  }
  const where = index >= source.length ? 'at the end' : `at character ${index + 1} (\`${ch}\`)`;
  return {
    code: 'HIL_EXPR_SYNTAX',
    index,
    message: `cannot parse \`${source}\` ${where}: ${what}; a check compares metrics with numbers, e.g. \`drawing_playback_fps >= 60 && stroke_count >= 1000\``,
  };
}

function tooComplex(index: number, why: string): ExprIssue {
  return { code: 'HIL_EXPR_TOO_COMPLEX', index, message: `the check is too complex: ${why}` };
}

/**
 * The length and parenthesis-depth limits, checked on the text before any
 * parsing (so a hostile check never reaches a recursive parser), with the
 * index of the character that crosses the limit.
 */
function complexityIssue(source: string): ExprIssue | null {
  if (source.length > MAX_CHECK_LENGTH) {
    return tooComplex(0, `it is ${source.length} characters long, longer than ${MAX_CHECK_LENGTH} characters; split it into several checks`);
  }
  let depth = 0;
  let run = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source.charAt(i);
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth = Math.max(0, depth - 1);
    // A run of prefix operators (`!!!!a`, `- - -a`) nests as deeply as parentheses.
    run = ch === '!' || ch === '-' || ch === '~' || ch === '+' ? run + 1 : /\s/.test(ch) ? run : 0;
    if (depth > MAX_CHECK_DEPTH || run > MAX_CHECK_DEPTH) {
      return tooComplex(i, `it nests more than ${MAX_CHECK_DEPTH} levels of parentheses or prefix operators; simplify it`);
    }
  }
  return null;
}

/** True when jsep's tree is deeper than `max` (walked with an explicit stack, never recursion). */
function treeDepthOver(root: JsepNode, max: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > max) return true;
    if (node === null || typeof node !== 'object') continue;
    for (const child of childrenOf(node as JsepNode)) stack.push([child, depth + 1]);
  }
  return false;
}
