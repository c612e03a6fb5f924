// Issue 11 item 7: every failure of the command line exits non-zero with a
// HIL_* code and no stack trace, options are checked before anything boots,
// and the PTY relay never outlives `mbot-hil sim --pty`. Two cases run the
// real `bin.mjs` in a child process, as a person would, because the process
// is their subject: a usage error that must end the process (it used to
// hang), and a SIGKILL the relay must survive no longer. The rest run the
// command in-process (`main(argv, io)`). The waits are long because starting
// bin.mjs (tsx compiling the CLI) takes 4-10 s on a loaded 2-core machine;
// "never exits" is told apart by the exit code and message, not by the time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { SerialPort } from 'serialport';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { describeFailure } from './cli-support.ts';
import { main } from './main.ts';
import { startInProcess } from './testing/in-process.ts';
import { sinks, type Sinks } from './testing/io-sinks.ts';
import { processAlive } from '../clock/process-alive.ts';
import { realWaitUntil } from '../clock/real-time.ts';
import { preloadCommands } from './testing/preload-commands.ts';

// The commands this file runs in-process, loaded before any test's timeout starts (main.ts loads them on use).
beforeAll(() => preloadCommands('sim', 'companion'), 60_000);

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
const hasPty = ['python3', 'socat'].some((cmd) => spawnSync(cmd, [cmd === 'socat' ? '-V' : '--version'], { stdio: 'ignore' }).status === 0);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Exit code, or 'running' when it had not exited within `ms`. */
  exit(ms: number): Promise<number | 'running'>;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15))));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit: (ms) => Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), ms))]),
  };
}

async function firstLine(r: Run, ms: number): Promise<string> {
  for (let waited = 0; waited < ms; waited += 20) {
    const nl = r.stdout().indexOf('\n');
    if (nl >= 0) return r.stdout().slice(0, nl);
    if (r.child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`no output line within ${ms} ms; stderr:\n${r.stderr()}`);
}

/** Every process whose parent chain leads to `pid` (Linux `ps`), but the `ps` that lists them. */
function descendants(pid: number): number[] {
  const rows = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' }).stdout.trim().split('\n')
    .map((r) => r.trim().split(/\s+/)).filter((r) => r[2] !== 'ps');
  const parentOf = new Map(rows.map((r) => [Number(r[0]), Number(r[1])] as [number, number]));
  const out: number[] = [];
  for (const [p] of parentOf) {
    for (let q = parentOf.get(p); q !== undefined && q > 1; q = parentOf.get(q)) {
      if (q === pid) {
        out.push(p);
        break;
      }
    }
  }
  return out.filter((p) => p !== pid);
}

const waitUntil = (pred: () => boolean, ms: number): Promise<boolean> => realWaitUntil(pred, ms, 25);

/** A coded one-line failure: `error HIL_...:` and no stack frame. */
function expectCoded(stderr: string, code: string): void {
  expect(stderr).toMatch(new RegExp(`^error ${code}: `));
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('bad command lines fail fast, coded, without a stack', () => {
  test('sim --pty --reset-delay-ms 999999: exit 2 at once (it used to print its error and never exit)', async () => {
    const r = run(['sim', '--pty', '--reset-delay-ms', '999999']);
    expect(await r.exit(60_000)).toBe(2);
    expectCoded(r.stderr(), 'HIL_CLI_USAGE');
    expect(r.stderr()).toContain('--reset-delay-ms must be an integer in 0..60000; got "999999"');
  }, 120_000);

});

describe('bad values are usage errors with HIL_CLI_USAGE, before anything starts (in-process)', () => {
  test('--http-port 70000 (it was an uncoded ERR_SOCKET_BAD_PORT with a stack)', async () => {
    const s = sinks();
    expect(await main(['sim', '--http-port', '70000', '--ws-port', '0'], s.io)).toBe(2);
    expectCoded(s.err(), 'HIL_CLI_USAGE');
    expect(s.err()).toContain('--http-port must be an integer in 0..65535; got "70000"');
  });

  test('negative numbers are values, not "ambiguous" options; a negative seed is a seed', async () => {
    const s = sinks();
    expect(await main(['sim', '--pty', '--reset-delay-ms', '-1'], s.io)).toBe(2);
    expectCoded(s.err(), 'HIL_CLI_USAGE');
    expect(s.err()).toContain('--reset-delay-ms must be an integer in 0..60000; got "-1"');
    expect(s.err()).not.toContain('ambiguous');
    const t = sinks();
    expect(await main(['sim', '--pty', '--seed', '-5', '--reset-delay-ms', 'soon'], t.io)).toBe(2);
    expect(t.err()).toContain('--reset-delay-ms must be an integer');
  });

  test("--port '' is refused, not taken as auto-detect", async () => {
    const s = sinks();
    expect(await main(['companion', '--port', '', '--ws-port', '0'], s.io)).toBe(2);
    expectCoded(s.err(), 'HIL_CLI_USAGE');
    expect(s.err()).toContain('--port needs a value');
  });

  test('unknown commands and options, and no command at all, carry HIL_CLI_USAGE', async () => {
    for (const argv of [['fly'], ['sim', '--bogus'], []]) {
      const s = sinks();
      expect(await main(argv, s.io)).toBe(2);
      expectCoded(s.err(), 'HIL_CLI_USAGE');
    }
  });

  test('a taken --ws-port is found before the simulator boots (it was found after the boot and handshake)', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const s = sinks();
      // A 60 s boot: the companion could not get as far as its own listen before its handshake gives up,
      // so "port in use" can only come from a check before the boot.
      expect(await main(['sim', '--reset-delay-ms', '60000', '--ws-port', String(port), '--http-port', '0'], s.io)).toBe(1);
      expectCoded(s.err(), 'HIL_COMPANION_START_FAILED');
      expect(s.err()).toContain(`cannot listen on 127.0.0.1:${port} (--ws-port): the port is in use`);
    } finally {
      busy.close();
    }
  }, 30_000);

  test('an error nobody foresaw is HIL_UNEXPECTED with its message and no stack (HIL_DEBUG=1 adds it)', () => {
    const err = new TypeError('x is not a function');
    expect(describeFailure(err, {})).toMatch(/^HIL_UNEXPECTED: TypeError: x is not a function; this is a bug in mbot-hil/);
    expect(describeFailure(err, {})).not.toContain('\n');
    expect(describeFailure(err, { HIL_DEBUG: '1' })).toContain('\n    at ');
    expect(describeFailure(Object.assign(new Error('listen EACCES'), { code: 'EACCES' }), {})).toContain('listen EACCES (EACCES)');
  });
});

