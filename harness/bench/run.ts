/**
 * Benchmark entry: `npx tsx harness/bench/run.ts [filter]` runs every
 * `*-bench.ts` beside this file (or those whose name contains `filter`),
 * each exporting `run(): Promise<BenchRow[]>`, and prints one table of
 * medians. Exit code 1 when a benchmark fails.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { HilError } from '../errors.ts';
import { formatTable, type BenchRow } from './bench-util.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';

const files = (await readdir(dir)).filter((f) => f.endsWith('-bench.ts') && f.includes(filter)).sort();
if (files.length === 0) {
  throw new HilError('HIL_CONFIG_INVALID', `no *-bench.ts file in ${dir} matches "${filter}"; run without an argument to list them all`);
}

const rows: BenchRow[] = [];
let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: () => Promise<BenchRow[]> };
  if (typeof mod.run !== 'function') {
    console.error(`${file}: exports no run(): Promise<BenchRow[]>; skipped`);
    failed = true;
    continue;
  }
  const started = process.hrtime.bigint();
  try {
    rows.push(...(await mod.run()));
    console.log(`${file}: done in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
  } catch (err) {
    console.error(`${file}: failed:`, err);
    failed = true;
  }
}

console.log(`mbot-hil benchmarks (node ${process.version}, ${process.arch}); medians of repetitions\n`);
console.log(formatTable(rows));
if (failed) process.exitCode = 1;
