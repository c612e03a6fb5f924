// A bundle's manifest: which entry it was built from, the files it is made
// of, and a hash of the content of every source file (and build setting) it
// was built from, so a later process can tell without building whether the
// bundle still matches. Plain JavaScript: `bin.mjs` reads it before any
// TypeScript loader is registered. Types: bundle-manifest.d.mts.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, utimesSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MANIFEST_VERSION = 3;

/** Where bundles go: below the package's `node_modules`, so the packages they import resolve as from the sources. */
export const ENTRIES_DIR = fileURLToPath(new URL('../../node_modules/.cache/mbot-hil/entries', import.meta.url));

/** Set to `0` to run every child (and `mbot-hil` itself) from source through tsx. */
export const COMPILED_ENTRIES_ENV = 'HIL_COMPILED_ENTRIES';

/** True when `env` turns the bundles off ({@link COMPILED_ENTRIES_ENV}`=0`). */
export function compiledEntriesOff(env) {
  return env[COMPILED_ENTRIES_ENV]?.trim() === '0';
}

/** An entry's file name without its extension: the name of its bundle's main file. */
export function entryStem(entry) {
  return basename(entry).replace(/\.[cm]?[jt]s$/u, '');
}

/**
 * The name an entry's bundle and manifest go by: its file name and a hash of
 * its path, so checkouts that share one `node_modules` keep apart.
 */
export function entryName(entry) {
  return `${entryStem(entry)}-${createHash('sha256').update(entry).digest('hex').slice(0, 8)}`;
}

/** The manifest file of the bundle of `name` in `dir`. */
export function manifestPath(dir, name) {
  return join(dir, `${name}.manifest.json`);
}

/** sha256 of content (a string or bytes). */
export function hashOf(content) {
  return createHash('sha256').update(content).digest('hex');
}

/** sha256 of a file's content, or null when it cannot be read. */
export function fileHash(path) {
  try {
    return hashOf(readFileSync(path));
  } catch {
    return null;
  }
}

/**
 * The bundle of `entry` recorded in `dir` under `name`, when its manifest is
 * readable, names this entry, all its files are in place, and every input it
 * lists still has the recorded content; null otherwise (build it again).
 * A bundle handed out has its folder's time renewed, so pruning spares it.
 */
export function freshBundle(dir, name, entry) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(dir, name), 'utf8'));
  } catch {
    return null;
  }
  if (manifest?.version !== MANIFEST_VERSION || manifest.entry !== entry || typeof manifest.bundle !== 'string') return null;
  if (!Array.isArray(manifest.inputs) || manifest.inputs.length === 0 || !Array.isArray(manifest.outputs)) return null;
  const bundle = join(dir, manifest.bundle);
  const folder = dirname(bundle);
  if (!existsSync(bundle) || !manifest.outputs.every((f) => typeof f === 'string' && existsSync(join(folder, f)))) return null;
  for (const input of manifest.inputs) {
    const [path, hash] = Array.isArray(input) ? input : [];
    if (typeof path !== 'string' || fileHash(path) !== hash) return null;
  }
  try {
    const now = new Date();
    utimesSync(folder, now, now);
  } catch {
    // read-only: nothing prunes it there either
  }
  return bundle;
}
