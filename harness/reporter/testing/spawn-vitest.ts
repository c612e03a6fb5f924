/**
 * Real Vitest processes for the exit-code tests: a scratch project (the
 * repository's contracts, a `node_modules` link, a `vitest.config.ts` that
 * registers the compliance reporter with the given options; its specs run
 * in a worker thread, sparing a forked process) and a child `vitest run`
 * whose exit status, output and report are returned. Unlike
 * {@link runNestedSpecs} (in-process), this sees the exit code a CI sees.
 * The runs of one process share a module cache (see `spawnVitest`).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ComplianceReporterOptions } from '../compliance-reporter.ts';

/** The repository root. */
export const REPO = resolve(import.meta.dirname, '../../..');

/** What a spawned run left: its exit code, output, and `reports/compliance.json` (parsed) if any. */
export interface SpawnedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  report: { gate: { passed: boolean; reasons?: { code: string; message: string }[] }; run: { id?: string; status: string } } | null;
}

/**
 * Makes a scratch project holding `specs` (file name → source) and a config
 * registering the reporter with `options` (JSON). `header` (imports of the
 * matchers and createSnapshot) is prepended to every spec.
 */
export function scratchProject(specs: Record<string, string>, options: ComplianceReporterOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hil-exit-'));
  mkdirSync(join(dir, 'contracts'));
  copyFileSync(join(REPO, 'contracts/feature_performance.yml'), join(dir, 'contracts/feature_performance.yml'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'vitest.config.ts'), `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['*.spec.ts'], pool: 'threads', reporters: ['default', ['${REPO}/harness/reporter/index.ts', ${JSON.stringify({ progress: false, ...options })}]] } });
`);
  const header = `import { expect, test } from 'vitest';
import '${REPO}/harness/matchers/register.ts';
import { createSnapshot } from '${REPO}/harness/metrics/snapshot.ts';
const sim = { target: { kind: 'sim' as const }, clock: { kind: 'virtual' as const }, seed: 1 };
const snap = (name: string, value: number, ctx: Parameters<typeof createSnapshot>[1] = sim) => createSnapshot({ [name]: { value, unit: 'ms', samples: 100 } }, ctx);
void snap;
`;
  for (const [name, source] of Object.entries(specs)) writeFileSync(join(dir, name), `${header}${source}\n`);
  return dir;
}

/**
 * Where this process runs its scratch projects, one at a time: each project is
 * moved to `project` for its run and back after, so that every run has the
 * same root and the runs share Vitest's module cache (`cache`, this process's
 * own): the harness modules a run loads (the reporter, the matchers, the
 * contracts) are transformed by the first run only.
 */
let shared: { project: string; cache: string; busy: boolean } | undefined;

/** Runs `vitest run ...args` in `dir` as a child process, with a clean environment plus `env`. */
export async function spawnVitest(dir: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<SpawnedRun> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The child is a top-level run: none of this worker's Vitest or harness settings leak in.
    if (k.startsWith('VITEST') || k.startsWith('HIL_') || k === 'GITHUB_STEP_SUMMARY' || k === 'TEST' || k === 'NODE_ENV') continue;
    clean[k] = v;
  }
  if (!shared) {
    const base = mkdtempSync(join(tmpdir(), 'hil-exit-shared-'));
    shared = { project: join(base, 'project'), cache: join(base, 'cache'), busy: false };
  }
  const slot = shared;
  // Two runs at once each keep their own folder (and transform for themselves).
  const moved = !slot.busy;
  let cwd = dir;
  if (moved) {
    slot.busy = true;
    renameSync(dir, slot.project);
    cwd = slot.project;
  }
  try {
    return await new Promise<SpawnedRun>((done) => {
      const cache = moved ? ['--experimental.fsModuleCache', `--experimental.fsModuleCachePath=${slot.cache}`] : [];
      execFile(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', ...cache, ...args], {
        // HIL_COMMIT spares the reporter a `git rev-parse` per report write (a scratch project is no repository).
        cwd, env: { ...clean, HIL_CONTRACTS_DIR: join(cwd, 'contracts'), HIL_COMMIT: 'scratch', ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024,
      }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
        const file = join(cwd, 'reports/compliance.json');
        const report = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as SpawnedRun['report'] : null;
        done({ code, stdout, stderr, report });
      });
    });
  } finally {
    if (moved) {
      renameSync(slot.project, dir);
      slot.busy = false;
    }
  }
}
