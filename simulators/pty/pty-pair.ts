/**
 * A pair of connected pseudo-terminals: bytes written to one end come out
 * of the other, and either end opens with serialport's real binding like a
 * USB serial device. Two providers:
 *
 * - `python3`: `pty-relay.py`, Python 3's standard library only (a fresh CI
 *   machine has python3 but no socat). It sees the host open and close its
 *   end, which a board sees as DTR: `onHostOpen` reports it, so the
 *   stand-in can reset and announce as a real board does.
 * - `socat`: `socat -d -d pty,raw,echo=0,link=<host> pty,raw,echo=0,link=<sim>`,
 *   run under `child-watchdog.mjs`. It keeps both ends open, so opens are
 *   not visible.
 *
 * `auto` (the default; `HIL_PTY_PROVIDER` overrides) takes python3 when it
 * is installed, else socat. The link paths stay the same across `restart()`
 * (a by-id path on a bench does too). The child never outlives this process:
 * it watches the pipe on its stdin and ends when that closes, which also
 * happens when this process is killed with SIGKILL; then it removes its links.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HilError } from '../../harness/errors.ts';
import { realClearTimeout, realSetTimeout, realSleep } from '../../harness/clock/real-time.ts';
import { knownPython3, probePython3 } from './python3.ts';

/** Who makes the PTY pair. */
export type PtyProvider = 'python3' | 'socat';

/** Every provider, in the order `auto` tries them. */
export const PTY_PROVIDERS: readonly PtyProvider[] = Object.freeze(['python3', 'socat']);

/** How to get a provider, for error messages. */
export const PTY_INSTALL_HINT =
  'install Python 3 (Debian/Ubuntu: sudo apt-get install -y python3) or socat (sudo apt-get install -y socat; macOS: brew install socat)';

const RELAY = fileURLToPath(new URL('./pty-relay.py', import.meta.url));
const WATCHDOG = fileURLToPath(new URL('./child-watchdog.mjs', import.meta.url));

const availability = new Map<PtyProvider, boolean>();
// The interpreter `python3` resolves to: spawning it directly skips wrapper scripts (pyenv's shims cost ≈ 0.6 s a start).
let pythonExecutable = 'python3';

/** True when `provider` can run here (checked once per process). */
export function ptyProviderAvailable(provider: PtyProvider): boolean {
  let ok = availability.get(provider);
  if (ok === undefined) {
    if (provider === 'socat') {
      const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
      ok = r.error === undefined && r.status === 0;
    } else {
      // HIL_PYTHON3: the interpreter vitest.config.ts found for the whole run (python3.ts); else ask python3.
      const found = knownPython3() ?? probePython3();
      ok = found !== null;
      if (found !== null) pythonExecutable = found;
    }
    availability.set(provider, ok);
  }
  return ok;
}

/**
 * The provider `startPtyPair` uses by default: `HIL_PTY_PROVIDER` (`python3`,
 * `socat` or `auto`), else the first available of {@link PTY_PROVIDERS}.
 * Throws HIL_CONFIG_INVALID for another value, HIL_PTY_UNAVAILABLE when the
 * chosen provider (or, for auto, every provider) is missing.
 */
export function choosePtyProvider(env: Record<string, string | undefined> = process.env): PtyProvider {
  const asked = env.HIL_PTY_PROVIDER?.trim() || 'auto';
  if (asked !== 'auto' && asked !== 'python3' && asked !== 'socat') {
    throw new HilError('HIL_CONFIG_INVALID', `HIL_PTY_PROVIDER=${asked} is not valid; it accepts 'auto', 'python3' or 'socat'`);
  }
  if (asked !== 'auto') {
    if (!ptyProviderAvailable(asked)) {
      throw new HilError('HIL_PTY_UNAVAILABLE', `HIL_PTY_PROVIDER=${asked}, but ${asked} is not installed; ${PTY_INSTALL_HINT}, or unset HIL_PTY_PROVIDER.`);
    }
    return asked;
  }
  const found = PTY_PROVIDERS.find((p) => ptyProviderAvailable(p));
  if (found === undefined) {
    throw new HilError('HIL_PTY_UNAVAILABLE', `neither python3 nor socat is installed, so the simulator cannot be put behind a PTY; ${PTY_INSTALL_HINT}. Or run the sim project only (npx vitest run --project sim).`);
  }
  return found;
}

/** True when a PTY pair can be made here with the environment's choice of provider. */
export function ptyPairAvailable(env: Record<string, string | undefined> = process.env): boolean {
  try {
    choosePtyProvider(env);
    return true;
  } catch {
    return false;
  }
}

/** How the provider's process ended when nobody asked it to. */
export interface PtyPairExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Its last output lines. */
  log: string;
}

