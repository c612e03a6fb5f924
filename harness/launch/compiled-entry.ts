/**
 * Node entry points of the harness, compiled for the child processes that
 * run them. The harness is TypeScript run from source; a child started as
 * `node --import tsx entry.ts` spends about 1.5 CPU-s loading the
 * companion's 240 source files through tsx's loader, the same child started
 * on one esbuild bundle of them about 0.5 CPU-s. A test run forks dozens of
 * companions, so the difference is a large part of `npm test`.
 *
 * The bundle is written under the package's
 * `node_modules/.cache/mbot-hil/entries/` in a folder named by a hash of its
 * content, with a manifest (`bundle-manifest.mjs`) holding a hash of the
 * content of every source file as it was bundled, and of the build's own
 * settings (this file, the manifest reader, esbuild's version, tsconfig): a
 * process reuses a bundle whose inputs are unchanged and builds a new one
 * otherwise (about 0.3 CPU-s), at most once per process and entry. A file
 * saved during a build leaves the bundle stale, never wrongly fresh.
 *
 * In the bundle each source file keeps its own `import.meta.url`, `dirname`
 * and `filename` (so an entry must run on import: a "am I the main module"
 * test against `process.argv[1]` sees the bundle's path, not the source's).
 * Packages stay external and resolve from the cache folder as from the
 * sources. When the bundle cannot be built or written (a read-only install),
 * or `HIL_COMPILED_ENTRIES=0`, the child runs from source through tsx.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { natives } from '../clock/natives.ts';
import { COMPILED_ENTRIES_ENV, compiledEntriesOff, ENTRIES_DIR, entryName, entryStem, fileHash, freshBundle, hashOf, MANIFEST_VERSION, manifestPath } from './bundle-manifest.mjs';

/** The package root (where `package.json` and `node_modules` are). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { COMPILED_ENTRIES_ENV, ENTRIES_DIR, entryName };

/** How to start a Node child on an entry point. */
export interface LaunchSpec {
  /** The script to run: the bundle, or the TypeScript entry itself. */
  readonly file: string;
  /** Node flags the script needs (`--import tsx` when run from source). */
  readonly execArgv: readonly string[];
  /** True when `file` is a bundle. */
  readonly compiled: boolean;
  /** Why the entry runs from source, when it does. */
  readonly fallbackReason?: string;
}

const builds = new Map<string, Promise<LaunchSpec>>();

/** The launch of `entry` from source: `node --import tsx entry.ts`. */
export function sourceLaunch(entry: string, fallbackReason?: string): LaunchSpec {
  return { file: entry, execArgv: ['--import', 'tsx'], compiled: false, ...(fallbackReason ? { fallbackReason } : {}) };
}

/**
 * How to start a child on the TypeScript `entry` (an absolute path): on its
 * bundle when one can be made, else from source. Builds at most once per
 * process and entry (again only if the bundle's files went missing);
 * concurrent callers share the build. Never rejects.
 */
export async function launchSpec(entry: string, env: NodeJS.ProcessEnv = process.env): Promise<LaunchSpec> {
  if (compiledEntriesOff(env)) return sourceLaunch(entry, `${COMPILED_ENTRIES_ENV}=0`);
  const key = resolve(entry);
  let build = builds.get(key);
  if (!build) {
    const fresh = freshBundle(ENTRIES_DIR, entryName(key), key);
    build = fresh ? Promise.resolve(compiledLaunch(fresh)) : bundleEntry(key).catch((err: unknown) => sourceLaunch(key, `no bundle: ${firstProblem(err)}`));
    builds.set(key, build);
  }
  const spec = await build;
  if (spec.compiled && !existsSync(spec.file)) {
    // Pruned or deleted since: build again rather than fork a missing file.
    if (builds.get(key) === build) builds.delete(key);
    return launchSpec(entry, env);
  }
  return spec;
}

/** esbuild's first error (it lists them in `errors`), else the message's first line. */
function firstProblem(err: unknown): string {
  const first = (err as { errors?: { text?: string }[] }).errors?.[0]?.text;
  return first ?? String((err as Error)?.message ?? err).split('\n')[0]!;
}

function compiledLaunch(file: string): LaunchSpec {
  return { file, execArgv: ['--enable-source-maps'], compiled: true };
}

