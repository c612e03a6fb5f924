import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { freshBundle } from './bundle-manifest.mjs';
import { COMPILED_ENTRIES_ENV, ENTRIES_DIR, entryName, launchSpec, type LaunchSpec } from './compiled-entry.ts';

const ENTRY = fileURLToPath(new URL('./testing/where-am-i.ts', import.meta.url));
const run = (spec: LaunchSpec): unknown => JSON.parse(execFileSync(process.execPath, [...spec.execArgv, spec.file], { encoding: 'utf8' }));

test('a bundled entry runs as its sources do: each file keeps its own import.meta, packages resolve', async () => {
  const bundled = await launchSpec(ENTRY, {});
  expect(bundled).toMatchObject({ compiled: true, execArgv: ['--enable-source-maps'] });
  expect(bundled.file.startsWith(ENTRIES_DIR)).toBe(true);
  expect(bundled.file).toMatch(/where-am-i-[0-9a-f]{8}-[0-9a-f]{16}\/where-am-i\.mjs$/);
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

test('another process reuses the bundle while its sources are unchanged, and not once one changed', async () => {
  // A copy of the child under another name, whose sources this test may change.
  const dir = mkdtempSync(join(tmpdir(), 'hil-entry-stale-'));
  const entry = join(dir, 'stale-check.ts');
  writeFileSync(entry, readFileSync(ENTRY, 'utf8'));
  const sibling = join(dir, 'where-am-i-sibling.ts');
  const source = readFileSync(fileURLToPath(new URL('./testing/where-am-i-sibling.ts', import.meta.url)), 'utf8');
  // One whole-second time for every version of the file, as npm gives every file of a package one time.
  const time = new Date('2020-01-01T00:00:00Z');
  writeFileSync(sibling, source);
  utimesSync(sibling, time, time);
  const bundled = await launchSpec(entry, {});
  expect(bundled.compiled).toBe(true);
  // What a new process (bin.mjs, another worker) finds without building.
  expect(freshBundle(ENTRIES_DIR, entryName(entry), entry)).toBe(bundled.file);
  expect(freshBundle(ENTRIES_DIR, entryName(entry), '/elsewhere/stale-check.ts')).toBeNull();

  // Replaced by another file of the same size and time: only its inode tells.
  const replacement = `${sibling}.new`;
  writeFileSync(replacement, source.replace('pathname', 'PATHNAME'));
  utimesSync(replacement, time, time);
  renameSync(replacement, sibling);
  expect([statSync(sibling).size, statSync(sibling).mtimeMs]).toEqual([source.length, time.getTime()]);
  expect(freshBundle(ENTRIES_DIR, entryName(entry), entry)).toBeNull();
});

test('a source edited in place (same inode) makes the bundle stale', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-entry-edit-'));
  const entry = join(dir, 'edit-check.ts');
  writeFileSync(entry, readFileSync(ENTRY, 'utf8'));
  const sibling = join(dir, 'where-am-i-sibling.ts');
  writeFileSync(sibling, readFileSync(fileURLToPath(new URL('./testing/where-am-i-sibling.ts', import.meta.url)), 'utf8'));
  const bundled = await launchSpec(entry, {});
  expect(freshBundle(ENTRIES_DIR, entryName(entry), entry)).toBe(bundled.file);
  appendFileSync(sibling, '// changed\n');
  expect(freshBundle(ENTRIES_DIR, entryName(entry), entry)).toBeNull();
});

test('a bundle built by a bundled builder (the CLI bundles this module) still gives each file its own import.meta', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-entry-nested-'));
  const entry = join(dir, 'nested-check.ts');
  writeFileSync(entry, readFileSync(ENTRY, 'utf8'));
  writeFileSync(join(dir, 'where-am-i-sibling.ts'), readFileSync(fileURLToPath(new URL('./testing/where-am-i-sibling.ts', import.meta.url)), 'utf8'));
  const builder = await launchSpec(fileURLToPath(new URL('./build-entries.ts', import.meta.url)), {});
  expect(builder.compiled).toBe(true);
  // The child builds whatever HIL_COMPILED_ENTRIES says in this run's environment: here it must build.
  execFileSync(process.execPath, [...builder.execArgv, builder.file, entry], { encoding: 'utf8', env: { ...process.env, HIL_COMPILED_ENTRIES: '1' } });
  const built = freshBundle(ENTRIES_DIR, entryName(entry), entry);
  expect(built).not.toBeNull();
  expect(run({ file: built as string, execArgv: [], compiled: true })).toMatchObject({ url: pathToFileURL(entry).href, filename: entry, yaml: 'a: 1' });
});

test('a bundle missing one of its files is not handed out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-entry-damaged-'));
  const entry = join(dir, 'damaged-check.ts');
  writeFileSync(entry, readFileSync(ENTRY, 'utf8'));
  writeFileSync(join(dir, 'where-am-i-sibling.ts'), readFileSync(fileURLToPath(new URL('./testing/where-am-i-sibling.ts', import.meta.url)), 'utf8'));
  const bundled = await launchSpec(entry, {});
  expect(freshBundle(ENTRIES_DIR, entryName(entry), entry)).toBe(bundled.file);
  unlinkSync(`${bundled.file}.map`);
  expect(freshBundle(ENTRIES_DIR, entryName(entry), entry)).toBeNull();
});
