import type { CheckNode } from './expression-ast.ts';
import type { ExprIssue } from './expression-parse.ts';

/** Static type of a check node. */
export type CheckType = 'number' | 'boolean';

/**
 * Type-checks a check AST: comparisons and arithmetic take numbers, `&&`,
 * `||` and `!` take verdicts, and the whole check must be a verdict. Returns
 * every problem found (callers report the leftmost); an empty list means the
 * check is well typed.
 */
export function typeCheck(root: CheckNode, source: string): ExprIssue[] {
  const issues: ExprIssue[] = [];
  const text = (n: CheckNode): string => source.slice(n.start, n.end);
  const push = (code: ExprIssue['code'], n: CheckNode, message: string): void => {
    issues.push({ code, index: n.start, message: `\`${source}\`: ${message}` });
  };

  const needNumber = (n: CheckNode, t: CheckType, user: string, userCompares = false): void => {
    if (t === 'number') return;
    push(
      'HIL_EXPR_TYPE_MISMATCH',
      n,
      userCompares && n.kind === 'compare'
        ? `comparisons cannot be chained: \`${text(n)}\` is already a true/false verdict; write \`a < b && b < c\``
        : `${user} needs a number, but \`${text(n)}\` is a true/false verdict; join verdicts with \`&&\`/\`||\` and compare numbers only`,
    );
  };
  const needVerdict = (n: CheckNode, t: CheckType, user: string): void => {
    if (t === 'boolean') return;
    push(
      'HIL_EXPR_NOT_BOOLEAN',
      n,
      `${user} needs a true/false verdict, but \`${text(n)}\` is a number; compare it with a threshold, e.g. \`${text(n)} > 0\``,
    );
  };

  const visit = (n: CheckNode): CheckType => {
    switch (n.kind) {
      case 'number':
      case 'metric':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'negate':
        needNumber(n.argument, visit(n.argument), 'unary `-`');
        return 'number';
      case 'not':
        needVerdict(n.argument, visit(n.argument), '`!`');
        return 'boolean';
      case 'arithmetic':
        needNumber(n.left, visit(n.left), `\`${n.op}\``);
        needNumber(n.right, visit(n.right), `\`${n.op}\``);
        return 'number';
      case 'compare':
        needNumber(n.left, visit(n.left), `\`${n.op}\``, true);
        needNumber(n.right, visit(n.right), `\`${n.op}\``, true);
        return 'boolean';
      case 'logical':
        needVerdict(n.left, visit(n.left), `\`${n.op}\``);
        needVerdict(n.right, visit(n.right), `\`${n.op}\``);
        return 'boolean';
    }
  };

  const top = visit(root);
  if (issues.length === 0 && top !== 'boolean') {
    issues.push({
      code: 'HIL_EXPR_NOT_BOOLEAN',
      index: root.start,
      message: `\`${source}\` computes a number, not a pass/fail verdict; compare it with a threshold, e.g. \`${source.trim()} <= 50\``,
    });
  }
  return issues;
}