describe.skipIf(!hasPty)('sim --pty and its PTY relay', () => {
  test('SIGKILL of mbot-hil sim --pty: the relay ends and its links and folder go (socat used to stay, with the folder)', async () => {
    const r = run(['sim', '--pty', '--json', '--reset-delay-ms', '0']);
    const info = JSON.parse(await firstLine(r, 60_000)) as { path: string };
    const relay = descendants(r.child.pid as number);
    expect(relay.length).toBeGreaterThan(0);
    r.child.kill('SIGKILL');
    expect(await waitUntil(() => relay.every((p) => !processAlive(p)), 5000), `still running: ${relay.filter(processAlive).join(', ')}`).toBe(true);
    expect(await waitUntil(() => !existsSync(dirname(info.path)), 3000), `${dirname(info.path)} left behind`).toBe(true);
  }, 120_000);

});

/** The processes started under this one since `before` was taken (the relay of an in-process `sim --pty`). */
function newDescendants(before: readonly number[]): number[] {
  return descendants(process.pid).filter((p) => !before.includes(p));
}

/** `sim --pty --json` run in-process until its JSON line; `done` is its exit code. */
async function simPtyInProcess(): Promise<{ s: Sinks; info: { path: string }; done: Promise<number> }> {
  const { s, out, done } = await startInProcess(['sim', '--pty', '--json', '--reset-delay-ms', '0'], '\n');
  return { s, info: JSON.parse(out) as { path: string }, done };
}

/** `done`, or 'running' when it has not settled within `ms`. */
const within = <T>(done: Promise<T>, ms: number): Promise<T | 'running'> => Promise.race([done, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), ms))]);

// The same command in-process (`main(argv, io)`: the exit code bin.mjs hands to the shell): what happens
// when the relay dies, and what the simulator does with a flood of bytes, are not about the process.
describe.skipIf(!hasPty)('sim --pty and its PTY relay (in-process)', () => {
  test('the relay dies: sim --pty ends with exit 1 and HIL_PTY_LOST, and removes the links (it exited 13 with no message)', async () => {
    const before = descendants(process.pid);
    const { s, info, done } = await simPtyInProcess();
    // The process that holds the PTY pair's masters: the deepest descendant (socat under its watchdog, or the python3 relay).
    const relay = newDescendants(before);
    expect(relay.length).toBeGreaterThan(0);
    for (const p of relay.reverse()) process.kill(p, 'SIGKILL');
    // A command that never settles here is the process that exited 13 with nothing printed.
    expect(await within(done, 30_000)).toBe(1);
    expectCoded(s.err(), 'HIL_PTY_LOST');
    expect(existsSync(info.path)).toBe(false);
    expect(existsSync(dirname(info.path))).toBe(false);
  }, 60_000);

  test('five bursts of 1,365 buzzer toggles written to the device: the simulator lives on and answers (it crashed in world.setTone)', async () => {
    const { s, info, done } = await simPtyInProcess();
    const port = await new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path: info.path, baudRate: 57600 }, (err) => (err ? reject(err) : resolve(p)));
    });
    try {
      const got: number[] = [];
      port.on('data', (b: Buffer) => got.push(...b));
      // Let a reset on open finish (python3 relay), then start from a clean slate.
      await new Promise((res) => setTimeout(res, 300));
      const burst: number[] = [];
      for (let i = 0; i < 1365; i++) burst.push(0x91, (i + 1) & 1, 0);
      for (let b = 0; b < 5; b++) port.write(Buffer.from(burst));
      await new Promise<void>((resolve) => port.drain(() => resolve()));
      got.length = 0;
      // Ask for the version right behind the 20 KiB: they take 3.6 s to cross the 57600-baud wire, and the
      // simulator answers the query only after it has handled every toggle (it used to wait 4.5 s, then ask).
      port.write(Buffer.from([0xf9]));
      expect(await waitUntil(() => got.includes(0xf9), 10_000), `no version reply; stderr:\n${s.err()}`).toBe(true);
      expect(await within(done, 0), s.err()).toBe('running');
    } finally {
      await new Promise<void>((resolve) => port.close(() => resolve()));
    }
    s.stop('SIGINT');
    expect(await within(done, 30_000)).toBe(0);
    expect(s.err()).toContain('stopped (SIGINT): simulator and PTY closed');
  }, 60_000);
});

// The companion's token on its command line: companion-command.test.ts (a real process in text mode, and --json in-process).
