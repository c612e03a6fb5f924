import { statSync } from 'node:fs';
import { listContractFiles, loadContracts, resolveContractsDir } from './loader.ts';
import type { ContractSet } from './types.ts';

interface Entry {
  fingerprint: string;
  outcome: { ok: true; set: ContractSet } | { ok: false; error: unknown };
}

const cache = new Map<string, Entry>();

// Path, size, mtime and ctime of every contract file: any edit, addition,
// removal or rename changes it. ctime catches an edit that restored mtime.
function fingerprint(dir: string): string {
  return listContractFiles(dir)
    .map((f) => {
      try {
        const s = statSync(f);
        return `${f}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}`;
      } catch {
        return `${f}\0gone`;
      }
    })
    .join('\n');
}

/**
 * The contracts of `dir` (resolved like {@link resolveContractsDir}: `dir`,
 * else `$HIL_CONTRACTS_DIR`, else `<cwd>/contracts`), loaded once and
 * reloaded when any contract file is added, removed or modified. Matchers
 * call this on every assertion: an unchanged directory costs one directory
 * walk and one `stat` per file. A failed load is cached too and rethrown
 * (the same error object) until the files change. Directory-level errors
 * (`HIL_CONTRACT_DIR_NOT_FOUND`, `HIL_CONTRACT_DIR_EMPTY`) are never cached.
 */
export function getContracts(dir?: string): ContractSet {
  const resolved = resolveContractsDir(dir === undefined ? {} : { dir });
  const print = fingerprint(resolved);
  let entry = cache.get(resolved);
  if (entry === undefined || entry.fingerprint !== print) {
    let outcome: Entry['outcome'];
    try {
      outcome = { ok: true, set: loadContracts({ dir: resolved }) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    entry = { fingerprint: print, outcome };
    cache.set(resolved, entry);
  }
  if (!entry.outcome.ok) throw entry.outcome.error;
  return entry.outcome.set;
}

/** Forgets every cached contract set (tests; a watcher that knows better than mtimes). */
export function clearContractsCache(): void {
  cache.clear();
}
