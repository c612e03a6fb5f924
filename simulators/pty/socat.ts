/**
 * A pair of connected pseudo-terminals made by socat:
 *
 *   socat -d -d pty,raw,echo=0,link=<dir>/host pty,raw,echo=0,link=<dir>/sim
 *
 * Bytes written to one end come out of the other, and either end can be
 * opened with serialport's real binding like a USB serial device. The link
 * paths stay the same across restarts (`restart()`), so "pull the cable and
 * plug it back in" keeps the device path, as a by-id path does on a bench.
 * socat keeps both slave ends open itself, so a client may open and close
 * an end many times; bytes written while nobody reads are buffered.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { HilError } from '../../harness/errors.ts';
import { realSleep } from '../../harness/targets/real-time.ts';

/** How to install socat, for error messages. */
export const SOCAT_INSTALL_HINT =
  'install socat (Debian/Ubuntu: sudo apt-get install -y socat; Fedora: sudo dnf install socat; macOS: brew install socat)';

/** True when a `socat` executable is on PATH. */
export function socatAvailable(): boolean {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** A running socat pair. */
export interface SocatPair {
  /** Stable symlink of the end the host (hardware target) opens. */
  readonly hostPath: string;
  /** Stable symlink of the end the simulator serves. */
  readonly simPath: string;
  /** The /dev/pts devices behind the links right now (they change on restart). */
  readonly devices: { host: string; sim: string };
  /** True while socat runs. */
  readonly running: boolean;
  /** Kills socat (SIGTERM, then SIGKILL after 1 s): both ends hang up, clients see EIO/disconnect. Idempotent. */
  stop(): Promise<void>;
  /** Starts socat again on the same link paths (after `stop()`). */
  restart(): Promise<void>;
  /** Last lines socat printed on stderr, for error messages. */
  log(): string;
}

/** Options of {@link startSocatPair}. */
export interface SocatPairOptions {
  /** Directory for the two links (must exist). */
  dir: string;
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

/**
 * Starts socat and resolves once both link paths point at their /dev/pts
 * device. Rejects with HIL_PTY_UNAVAILABLE (with install instructions) when
 * socat is missing, and with HIL_PTY_UNAVAILABLE and socat's own output when
 * it fails to start. The child is killed when this process exits.
 */
export async function startSocatPair(opts: SocatPairOptions): Promise<SocatPair> {
  if (!socatAvailable()) {
    throw new HilError('HIL_PTY_UNAVAILABLE', `socat is not installed, so the simulator cannot be put behind a PTY; ${SOCAT_INSTALL_HINT}. Or run the sim project only (npx vitest run --project sim).`);
  }
  const hostPath = join(opts.dir, 'host');
  const simPath = join(opts.dir, 'sim');
  const startTimeoutMs = opts.startTimeoutMs ?? 3000;
  let child: ChildProcess | null = null;
  let exited = true;
  let stderr = '';
  let devices = { host: '', sim: '' };

  const onProcessExit = (): void => { child?.kill('SIGKILL'); };

  const start = async (): Promise<void> => {
    stderr = '';
    const c = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${simPath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = c;
    exited = false;
    process.once('exit', onProcessExit);
    c.stderr?.setEncoding('utf8');
    c.stderr?.on('data', (s: string) => { stderr = (stderr + s).slice(-4000); });
    c.once('exit', () => { exited = true; process.off('exit', onProcessExit); });
    c.once('error', (err) => { exited = true; stderr += `\n${err.message}`; });
    // Wait for socat to announce both PTYs and for fresh links to exist. Counted in
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
        c.kill('SIGKILL');
        throw new HilError('HIL_PTY_UNAVAILABLE', `socat did not make the PTY pair in ${startTimeoutMs} ms${exited ? ' (it exited)' : ''}; its output:\n${stderr.trim() || '(nothing)'}`);
      }
      await realSleep(10);
    }
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || exited) return;
    c.kill('SIGTERM');
    for (let waitedMs = 0; !exited && waitedMs < 1000; waitedMs += 10) await realSleep(10);
    if (!exited) c.kill('SIGKILL');
    for (let waitedMs = 0; !exited && waitedMs < 1000; waitedMs += 10) await realSleep(10);
  };

  await start();
  return {
    hostPath,
    simPath,
    get devices() { return devices; },
    get running() { return !exited; },
    stop,
    async restart() {
      await stop();
      await start();
    },
    log: () => stderr.trim(),
  };
}
