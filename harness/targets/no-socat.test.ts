// A fresh CI machine has python3 but no socat (issue 12 item 5): the hardware
// project's robot specs must run through the PTY stand-in all the same. Where
// socat is installed, a mount namespace hides it (an empty file bound over
// each socat on PATH, so running it fails); then a nested Vitest runs a robot
// spec on HIL_PORT=sim-pty, which must pick the python3 relay.
//
// One spec file, faults.spec.ts, is enough: it opens the stand-in, pulls the
// cable (the relay reports the host's close), replugs, reconnects, drives and
// reads the sonar through it, and survives line noise. The other robot specs
// already run through the same python3 relay in the outer `npm test`'s
// hardware project (auto takes python3 first): what only this test shows is
// that nothing on that path needs socat.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { ptyProviderAvailable } from '../../simulators/pty/pty-pair.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST_BIN = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const SPEC = 'specs/robot/faults.spec.ts';

const socats = spawnSync('sh', ['-c', 'which -a socat'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.trim() !== '');
const canHide = process.platform === 'linux' && spawnSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' }).status === 0;
const hasPython = ptyProviderAvailable('python3');
const why =
  !hasPython ? 'python3 is not installed: the no-socat path needs it'
  : socats.length > 0 && !canHide ? 'socat is installed and this process may not make a mount namespace (unshare -m) to hide it'
  : undefined;

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // The parent runs inside Vitest; its worker variables would confuse the child Vitest.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'TEST' && k !== 'HIL_PTY_PROVIDER') env[k] = v;
  return { ...env, HIL_PORT: 'sim-pty', FORCE_COLOR: '0', NO_COLOR: '1' };
}

test.skipIf(why !== undefined)(`the hardware project's fault specs (unplug, replug, drive, noise) pass through the PTY stand-in with no socat${why ? ` (skipped: ${why})` : ''}`, async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'hil-no-socat-'));
  try {
    const empty = join(scratch, 'empty');
    writeFileSync(empty, '');
    // `--reporter=dot` replaces the configured reporters: the nested run writes no reports over the outer run's.
    const vitest = [process.execPath, VITEST_BIN, 'run', '--project', 'hardware', '--reporter=dot', SPEC].map((a) => `'${a}'`).join(' ');
    const hide = socats.map((s) => `mount --bind '${empty}' '${s}' || exit 96`).join('\n');
    const script = `${hide}\nif socat -V >/dev/null 2>&1; then echo 'socat still runs' >&2; exit 97; fi\nexec ${vitest}`;
    const [cmd, args] = socats.length > 0 ? ['unshare', ['-m', '--propagation', 'private', 'sh', '-c', script]] : ['sh', ['-c', script]];
    const child = spawn(cmd, args as string[], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, output).toBe(0);
    expect(output).toMatch(/Test Files\s+1 passed \(1\)/);
    // All three ran: a jig without unplug or noise would skip them, and a skip proves nothing.
    expect(output).toMatch(/Tests\s+3 passed \(3\)/);
    expect(output).not.toMatch(/HIL_PTY_UNAVAILABLE/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}, 300_000);
