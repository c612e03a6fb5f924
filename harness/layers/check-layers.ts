/**
 * The layering, checked: every folder that governs its imports holds a
 * `DEPS.list` naming what its files may import, and a file is governed by the
 * nearest `DEPS.list` above it. An import a `DEPS.list` does not allow, or a
 * cycle among the source files' run-time imports, is a violation.
 *
 * `DEPS.list` format, one entry a line, `#` starts a comment:
 * - a path relative to the folder of the `DEPS.list`: a file (`../errors.ts`)
 *   or a folder ending in `/` (`../clock/`, everything below it);
 * - a package name (`ws`, `@serialport/stream`, `mbot-hil/fixtures`): that
 *   package, or with a trailing `/*` any of its subpaths;
 * - `node:*` for Node's built-in modules (allowed only when listed).
 * Files in the governing folder itself and below it are always allowed.
 * Test files (`*.test.ts`) are exempt from the lists (a test may compose
 * layers to test them together) but not from the cycle check; spec files
 * (`*.spec.ts`) are checked like source.
 * Type-only imports (`import type`, `export type`) are checked against the
 * list like any other, but do not count for cycles (they vanish at run time).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One import that breaks a rule. */
export interface LayerViolation {
  kind: 'not-allowed' | 'cycle' | 'unresolved';
  /** The importing file, relative to the root (for a cycle: its files, joined by ` → `). */
  file: string;
  /** The import as written (empty for a cycle). */
  specifier: string;
  /** The DEPS.list that governs the file (relative), when there is one. */
  depsList?: string;
  message: string;
}

/** What a check saw. */
export interface LayerReport {
  files: number;
  imports: number;
  violations: LayerViolation[];
}

interface ImportRef { specifier: string; typeOnly: boolean; line: number; dynamic?: true }

const SKIP_DIRS = new Set(['node_modules', '.git', 'reports', 'coverage', 'dist', 'docs']);
const SOURCE = /\.(ts|mts|mjs|js)$/;

/** Every static and dynamic import of a source text, with its line. */
export function importsOf(source: string): ImportRef[] {
  const out: ImportRef[] = [];
  const lineAt = (index: number): number => source.slice(0, index).split('\n').length;
  const stat = /(?:^|\n)[ \t]*(import|export)\s+(type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(stat)) {
    const leading = m[0].length - m[0].trimStart().length;
    out.push({ specifier: m[3]!, typeOnly: m[2] !== undefined, line: lineAt(m.index! + leading) });
  }
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push({ specifier: m[1]!, typeOnly: /typeof\s+$/.test(source.slice(Math.max(0, m.index! - 10), m.index!)), line: lineAt(m.index!), dynamic: true });
  }
  return out;
}

/** A parsed DEPS.list. */
export interface DepsList { dir: string; path: string; entries: string[] }

function readDepsList(path: string): DepsList {
  const entries = readFileSync(path, 'utf8').split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  return { dir: dirname(path), path, entries };
}

function walk(root: string, dir: string, files: string[], lists: Map<string, DepsList>, skip: ReadonlySet<string>): void {
  for (const name of readdirSync(dir).sort()) {
    if (SKIP_DIRS.has(name) || name.startsWith('.') || skip.has(relative(root, join(dir, name)))) continue;
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) walk(root, p, files, lists, skip);
    else if (name === 'DEPS.list') lists.set(dir, readDepsList(p));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) files.push(p);
  }
}

function governing(file: string, root: string, lists: Map<string, DepsList>): DepsList | undefined {
  for (let d = dirname(file); ; d = dirname(d)) {
    const l = lists.get(d);
    if (l) return l;
    if (d === root || dirname(d) === d) return undefined;
  }
}

const inside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

function resolveRelative(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')].find((c) => files.has(c))
    ?? (existsSync(base) && statSync(base).isFile() ? base : undefined);
}

function packageAllowed(specifier: string, entries: readonly string[]): boolean {
  if (specifier.startsWith('node:') || /^[a-z_]+$/.test(specifier) && NODE_BUILTINS.has(specifier)) {
    return entries.includes('node:*') || entries.includes(specifier.startsWith('node:') ? specifier : `node:${specifier}`);
  }
  return entries.some((e) => e === specifier || (e.endsWith('/*') && (specifier === e.slice(0, -2) || specifier.startsWith(e.slice(0, -1)))));
}

const NODE_BUILTINS = new Set(['fs', 'path', 'os', 'url', 'util', 'child_process', 'net', 'http', 'https', 'crypto', 'events', 'stream', 'zlib', 'module', 'perf_hooks', 'worker_threads', 'tty', 'readline', 'assert', 'buffer', 'timers', 'process', 'v8', 'vm', 'inspector', 'dns', 'dgram']);

/** The DEPS.list that governs `file` (nearest above it, not above `root`), read from disk; undefined for a test file or an ungoverned one. */
export function governingDepsList(file: string, root: string): DepsList | undefined {
  if (/\.test\.[mc]?[tj]s$/.test(file)) return undefined;
  for (let d = dirname(resolve(file)); inside(d, resolve(root)); d = dirname(d)) {
    const p = join(d, 'DEPS.list');
    if (existsSync(p)) return readDepsList(p);
    if (dirname(d) === d) break;
  }
  return undefined;
}