/** A running PTY pair. */
export interface PtyPair {
  readonly provider: PtyProvider;
  /** Stable symlink of the end the host (hardware target) opens. */
  readonly hostPath: string;
  /** Stable symlink of the end the simulator serves. */
  readonly simPath: string;
  /** The /dev/pts devices behind the links right now (they change on restart). */
  readonly devices: { host: string; sim: string };
  /** True while the provider's process runs. */
  readonly running: boolean;
  /** Process id of the process that holds the PTYs (the python3 relay, or socat itself, not its watchdog), while running. */
  readonly pid: number | undefined;
  /** True when host opens and closes are reported through `onHostOpen` (python3). */
  readonly seesHostOpens: boolean;
  /** Calls `listener(true)` when a host opens the host end, `listener(false)` when it closes it. Returns an unsubscribe function. */
  onHostOpen(listener: (open: boolean) => void): () => void;
  /** True when {@link PtyPair.hostLineSpeed} reads the host end's rate (python3). */
  readonly readsHostLineSpeed: boolean;
  /**
   * The rate set on the host end (python3: read by the relay on its side of the PTY, so nothing
   * opens the device, which would count as a host's open): the last host's, or the new PTY's default
   * (38400 on Linux, as `stty -F` reads it) before any host set one; null when unknown, when the relay
   * is not running or does not answer within 2 s, or with socat.
   */
  hostLineSpeed(): Promise<number | null>;
  /** Calls `listener` when the provider's process ends without `stop()` (killed, crashed). Returns an unsubscribe function. */
  onUnexpectedExit(listener: (exit: PtyPairExit) => void): () => void;
  /** Ends the provider (stdin closed, SIGTERM, SIGKILL after 1 s): both ends hang up. Idempotent. */
  stop(): Promise<void>;
  /** Starts the provider again on the same link paths (after `stop()` or an unexpected exit). */
  restart(): Promise<void>;
  /** Last lines the provider printed on stderr, for error messages. */
  log(): string;
}

/** Options of {@link startPtyPair}. */
export interface PtyPairOptions {
  /** Directory for the two links (made if missing). */
  dir: string;
  /** Default `auto`: {@link choosePtyProvider}. */
  provider?: PtyProvider | 'auto';
  /** Also remove `dir` (when empty) whenever the provider ends, even after this process died. Default false. */
  cleanupDir?: boolean;
  /** Real ms to wait for both links. Default 3000. */
  startTimeoutMs?: number;
}

function linkTarget(path: string): string | null {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : null;
  } catch {
    return null;
  }
}

/** Removes `path` if it is a link to `target` (a dead provider's leftover). */
function removeLinkTo(path: string, target: string): void {
  if (target !== '' && linkTarget(path) === target) rmSync(path, { force: true });
}

/**
 * Starts the provider and resolves once both link paths point at their
 * /dev/pts device. Rejects with HIL_PTY_UNAVAILABLE (saying what to
 * install) when no provider is available or the provider fails to start
 * (with its output), HIL_CONFIG_INVALID for a bad `HIL_PTY_PROVIDER`.
 */
