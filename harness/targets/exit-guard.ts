/**
 * Bench safety for the ways out of a process that no test hook sees: a
 * signal (SIGINT from Ctrl-C, SIGTERM from `kill` or `docker stop`, SIGHUP
 * from a closed terminal or a dropped SSH session, SIGQUIT from Ctrl-\,
 * and every other catchable signal that ends a Node process, see
 * {@link GUARDED_SIGNALS}), Ctrl-Z ({@link SUSPEND_SIGNALS}: the robot is
 * stopped, then the process suspends), an uncaught exception, an unhandled rejection, `process.exit()`, and the
 * death of the parent process (a Vitest worker whose main process was
 * killed must not drive on).
 *
 * While a hardware target is open the guard holds:
 * - a synchronous "last chance" stop: host-side generators halted first
 *   (`quiesce`: Johnny-Five's tone timer would sound the buzzer again at
 *   once), then the safe-stop bytes written with
 *   `fs.writeSync` straight to the port's file descriptor, after dropping
 *   the drive writes still queued (`beforeSyncStop`). It runs inside `exit`
 *   and `uncaughtExceptionMonitor` handlers, where nothing async can run
 *   any more, and first thing on every other event (another listener may
 *   end the process before any promise settles). It runs on every event:
 *   the bytes are idempotent, and a test may drive again after an uncaught
 *   exception that did not end the process;
 * - `process.once` handlers for {@link GUARDED_SIGNALS} that first seal the
 *   port (`seal`: from then on nothing but the stop reaches it, so a
 *   program still working through queued commands cannot drive again),
 *   stop synchronously, then run the full async `close()` (safe stop,
 *   drain, close; at most ~2 s) and
 *   re-raise the signal so the process ends the way it would have without
 *   the guard, unless another listener took the signal over;
 * - a watch on the parent: the IPC channel's `disconnect` (a forked Vitest
 *   worker, a companion started with `--ipc`) and, for any process, a poll
 *   of `process.ppid` (an orphan is re-parented). When the parent is gone:
 *   stop, close, then SIGTERM to itself, so a process with a shutdown
 *   handler (the CLI) shuts down cleanly and one without ends.
 *
 * Remove it with the function `installExitGuard` returns when the target
 * closes; handlers never outlive the open port.
 *
 * {@link watchParentForLife} keeps the watch on the parent for the whole
 * life of a process that made a hardware target: an orphan whose port was
 * already gone (cable out, stand-in ended) would otherwise live on, and
 * reconnect to the robot when the device came back.
 */
import { writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { natives } from '../clock/natives.ts';
import { withinRealMs } from '../clock/real-time.ts';

/**
 * The signals the guard stops the robot on (then re-raises): every catchable
 * signal whose default action ends a Node process, on this platform. Besides
 * Ctrl-C, `kill`, a closed terminal and Ctrl-\: `kill -USR2`, SIGALRM,
 * SIGXCPU (a CPU-time limit), SIGABRT (a supervisor's watchdog), and the
 * rarer ones. Not guarded: SIGKILL and SIGSTOP (cannot be caught); SIGPROF
 * (V8's sampling profiler owns it); SIGTRAP (debuggers); SIGSEGV, SIGBUS,
 * SIGFPE and SIGILL (a real fault must not re-enter JavaScript; Node's docs
 * say a listener can hang the process); SIGUSR1 (Node's inspector), SIGPIPE
 * and SIGXFSZ (Node ignores them).
 */
export const GUARDED_SIGNALS: readonly NodeJS.Signals[] = Object.freeze(
  (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGPWR', 'SIGXCPU', 'SIGSTKFLT', 'SIGIO', 'SIGSYS', 'SIGABRT'] as NodeJS.Signals[])
    .filter((s) => s in osConstants.signals),
);

/**
 * Job-control signals that suspend the process (Ctrl-Z): the guard stops
 * the robot, then suspends the process itself with SIGSTOP, as the default
 * action would have. Not sealed: after `fg` the test goes on, with the robot
 * stopped. Not SIGTTIN and SIGTTOU (a background job reading its terminal,
 * or writing it under `stty tostop`): the kernel sends them from inside the
 * read or write and restarts the call after any handler, so with a listener
 * the signal comes again at once, JavaScript never runs again and the
 * process spins at 100% CPU (exit-guard-tty.test.ts); left to their default
 * action, the process stops.
 */
export const SUSPEND_SIGNALS: readonly NodeJS.Signals[] = Object.freeze(
  (['SIGTSTP'] as NodeJS.Signals[]).filter((s) => s in osConstants.signals),
);

/** Default period of the parent-pid poll, ms. */
export const DEFAULT_PARENT_POLL_MS = 100;

/** What the guard needs from the open target. */
export interface GuardedPort {
  /** The port's OS file descriptor, or null when it has none (mock binding) or is closed. */
  fd(): number | null;
  /** The safe-stop bytes for the current pin state. */
  stopBytes(): Buffer;
  /** Halts host-side generators (Johnny-Five's tone timer) before every sync stop, so nothing sounds or drives again at once. Must not throw. */
  quiesce?(): void;
  /** Called with the stop bytes before the sync write: drop queued writes they override. */
  beforeSyncStop?(bytes: Buffer): void;
  /** Called on a way out (a signal, a dead parent) before the stop: let nothing but the stop reach the port from now on. */
  seal?(): void;
  /** Called after the sync stop; marks the host-side pin state as stopped. */
  afterSyncStop?(): void;
  /** Full asynchronous close (safe stop, drain, close). */
  close(): Promise<void>;
}

/** Port guards installed and not removed, per process object; the life watch leaves the parent's death to them. */
const activeGuards = new WeakMap<NodeJS.Process, number>();
/** Processes whose parent's death a port guard has taken in hand. */
const parentHandled = new WeakSet<NodeJS.Process>();
/** Processes with a life watch. */
const lifeWatched = new WeakSet<NodeJS.Process>();
/** Every guard's suspend listener: the process suspends itself once, from the last of them, and only when no one else listens. */
const suspendListeners = new WeakSet<(...args: never[]) => unknown>();

/** Why the guard acted, for {@link ExitGuardOptions.onParentGone}. */
export type ParentGone = 'disconnect' | 'reparented';

/** Options for tests: the process-like object and what to do after the stop. */
export interface ExitGuardOptions {
  proc?: NodeJS.Process;
  /** Re-raises `signal` after the stop. Default: `process.kill(process.pid, signal)` when no other listener remains. */
  reraise?: (signal: NodeJS.Signals) => void;
  /** Real ms the async close may take on a signal. Default 2000. */
  closeLimitMs?: number;
  /** Called after the stop and close once the parent is gone. Default: SIGTERM to this process. */
  onParentGone?: (why: ParentGone) => void;
  /** Period of the parent-pid poll, real ms; 0 turns the poll off. Default {@link DEFAULT_PARENT_POLL_MS}. */
  parentPollMs?: number;
}

/**
 * Polls `proc.ppid` every `pollMs` real ms (default {@link DEFAULT_PARENT_POLL_MS},
 * 0 none) and calls `onChange` when it differs from now: the parent died and
 * the process was reparented. Nothing is polled when the parent is already
 * init (ppid 0 or 1: a service, or orphaned before). The timer is unref'd.
 */
function pollForReparenting(proc: NonNullable<ExitGuardOptions['proc']>, pollMs: number | undefined, onChange: () => void): ReturnType<typeof natives.setInterval> | undefined {
  const firstPpid = proc.ppid;
  const periodMs = pollMs ?? DEFAULT_PARENT_POLL_MS;
  const poll = periodMs > 0 && firstPpid > 1
    ? natives.setInterval(() => { if (proc.ppid !== firstPpid) onChange(); }, periodMs)
    : undefined;
  poll?.unref?.();
  return poll;
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
  activeGuards.set(proc, (activeGuards.get(proc) ?? 0) + 1);

  const syncStop = (): void => {
    try {
      port.quiesce?.();
    } catch {
      // a wedged component must not keep the stop bytes from going out
    }
    const bytes = port.stopBytes();
    try {
      port.beforeSyncStop?.(bytes);
    } catch {
      // dropping queued writes is an optimisation; the stop bytes must still go out
    }
    if (writeStopSync(port.fd(), bytes)) port.afterSyncStop?.();
  };

  const reraise = opts.reraise ?? ((signal: NodeJS.Signals) => {
    // Node suppresses a signal's default action while any listener exists; only
    // re-raise when ours was the last one, so the process ends as it would have.
    if (proc.listenerCount(signal) === 0) proc.kill(proc.pid, signal);
  });

  const stopAndClose = (): Promise<void> => {
    try {
      port.seal?.();
    } catch {
      // sealing is a second line; the stop bytes must still go out
    }
    syncStop();
    remove();
    return withinRealMs(port.close(), closeLimitMs, undefined);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    void stopAndClose().then(() => reraise(signal));
  };
  const onSuspend = (signal: NodeJS.Signals): void => {
    syncStop();
    // Our listeners took the default action away: suspend as it would have, unless someone else handles the
    // signal. Once: with two robots open, each guard stops its own, and the last one suspends (a second
    // SIGSTOP after `fg` would suspend the process again).
    const listeners = proc.listeners(signal);
    if (listeners.at(-1) === onSuspend && listeners.every((l) => suspendListeners.has(l))) proc.kill(proc.pid, 'SIGSTOP');
  };
  suspendListeners.add(onSuspend);
  const onExit = (): void => syncStop();
  const onUncaught = (): void => syncStop();
  // Only where someone already handles rejections (Vitest does): listening
  // would otherwise stop Node from turning them into uncaught exceptions,
  // which the monitor above sees anyway.
  const watchRejections = proc.listenerCount('unhandledRejection') > 0;
  // Vitest reports a rejection only when its listener is the only one ("another listener: handled by user
  // code"). Ours runs first, stops, and steps aside while the others run (emit works on a copy of the
  // list), then listens again on the next tick: the rejection is still reported.
  const onRejection = (): void => {
    syncStop();
    proc.off('unhandledRejection', onRejection);
    process.nextTick(() => {
      if (!removed) proc.prependListener('unhandledRejection', onRejection);
    });
  };

  const parentGone = (why: ParentGone): void => {
    if (removed) return;
    parentHandled.add(proc);
    void stopAndClose().then(() => {
      if (opts.onParentGone) opts.onParentGone(why);
      else proc.kill(proc.pid, 'SIGTERM');
    });
  };
  const onDisconnect = (): void => parentGone('disconnect');
  const hasIpc = typeof proc.send === 'function' && proc.connected === true;
  const poll = pollForReparenting(proc, opts.parentPollMs, () => parentGone('reparented'));

  for (const s of GUARDED_SIGNALS) proc.once(s, onSignal);
  for (const s of SUSPEND_SIGNALS) proc.on(s, onSuspend);
  proc.on('exit', onExit);
  proc.on('uncaughtExceptionMonitor', onUncaught);
  if (watchRejections) proc.prependListener('unhandledRejection', onRejection);
  if (hasIpc) proc.once('disconnect', onDisconnect);

  function remove(): void {
    if (removed) return;
    removed = true;
    activeGuards.set(proc, (activeGuards.get(proc) ?? 1) - 1);
    for (const s of GUARDED_SIGNALS) proc.off(s, onSignal);
    for (const s of SUSPEND_SIGNALS) proc.off(s, onSuspend);
    proc.off('exit', onExit);
    proc.off('uncaughtExceptionMonitor', onUncaught);
    proc.off('unhandledRejection', onRejection);
    proc.off('disconnect', onDisconnect);
    if (poll !== undefined) natives.clearInterval(poll);
  }
  return remove;
}

/**
 * Watches the parent for the rest of the process's life (once per process;
 * later calls do nothing). When the parent is gone (the IPC channel closes,
 * or the process is re-parented) and no port guard is open to handle it,
 * the process is told to end (`onParentGone`, default SIGTERM to itself);
 * with a port open, that port's guard stops the robot, closes and ends the
 * process, and this watch stays out of its way.
 */
export function watchParentForLife(opts: Pick<ExitGuardOptions, 'proc' | 'onParentGone' | 'parentPollMs'> = {}): void {
  const proc = opts.proc ?? process;
  if (lifeWatched.has(proc)) return;
  lifeWatched.add(proc);
  let done = false;
  const gone = (why: ParentGone): void => {
    if (done) return;
    // Let a port guard's own poll see it first; it takes the death in hand (stop, close, end).
    natives.setTimeout(() => {
      if (done || parentHandled.has(proc) || (activeGuards.get(proc) ?? 0) > 0) return;
      done = true;
      if (poll !== undefined) natives.clearInterval(poll);
      if (opts.onParentGone) opts.onParentGone(why);
      else proc.kill(proc.pid, 'SIGTERM');
    }, 0);
  };
  const poll = pollForReparenting(proc, opts.parentPollMs, () => gone('reparented'));
  if (typeof proc.send === 'function' && proc.connected === true) proc.once('disconnect', () => gone('disconnect'));
}
