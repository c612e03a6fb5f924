// bin.mjs runs the same from its bundle as from source: the output and exit
// code of a good and a bad command line, each way.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { ENTRIES_DIR, entryName, freshBundle } from '../launch/bundle-manifest.mjs';
import { launchSpec } from '../launch/compiled-entry.ts';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

const run = (args: string[], fromSource: boolean): { code: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, HIL_COMPILED_ENTRIES: fromSource ? '0' : '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('the command line from its bundle answers as from source', async () => {
  const spec = await launchSpec(ENTRY, {});
  expect(spec.compiled).toBe(true);
  expect(freshBundle(ENTRIES_DIR, entryName(ENTRY), ENTRY)).toBe(spec.file); // what bin.mjs finds
  for (const args of [['--help'], ['no-such-command'], ['run', '--target', 'moon']]) {
    const bundled = run(args, false);
    const source = run(args, true);
    expect(bundled, args.join(' ')).toEqual(source);
  }
  expect(run(['--help'], false)).toMatchObject({ code: 0, out: expect.stringContaining('Usage: mbot-hil') });
  expect(run(['no-such-command'], false)).toMatchObject({ code: 2, err: expect.stringMatching(/^error HIL_/m) });
}, 60_000);
