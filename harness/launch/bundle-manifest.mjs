// A bundle's manifest: which entry it was built from and the stamp (size,
// modification time, inode) of every source file in it, so a later process can tell
// without building whether the bundle still matches the sources. Plain
// JavaScript: `bin.mjs` reads it before any TypeScript loader is registered.
// Types: bundle-manifest.d.mts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MANIFEST_VERSION = 2;

/** Where bundles go: below the package's `node_modules`, so the packages they import resolve as from the sources. */
export const ENTRIES_DIR = fileURLToPath(new URL('../../node_modules/.cache/mbot-hil/entries', import.meta.url));

/** The manifest file of the bundle of `name` in `dir`. */
export function manifestPath(dir, name) {
  return join(dir, `${name}.manifest.json`);
}

/**
 * The stamp of one source file, or null when it is gone: its size,
 * modification time and inode. The inode catches a file replaced with one of
 * the same size and time (npm gives every file of a package the same time).
 */
export function stampOf(path) {
  try {
    const s = statSync(path);
    return [s.size, s.mtimeMs, s.ino];
  } catch {
    return null;
  }
}

/**
 * The bundle of `entry` recorded in `dir` under `name`, when its manifest is
 * readable, names this entry, and every source file it lists still has the
 * recorded size and modification time; null otherwise (build it again).
 */
export function freshBundle(dir, name, entry) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(dir, name), 'utf8'));
  } catch {
    return null;
  }
  if (manifest?.version !== MANIFEST_VERSION || manifest.entry !== entry || typeof manifest.bundle !== 'string' || !Array.isArray(manifest.inputs)) return null;
  const bundle = join(dir, manifest.bundle);
  if (!existsSync(bundle)) return null;
  for (const input of manifest.inputs) {
    const [path, ...stamp] = Array.isArray(input) ? input : [];
    const now = typeof path === 'string' ? stampOf(path) : null;
    if (!now || now.length !== stamp.length || now.some((v, i) => v !== stamp[i])) return null;
  }
  return bundle;
}
