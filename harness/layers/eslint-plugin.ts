/**
 * The layer rule inside ESLint: `mbot-hil/deps-list` reports every import a
 * file's governing DEPS.list does not allow, at the import itself, so an
 * editor shows it as it is typed. Cycles need the whole graph and are checked
 * by `harness/layers/layers.test.ts` in `npm test`.
 */
import type { Rule } from 'eslint';
import { governingDepsList, importViolation } from './check-layers.ts';

const depsListRule: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports must be allowed by the DEPS.list governing the file (layers run one way)' },
    schema: [],
    messages: { notAllowed: '{{why}}' },
  },
  create(context) {
    const file = context.filename;
    const root = context.cwd;
    const list = governingDepsList(file, root);
    if (!list) return {};
    const check = (node: Rule.Node, source: unknown): void => {
      if (typeof source !== 'string') return;
      const why = importViolation(file, source, root, list);
      if (why) context.report({ node, messageId: 'notAllowed', data: { why } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => { if (node.source) check(node, node.source.value); },
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => { if (node.source.type === 'Literal') check(node, node.source.value); },
    };
  },
};

/** The plugin, registered as `mbot-hil` in eslint.config.ts. */
export const layersPlugin = { rules: { 'deps-list': depsListRule } };
