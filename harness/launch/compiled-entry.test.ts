import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { COMPILED_ENTRIES_ENV, ENTRIES_DIR, launchSpec, type LaunchSpec } from './compiled-entry.ts';

const ENTRY = fileURLToPath(new URL('./testing/where-am-i.ts', import.meta.url));
const run = (spec: LaunchSpec): unknown => JSON.parse(execFileSync(process.execPath, [...spec.execArgv, spec.file], { encoding: 'utf8' }));

test('a bundled entry runs as its sources do: each file keeps its own import.meta, packages resolve', async () => {
  const bundled = await launchSpec(ENTRY, {});
  expect(bundled).toMatchObject({ compiled: true, execArgv: ['--enable-source-maps'] });
  expect(bundled.file.startsWith(ENTRIES_DIR)).toBe(true);
  expect(bundled.file).toMatch(/where-am-i-[0-9a-f]{16}\.mjs$/);
  const fromSource = await launchSpec(ENTRY, { [COMPILED_ENTRIES_ENV]: '0' });
  expect(fromSource).toMatchObject({ compiled: false, file: ENTRY, execArgv: ['--import', 'tsx'] });
  const a = run(bundled);
  expect(a).toEqual(run(fromSource));
  expect(a).toMatchObject({ filename: ENTRY, sibling: fileURLToPath(new URL('./testing/where-am-i-sibling.ts', import.meta.url)), yaml: 'a: 1' });
});

test('one build per process and entry: concurrent callers share it', async () => {
  const [a, b] = await Promise.all([launchSpec(ENTRY, {}), launchSpec(ENTRY, {})]);
  expect(a).toBe(b);
});

test('an entry that does not build runs from source, saying why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-entry-'));
  const broken = join(dir, 'broken.ts');
  writeFileSync(broken, "import { nothing } from './missing.ts';\nconsole.log(nothing);\n");
  const spec = await launchSpec(broken, {});
  expect(spec).toMatchObject({ compiled: false, file: broken, execArgv: ['--import', 'tsx'] });
  expect(spec.fallbackReason).toMatch(/^no bundle: .*missing/);
});
