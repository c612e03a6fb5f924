import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkLayers, importsOf } from './check-layers.ts';

/** A small project: low (errors) <- mid (targets) <- top (cli), each with its DEPS.list. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'mbot-hil-layers-'));
  const base: Record<string, string> = {
    'low/DEPS.list': '# bottom: nothing outside\nnode:*\n',
    'low/errors.ts': "import { join } from 'node:path';\nexport const E = join('a', 'b');\n",
    'mid/DEPS.list': '../low/\nws\n',
    'mid/target.ts': "import { E } from '../low/errors.ts';\nimport type { X } from './types.ts';\nexport const T = E;\n",
    'mid/types.ts': 'export type X = number;\n',
    'top/DEPS.list': '../mid/\n../low/errors.ts\nmbot-hil/*\n',
    'top/cli.ts': "import { T } from '../mid/target.ts';\nimport 'mbot-hil/fixtures';\nexport const C = T;\n",
  };
  for (const [path, text] of Object.entries({ ...base, ...files })) {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the layer check', () => {
  test('a project that keeps its lists passes', () => {
    const r = checkLayers(project({}));
    expect(r.violations).toEqual([]);
    expect(r.files).toBe(4);
  });

  test('a planted back-edge fails, naming the file, the line and the list', () => {
    const r = checkLayers(project({ 'low/errors.ts': "import { join } from 'node:path';\nimport { T } from '../mid/target.ts';\nexport const E = join('a', String(T));\n" }));
    const [v, ...rest] = r.violations.filter((x) => x.kind === 'not-allowed');
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ file: 'low/errors.ts:2', specifier: '../mid/target.ts', depsList: 'low/DEPS.list' });
    // ... and the back-edge closes a cycle, reported too.
    expect(r.violations.filter((x) => x.kind === 'cycle').map((x) => x.file)).toEqual(['low/errors.ts → mid/target.ts']);
  });

  test('a package or a Node built-in not listed fails; a listed subpath passes', () => {
    const r = checkLayers(project({ 'mid/net.ts': "import { WebSocket } from 'ws';\nimport { createServer } from 'node:http';\nimport five from 'johnny-five';\n" }));
    expect(r.violations.map((v) => v.specifier)).toEqual(['node:http', 'johnny-five']);
  });

  test('a cycle among files of one folder is found; type-only imports do not make one', () => {
    const r = checkLayers(project({
      'mid/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'mid/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      'mid/types.ts': "import type { T } from './target.ts';\nexport type X = typeof T;\n",
    }));
    expect(r.violations.map((v) => v.kind === 'cycle' && v.file)).toEqual(['mid/a.ts → mid/b.ts']);
  });

  test('test files are exempt from the lists, spec files are not', () => {
    const r = checkLayers(project({
      'low/errors.test.ts': "import { T } from '../mid/target.ts';\n",
      'top/robot.spec.ts': "import { E } from '../low/errors.ts';\nimport { X } from '../mid/types.ts';\nimport { Q } from '../low/other.ts';\n",
      'low/other.ts': 'export const Q = 1;\n',
    }));
    expect(r.violations.map((v) => `${v.kind} ${v.file}`)).toEqual(['not-allowed top/robot.spec.ts:3']);
  });

  test('an import of a file that does not exist is reported', () => {
    const r = checkLayers(project({ 'top/cli.ts': "import { T } from '../mid/nothing.ts';\n" }));
    expect(r.violations.map((v) => v.kind)).toEqual(['unresolved']);
  });

  test('imports are read from static, re-export, side-effect and dynamic forms', () => {
    const src = "import a from 'a';\nexport { b } from './b.ts';\nimport './c.ts';\nimport type { D } from './d.ts';\nconst e = await import('./e.ts');\ntype F = typeof import('./f.ts');\n";
    expect(importsOf(src)).toEqual([
      { specifier: 'a', typeOnly: false, line: 1 },
      { specifier: './b.ts', typeOnly: false, line: 2 },
      { specifier: './c.ts', typeOnly: false, line: 3 },
      { specifier: './d.ts', typeOnly: true, line: 4 },
      { specifier: './e.ts', typeOnly: false, line: 5, dynamic: true },
      { specifier: './f.ts', typeOnly: true, line: 6, dynamic: true },
    ]);
  });
});