/**
 * Why one import of `file` breaks its governing DEPS.list, or undefined when
 * it is allowed (or the file is not governed). Relative specifiers are
 * resolved on disk.
 */
export function importViolation(file: string, specifier: string, root: string, list = governingDepsList(file, root)): string | undefined {
  if (!list) return undefined;
  const rel = (p: string): string => relative(resolve(root), p);
  if (specifier.startsWith('.')) {
    const base = resolve(dirname(file), specifier);
    const target = [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')].find((c) => existsSync(c) && statSync(c).isFile());
    if (!target) return `${specifier} is no file`;
    if (inside(target, list.dir)) return undefined;
    const ok = list.entries.some((e) => e.startsWith('.') && (e.endsWith('/') ? inside(target, resolve(list.dir, e)) : target === resolve(list.dir, e)));
    return ok ? undefined : `${rel(target)} is not allowed by ${rel(list.path)} (allowed: ${list.entries.join(', ') || 'nothing outside the folder'})`;
  }
  return packageAllowed(specifier, list.entries) ? undefined : `the package ${specifier} is not allowed by ${rel(list.path)}`;
}

/** Options of {@link checkLayers}. */
export interface CheckLayersOptions {
  /** Folders (relative to the root) left out entirely. */
  skip?: readonly string[];
}

/**
 * Checks every source file under `root` against its governing `DEPS.list`
 * and looks for run-time import cycles. A file no `DEPS.list` governs is
 * checked for cycles only.
 */
export function checkLayers(root: string, options: CheckLayersOptions = {}): LayerReport {
  root = resolve(root);
  const files: string[] = [];
  const lists = new Map<string, DepsList>();
  walk(root, root, files, lists, new Set(options.skip ?? []));
  const fileSet = new Set(files);
  const violations: LayerViolation[] = [];
  const graph = new Map<string, string[]>();
  let imports = 0;
  const rel = (p: string): string => relative(root, p);
  for (const file of files) {
    const isTest = /\.test\.[mc]?[tj]s$/.test(file);
    const list = isTest ? undefined : governing(file, root, lists);
    const edges: string[] = [];
    for (const imp of importsOf(readFileSync(file, 'utf8'))) {
      // A specifier built at run time (`${repo}/...` in a generated file) is no import of this file.
      if (imp.specifier.includes('${')) continue;
      imports++;
      const where = `${rel(file)}:${imp.line}`;
      if (imp.specifier.startsWith('.')) {
        const target = resolveRelative(file, imp.specifier, fileSet);
        if (!target) {
          // A test file may hold import statements inside strings (fixtures for a parser): not its own imports.
          if (isTest) continue;
          violations.push({ kind: 'unresolved', file: where, specifier: imp.specifier, message: `${where} imports ${imp.specifier}, which is no file` });
          continue;
        }
        if (!imp.typeOnly && fileSet.has(target)) edges.push(target);
        if (!list || inside(target, list.dir)) continue;
        const ok = list.entries.some((e) => !e.startsWith('.') ? false : e.endsWith('/') ? inside(target, resolve(list.dir, e)) : target === resolve(list.dir, e));
        if (!ok) {
          violations.push({
            kind: 'not-allowed', file: where, specifier: imp.specifier, depsList: rel(list.path),
            message: `${where} imports ${rel(target)}, which ${rel(list.path)} does not allow (allowed: ${list.entries.join(', ') || 'nothing outside the folder'})`,
          });
        }
      } else if (list && !packageAllowed(imp.specifier, list.entries)) {
        violations.push({
          kind: 'not-allowed', file: where, specifier: imp.specifier, depsList: rel(list.path),
          message: `${where} imports the package ${imp.specifier}, which ${rel(list.path)} does not allow`,
        });
      }
    }
    graph.set(file, edges);
  }
  for (const cycle of stronglyConnected(files, graph)) {
    const names = cycle.map(rel).sort();
    violations.push({ kind: 'cycle', file: names.join(' → '), specifier: '', message: `import cycle among ${names.length} files: ${names.join(', ')}` });
  }
  return { files: files.length, imports, violations };
}

/** Tarjan's strongly connected components of more than one file, iteratively (no recursion limit). */
function stronglyConnected(nodes: readonly string[], graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: Array<{ v: string; i: number }> = [{ v: start, i: 0 }];
    index.set(start, counter); low.set(start, counter); counter++; stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.v) ?? [];
      if (top.i < edges.length) {
        const w = edges[top.i++]!;
        if (!index.has(w)) {
          index.set(w, counter); low.set(w, counter); counter++; stack.push(w); onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === index.get(top.v)) {
        const scc: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== top.v);
        if (scc.length > 1) out.push(scc);
      }
    }
  }
  return out;
}

/**
 * What loading `entry` loads: every source file reached through its static
 * run-time imports (type-only and dynamic imports left out) and every package
 * they name. For checks such as "importing `mbot-hil` loads no browser".
 */
export function runtimeImportClosure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [resolve(entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const imp of importsOf(readFileSync(file, 'utf8'))) {
      if (imp.typeOnly || imp.dynamic) continue;
      if (imp.specifier.startsWith('.')) {
        const base = resolve(dirname(file), imp.specifier);
        const target = [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')].find((c) => existsSync(c) && statSync(c).isFile());
        if (target) todo.push(target);
      } else if (!imp.specifier.startsWith('node:')) {
        packages.add(imp.specifier);
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}
