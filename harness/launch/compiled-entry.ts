/**
 * Node entry points of the harness, compiled for the child processes that
 * run them. The harness is TypeScript run from source; a child started as
 * `node --import tsx entry.ts` spends about 1.5 CPU-s loading the
 * companion's 240 source files through tsx's loader, the same child started
 * on one esbuild bundle of them about 0.5 CPU-s. A test run forks dozens of
 * companions, so the difference is a large part of `npm test`.
 *
 * The bundle is written under the package's
 * `node_modules/.cache/mbot-hil/entries/`, named by a hash of its content,
 * with a manifest of the size, modification time and inode of every source
 * file in it (`bundle-manifest.mjs`): a process reuses a bundle whose sources are
 * unchanged (a few hundred `stat` calls) and builds a new one otherwise (about
 * 0.3 CPU-s), at most once per process and entry. In the bundle its bare imports (`ws`, `johnny-five`, ...) resolve from there
 * exactly as from the sources, and each source file keeps its own
 * `import.meta.url`, `dirname` and `filename` (so an entry must run on
 * import: a "am I the main module" test against `process.argv[1]` sees the
 * bundle's path, not the source's). When the bundle cannot be
 * built or written (a read-only install), or `HIL_COMPILED_ENTRIES=0`, the
 * child runs from source through tsx, as before.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { natives } from '../clock/natives.ts';
import { ENTRIES_DIR, freshBundle, MANIFEST_VERSION, manifestPath, stampOf } from './bundle-manifest.mjs';

/** The package root (where `package.json` and `node_modules` are). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { ENTRIES_DIR };

/** Set to `0` to run every child from source through tsx (e.g. to debug a loader problem). */
export const COMPILED_ENTRIES_ENV = 'HIL_COMPILED_ENTRIES';

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
 * bundle when one can be made, else from source. Builds once per process
 * and entry; concurrent callers share the build. Never rejects.
 */
export function launchSpec(entry: string, env: NodeJS.ProcessEnv = process.env): Promise<LaunchSpec> {
  if (env[COMPILED_ENTRIES_ENV]?.trim() === '0') return Promise.resolve(sourceLaunch(entry, `${COMPILED_ENTRIES_ENV}=0`));
  const key = resolve(entry);
  let build = builds.get(key);
  if (!build) {
    const fresh = freshBundle(ENTRIES_DIR, entryName(key), key);
    build = fresh ? Promise.resolve(compiledLaunch(fresh)) : bundleEntry(key).catch((err: unknown) => sourceLaunch(key, `no bundle: ${firstProblem(err)}`));
    builds.set(key, build);
  }
  return build;
}

/** esbuild's first error (it lists them in `errors`), else the message's first line. */
function firstProblem(err: unknown): string {
  const first = (err as { errors?: { text?: string }[] }).errors?.[0]?.text;
  return first ?? String((err as Error)?.message ?? err).split('\n')[0]!;
}

/** Replaces `import.meta.url`, `.dirname` and `.filename` in each source file by that file's own values. */
function ownImportMeta(): Plugin {
  return {
    name: 'own-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mts|mjs|js)$/ }, (args) => {
        // Only the package's own sources are bundled (packages stay external), and
        // an installed copy lives below node_modules too: no path filter here.
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta')) return undefined;
        const contents = source
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path));
        return { contents, loader: args.path.endsWith('.ts') || args.path.endsWith('.mts') ? 'ts' : 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** The name an entry's bundle and manifest go by: its file name without the extension. */
export function entryName(entry: string): string {
  return basename(entry).replace(/\.[cm]?[jt]s$/u, '');
}

function compiledLaunch(file: string): LaunchSpec {
  return { file, execArgv: ['--enable-source-maps'], compiled: true };
}

async function bundleEntry(entry: string): Promise<LaunchSpec> {
  const { build } = await import('esbuild');
  const name = entryName(entry);
  const result = await build({
    absWorkingDir: PACKAGE_ROOT,
    metafile: true,
    entryPoints: { [name]: entry },
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
    plugins: [ownImportMeta()],
  });
  if (!result.outputFiles.some((f) => f.path.endsWith(`${name}.mjs`))) throw new Error('esbuild produced no bundle');
  const hash = createHash('sha256');
  for (const f of result.outputFiles) hash.update(f.path).update(f.contents);
  // One folder per content: written under a temporary name, then renamed, so
  // a concurrent process never runs a half-written bundle.
  const folder = `${name}-${hash.digest('hex').slice(0, 16)}`;
  const dir = join(ENTRIES_DIR, folder);
  mkdirSync(ENTRIES_DIR, { recursive: true });
  if (!existsSync(dir)) {
    const tmp = `${dir}.${process.pid}.tmp`;
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
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => resolve(PACKAGE_ROOT, p))
    // Every source of the package, also when the package itself is installed below a node_modules.
    .filter((p) => !p.startsWith(join(PACKAGE_ROOT, 'node_modules')))
    .map((p) => [p, ...(stampOf(p) ?? [-1, -1, -1])]);
  const manifest = manifestPath(ENTRIES_DIR, name);
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify({ version: MANIFEST_VERSION, entry, bundle: join(folder, `${name}.mjs`), inputs }));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
  pruneOld(name, folder);
  return compiledLaunch(join(dir, `${name}.mjs`));
}

/** Removes this entry's bundles not built or used for a day (builds of sources since changed). */
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
