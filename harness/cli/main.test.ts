import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { ptyPairAvailable } from '../../simulators/pty/pty-pair.ts';
import { COMMANDS, main } from './main.ts';
import { sinks } from './testing/io-sinks.ts';
import { preloadCommands } from './testing/preload-commands.ts';

// The commands this file runs in-process, loaded before any test's timeout starts (main.ts loads them on use).
beforeAll(() => preloadCommands('sim', 'ports'), 60_000);

describe('mbot-hil CLI dispatch', () => {
  test('--help lists the commands and exits 0; no command is a usage error (2)', async () => {
    const s = sinks();
    expect(await main(['--help'], s.io)).toBe(0);
    expect(s.out()).toMatch(/sim\s+run the simulated mBot/);
    expect(s.out()).toMatch(/ports\s+list serial ports/);
    expect(await main([], sinks().io)).toBe(2);
  });

  test('an unknown command or option exits 2 and shows the usage', async () => {
    const a = sinks();
    expect(await main(['fly'], a.io)).toBe(2);
    expect(a.err()).toContain('unknown command "fly"');
    const b = sinks();
    expect(await main(['sim', '--bogus'], b.io)).toBe(2);
    expect(b.err()).toMatch(/Unknown option '--bogus'[\s\S]*Usage: mbot-hil sim/);
    const c = sinks();
    expect(await main(['sim', '--pty', '--seed', 'abc'], c.io)).toBe(2);
    expect(c.err()).toContain('error HIL_CLI_USAGE: --seed must be an integer in');
  });

  test('each name loads its own command (loaded on use), with the summary --help lists', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const command = await entry.load();
      expect(command.summary, name).toBe(entry.summary);
      expect(command.help, name).toContain(`mbot-hil ${name}`);
    }
  }, 60_000);

  test('every command answers --help', async () => {
    for (const name of ['sim', 'ports']) {
      const s = sinks();
      expect(await main([name, '--help'], s.io)).toBe(0);
      expect(s.out()).toContain(`Usage: mbot-hil ${name}`);
    }
  });
});

test.skipIf(!ptyPairAvailable())('bin.mjs sim --pty prints a device path that exists, and stops cleanly on SIGINT', async () => {
  const bin = fileURLToPath(new URL('./bin.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'sim', '--pty', '--json', '--reset-delay-ms', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      const nl = stdout.indexOf('\n');
      if (nl >= 0) resolve(stdout.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing: ${stderr}`)));
  });
  const info = JSON.parse(line) as { path: string; device: string; seed: number };
  expect(info.seed).toBe(1);
  expect(existsSync(info.path)).toBe(true);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(stderr).toContain('stopped (SIGINT)');
  expect(existsSync(info.path)).toBe(false);
  // Starting bin.mjs (tsx compiles the CLI) and the PTY relay takes 4-10 s on a loaded 2-core machine.
}, 60_000);