// Built from parts: were the full names literal here, this file's own
// strings would be rewritten when it is itself bundled (the CLI bundles it),
// and the plugin of that bundle would look for text no source contains.
const META = ['import', 'meta'].join('.');

/**
 * Loads every source file of the package itself, records the hash of
 * exactly what it read (`inputs`), and replaces each file's
 * `import.meta.url`, `.dirname` and `.filename` by that file's own values.
 */
function packageSources(inputs: Map<string, string>): Plugin {
  return {
    name: 'package-sources',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mts|mjs|js|json)$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        inputs.set(args.path, hashOf(source));
        const ext = args.path.slice(args.path.lastIndexOf('.') + 1);
        const loader = ext === 'json' ? 'json' : ext === 'ts' || ext === 'mts' ? 'ts' : 'js';
        const contents = !source.includes(META) ? source : source
          .replaceAll(`${META}.url`, JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll(`${META}.dirname`, JSON.stringify(dirname(args.path)))
          .replaceAll(`${META}.filename`, JSON.stringify(args.path));
        return { contents, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}

/** The build's own settings, as inputs: a change to any of them makes every bundle stale. */
function buildSettingFiles(): string[] {
  const files = [fileURLToPath(import.meta.url), fileURLToPath(new URL('./bundle-manifest.mjs', import.meta.url)), join(PACKAGE_ROOT, 'tsconfig.json')];
  try {
    files.push(createRequire(import.meta.url).resolve('esbuild/package.json'));
  } catch {
    // esbuild is a dependency; without it there is no build at all
  }
  return files.filter((f) => existsSync(f));
}

async function bundleEntry(entry: string): Promise<LaunchSpec> {
  const { build } = await import('esbuild');
  const name = entryName(entry);
  const stem = entryStem(entry);
  // Hashed before the build reads anything: a setting changed meanwhile reads as stale next time.
  const settings = buildSettingFiles().map((f) => [f, fileHash(f)] as const);
  const sources = new Map<string, string>();
  const result = await build({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: { [stem]: entry },
    bundle: true,
    // Code a dynamic import reaches stays in its own chunk, loaded (with the
    // packages it imports) only when reached: the CLI loads one command.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    outdir: join(ENTRIES_DIR, name),
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    logLevel: 'silent',
    plugins: [packageSources(sources)],
  });
  if (!result.outputFiles.some((f) => f.path.endsWith(`${stem}.mjs`))) throw new Error('esbuild produced no bundle');
  const outputs = result.outputFiles.map((f) => basename(f.path));
  const digest = hashOf(result.outputFiles.map((f) => `${basename(f.path)}\n${hashOf(f.contents)}`).join('\n')).slice(0, 16);
  // One folder per content: written under a temporary name, then renamed, so
  // a concurrent process never runs a half-written bundle.
  const folder = `${name}-${digest}`;
  const dir = join(ENTRIES_DIR, folder);
  mkdirSync(ENTRIES_DIR, { recursive: true });
  if (!existsSync(dir)) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const f of result.outputFiles) writeFileSync(join(tmp, basename(f.path)), f.contents);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process renamed the same content into place first.
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(dir)) throw err;
    }
  }
  // The manifest last: a process that reads it finds the bundle in place.
  const inputs = [...settings, ...[...sources].filter(([p]) => !relative(PACKAGE_ROOT, p).startsWith('node_modules'))];
  const manifest = manifestPath(ENTRIES_DIR, name);
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify({ version: MANIFEST_VERSION, entry, bundle: join(folder, `${stem}.mjs`), outputs, inputs }));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
  pruneOld(name, folder);
  return compiledLaunch(join(dir, `${stem}.mjs`));
}

/** Removes this entry's bundles not built or handed out for a day (builds of sources since changed). */
function pruneOld(name: string, keep: string): void {
  const dayAgo = natives.Date.now() - 24 * 3600_000;
  try {
    for (const f of readdirSync(ENTRIES_DIR)) {
      if (!f.startsWith(`${name}-`) || f === keep) continue;
      const path = join(ENTRIES_DIR, f);
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // Another process pruned it first, or the folder is not ours to tidy.
  }
}
