// A recording is read into memory whole (replay, drift). A small file can claim far more events than the heap
// holds: gzip squeezes a repeated line ~500:1, so a 0.5 MB file inflates to 19 million events. The reader must
// refuse it with HIL_RECORDING_INVALID before the heap runs out, whatever this process's heap limit is.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, expect, test } from 'vitest';

const READER = fileURLToPath(new URL('./recording-reader.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hil-rec-bomb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = JSON.stringify({ format: 'mbot-hil-recording', version: 1, session: 's', startedAt: '2026-12-06T00:00:00.000Z', clock: 'virtual', target: { kind: 'sim' }, seed: 1, writer: 'test' });

test('a small file inflating to millions of events is HIL_RECORDING_INVALID, not a crash out of heap', async () => {
  // 2 million one-byte tx events in 55 KB: about 600 MB once loaded, more than a 256 MB heap holds.
  const member = gzipSync(Buffer.from('[0,"tx","00"]\n'.repeat(1_000_000)), { level: 9 });
  const file = join(dir, 'bomb.hilrec');
  writeFileSync(file, Buffer.concat([gzipSync(`${HEADER}\n`), member, member]));
  const script = `import(${JSON.stringify(READER)}).then((m) => m.loadRecording(${JSON.stringify(file)}))
    .then((r) => console.log('LOADED', r.sessions[0].events.length), (e) => console.log('REFUSED', e.code, e.message))`;
  const child = spawn(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  expect(out).toMatch(/REFUSED HIL_RECORDING_INVALID .*holds more than \d+ events/);
  expect(code).toBe(0);
}, 60_000);
