/**
 * Bench safety for the ways out of a process that no test hook sees:
 * SIGINT (Ctrl-C), SIGTERM, an uncaught exception, `process.exit()`.
 *
 * While a hardware target is open the guard holds:
 * - a synchronous "last chance" stop: the safe-stop bytes written with
 *   `fs.writeSync` straight to the port's file descriptor. It runs inside
 *   `exit` and `uncaughtExceptionMonitor` handlers, where nothing async can
 *   run any more, and first thing on a signal (another SIGINT listener may
 *   exit the process before any promise settles);
 * - `process.once` SIGINT/SIGTERM handlers that then run the full async
 *   `close()` (safe stop, drain, close; at most ~2 s) and re-raise the signal
 *   so the process ends the way it would have without the guard, unless
 *   another listener took the signal over.
 *
 * Remove it with the function `installExitGuard` returns when the target
 * closes; handlers never outlive the open port.
 */
import { writeSync } from 'node:fs';
import { withinRealMs } from './real-time.ts';

/** What the guard needs from the open target. */
export interface GuardedPort {
  /** The port's OS file descriptor, or null when it has none (mock binding) or is closed. */
  fd(): number | null;
  /** The safe-stop bytes for the current pin state. */
  stopBytes(): Buffer;
  /** Called after the sync stop; marks the host-side pin state as stopped. */
  afterSyncStop?(): void;
  /** Full asynchronous close (safe stop, drain, close). */
  close(): Promise<void>;
}

/** Options for tests: the process-like object and how to re-raise. */
export interface ExitGuardOptions {
  proc?: NodeJS.Process;
  /** Re-raises `signal` after the stop. Default: `process.kill(process.pid, signal)` when no other listener remains. */
  reraise?: (signal: NodeJS.Signals) => void;
  /** Real ms the async close may take on a signal. Default 2000. */
  closeLimitMs?: number;
}

/**
 * Writes the stop bytes synchronously to `fd`. Returns true when all of them
 * were written. Never throws (EAGAIN on a full buffer or EBADF on a closed
 * port just return false; the async stop still follows where it can).
 */
export function writeStopSync(fd: number | null, bytes: Buffer): boolean {
  if (fd === null || fd < 0) return false;
  try {
    return writeSync(fd, bytes) === bytes.length;
  } catch {
    return false;
  }
}

/**
 * Installs the guard for `port`; returns the function that removes every
 * handler. Idempotent removal.
 */
export function installExitGuard(port: GuardedPort, opts: ExitGuardOptions = {}): () => void {
  const proc = opts.proc ?? process;
  const closeLimitMs = opts.closeLimitMs ?? 2000;
  let removed = false;
  let stoppedSync = false;

  const syncStop = (): void => {
    if (stoppedSync) return;
    stoppedSync = writeStopSync(port.fd(), port.stopBytes());
    if (stoppedSync) port.afterSyncStop?.();
  };

  const reraise = opts.reraise ?? ((signal: NodeJS.Signals) => {
    // Node suppresses a signal's default action while any listener exists; only
    // re-raise when ours was the last one, so the process ends as it would have.
    if (proc.listenerCount(signal) === 0) proc.kill(proc.pid, signal);
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    syncStop();
    remove();
    void withinRealMs(port.close(), closeLimitMs, undefined).then(() => reraise(signal));
  };
  const onExit = (): void => syncStop();
  const onUncaught = (): void => syncStop();

  proc.once('SIGINT', onSignal);
  proc.once('SIGTERM', onSignal);
  proc.on('exit', onExit);
  proc.on('uncaughtExceptionMonitor', onUncaught);

  function remove(): void {
    if (removed) return;
    removed = true;
    proc.off('SIGINT', onSignal);
    proc.off('SIGTERM', onSignal);
    proc.off('exit', onExit);
    proc.off('uncaughtExceptionMonitor', onUncaught);
  }
  return remove;
}