export async function startPtyPair(opts: PtyPairOptions): Promise<PtyPair> {
  const provider = opts.provider === undefined || opts.provider === 'auto' ? choosePtyProvider() : opts.provider;
  if (!ptyProviderAvailable(provider)) {
    throw new HilError('HIL_PTY_UNAVAILABLE', `${provider} is not installed, so the simulator cannot be put behind a PTY; ${PTY_INSTALL_HINT}.`);
  }
  const hostPath = join(opts.dir, 'host');
  const simPath = join(opts.dir, 'sim');
  const startTimeoutMs = opts.startTimeoutMs ?? 3000;
  let child: ChildProcess | null = null;
  let exited = true;
  let stopping = false;
  let stderr = '';
  let devices = { host: '', sim: '' };
  const openListeners = new Set<(open: boolean) => void>();
  const exitListeners = new Set<(exit: PtyPairExit) => void>();
  /** Line-speed questions to the relay waiting for their answer, by id (each answer removes its own). */
  const speedAsked = new Map<number, (baudRate: number | null) => void>();
  let speedIds = 0;

  // Belt and braces: the child also ends by itself when our end of its stdin pipe closes.
  const onProcessExit = (): void => { child?.kill('SIGTERM'); };

  const command = (): [string, string[]] => {
    const cleanup = opts.cleanupDir ? [opts.dir] : [];
    if (provider === 'python3') return [pythonExecutable, [RELAY, hostPath, simPath, ...cleanup]];
    return [
      process.execPath,
      [WATCHDOG, ...(opts.cleanupDir ? ['--cleanup-dir', opts.dir] : []), '--', 'socat', '-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${simPath}`],
    ];
  };

  const start = async (): Promise<void> => {
    stderr = '';
    stopping = false;
    mkdirSync(opts.dir, { recursive: true });
    const [file, args] = command();
    const c = spawn(file, args, { stdio: ['pipe', provider === 'python3' ? 'pipe' : 'ignore', 'pipe'] });
    child = c;
    exited = false;
    process.once('exit', onProcessExit);
    c.stdin?.on('error', () => {}); // EPIPE once the child is gone
    c.stderr?.setEncoding('utf8');
    c.stderr?.on('data', (s: string) => { stderr = (stderr + s).slice(-4000); });
    let events = '';
    c.stdout?.setEncoding('utf8');
    c.stdout?.on('data', (s: string) => {
      events += s;
      for (let nl = events.indexOf('\n'); nl >= 0; nl = events.indexOf('\n')) {
        const line = events.slice(0, nl).trim();
        events = events.slice(nl + 1);
        const speed = /^speed (\d+) (\d+)$/.exec(line);
        if (speed) {
          const baudRate = Number(speed[2]);
          speedAsked.get(Number(speed[1]))?.(baudRate > 0 ? baudRate : null);
          continue;
        }
        if (line !== 'open' && line !== 'close') continue;
        for (const l of [...openListeners]) l(line === 'open');
      }
    });
    c.once('exit', (code, signal) => {
      exited = true;
      for (const answer of [...speedAsked.values()]) answer(null);
      process.off('exit', onProcessExit);
      // A provider killed outright leaves its links dangling.
      removeLinkTo(hostPath, devices.host);
      removeLinkTo(simPath, devices.sim);
      if (!stopping && c === child) {
        const exit = { code, signal, log: stderr.trim() };
        for (const l of [...exitListeners]) l(exit);
      }
    });
    c.once('error', (err) => { exited = true; stderr += `\n${err.message}`; });
    // Wait for the provider to announce both PTYs and for fresh links to exist. Counted in
    // real sleeps, not Date.now(): a virtual clock may own Date.
    for (let waitedMs = 0; ; waitedMs += 10) {
      const ptys = [...stderr.matchAll(/PTY is (\/dev\/\S+)/g)].map((m) => m[1] ?? '');
      const host = linkTarget(hostPath);
      const sim = linkTarget(simPath);
      if (ptys.length >= 2 && host === ptys[0] && sim === ptys[1] && existsSync(host) && existsSync(sim)) {
        devices = { host, sim };
        return;
      }
      if (exited || waitedMs > startTimeoutMs) {
        stopping = true;
        c.kill('SIGKILL');
        throw new HilError('HIL_PTY_UNAVAILABLE', `${provider} did not make the PTY pair in ${startTimeoutMs} ms${exited ? ' (it exited)' : ''}; its output:\n${stderr.trim() || '(nothing)'}`);
      }
      await realSleep(10);
    }
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || exited) return;
    stopping = true;
    c.stdin?.end();
    c.kill('SIGTERM');
    for (let waitedMs = 0; !exited && waitedMs < 1000; waitedMs += 10) await realSleep(10);
    if (!exited) c.kill('SIGKILL');
    for (let waitedMs = 0; !exited && waitedMs < 1000; waitedMs += 10) await realSleep(10);
  };

  await start();
  return {
    provider,
    hostPath,
    simPath,
    get devices() { return devices; },
    get running() { return !exited; },
    get pid() {
      if (exited) return undefined;
      // socat names itself in every log line: `... socat[1234] N PTY is ...`.
      const own = provider === 'socat' ? /socat\[(\d+)\]/.exec(stderr)?.[1] : undefined;
      return own !== undefined ? Number(own) : child?.pid;
    },
    seesHostOpens: provider === 'python3',
    readsHostLineSpeed: provider === 'python3',
    hostLineSpeed() {
      const c = child;
      if (provider !== 'python3' || !c?.stdin || exited) return Promise.resolve(null);
      const id = ++speedIds;
      return new Promise<number | null>((resolve) => {
        const answer = (baudRate: number | null): void => {
          speedAsked.delete(id);
          realClearTimeout(timer);
          resolve(baudRate);
        };
        const timer = realSetTimeout(() => answer(null), 2000);
        speedAsked.set(id, answer);
        c.stdin?.write(`speed ${id}\n`);
      });
    },
    onHostOpen(listener) {
      openListeners.add(listener);
      return () => openListeners.delete(listener);
    },
    onUnexpectedExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
    stop,
    async restart() {
      await stop();
      await start();
    },
    log: () => stderr.trim(),
  };
}
