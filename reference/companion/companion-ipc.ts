/**
 * The control channel between a harness and a companion it forked
 * (`spawnCompanion`): the child announces itself, the parent advances its
 * virtual clock, reads its counters and stops it. Memory samples travel on
 * the same channel with the memory probe's own messages
 * (`harness/probes/memory-ipc.ts`).
 *
 *   child  -> parent  { hil: 'ready', url, pid, target, seed, clock, profile, companions: [{ profile, url }] }
 *   child  -> parent  { hil: 'failed', code, message }
 *   parent -> child   { hil: 'advance', id, ms }  -> { hil: 'advanced', id, nowMs } | { hil: 'advanced', id, error }
 *   parent -> child   { hil: 'stats', id, index } -> { hil: 'stats', id, stats }   (index: which companion, default 0)
 *   parent -> child   { hil: 'stop' }             -> the child closes (safe stop) and exits 0
 *
 * The child also exits when the channel closes (its parent died), so a
 * crashed test run never leaves a companion holding the robot's port.
 */
import type { TargetInfo } from '../../harness/targets/target.ts';
import type { CompanionStats } from './companion-server.ts';
import type { CompanionHost } from './companion-host.ts';
import type { ProfileName } from './profiles.ts';

/** The child's announcement once it listens. */
export interface ReadyMessage {
  hil: 'ready';
  url: string;
  pid: number;
  target: TargetInfo;
  seed: number | null;
  clock: 'wall' | 'virtual';
  profile: ProfileName;
  /** Every companion the child runs (one per `--profile` entry), first = `url`. */
  companions: Array<{ profile: ProfileName; url: string }>;
}

/** The child could not start. */
export interface FailedMessage {
  hil: 'failed';
  code: string;
  message: string;
}

/** Messages the parent sends. */
export type ControlRequest =
  | { hil: 'advance'; id: number; ms: number }
  | { hil: 'stats'; id: number; index?: number }
  | { hil: 'stop' };

/** Replies the child sends. */
export type ControlReply =
  | { hil: 'advanced'; id: number; nowMs?: number; error?: string }
  | { hil: 'stats'; id: number; stats: CompanionStats };

/**
 * In the child: serves control requests for `host` until `stop` or the
 * channel closes, then calls `onStop` once. Returns false (and does
 * nothing) without an IPC channel.
 */
export function serveControl(host: CompanionHost, onStop: (why: string) => void): boolean {
  const send = process.send?.bind(process);
  if (!send) return false;
  let stopped = false;
  const stop = (why: string): void => {
    if (stopped) return;
    stopped = true;
    process.off('message', onMessage);
    onStop(why);
  };
  // Advances run one after another: two overlapping advances would share one timeline anyway.
  let queue: Promise<unknown> = Promise.resolve();
  const onMessage = (m: unknown): void => {
    const req = m as ControlRequest;
    if (typeof req !== 'object' || req === null) return;
    if (req.hil === 'stop') stop('stop requested over IPC');
    else if (req.hil === 'stats') {
      const companion = host.companions[req.index ?? 0] ?? host.companion;
      send({ hil: 'stats', id: req.id, stats: companion.stats() } satisfies ControlReply);
    }
    else if (req.hil === 'advance') {
      queue = queue.then(() => host.advance(req.ms)).then(
        (nowMs) => send({ hil: 'advanced', id: req.id, nowMs } satisfies ControlReply),
        (err: unknown) => send({ hil: 'advanced', id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies ControlReply),
      );
    }
  };
  process.on('message', onMessage);
  process.once('disconnect', () => stop('parent went away (IPC channel closed)'));
  return true;
}

/** Sends the ready announcement (no-op without IPC). */
export function announceReady(message: Omit<ReadyMessage, 'hil'>): void {
  process.send?.({ hil: 'ready', ...message } satisfies ReadyMessage);
}

/** Sends the failure announcement (no-op without IPC). */
export function announceFailed(code: string, message: string): void {
  process.send?.({ hil: 'failed', code, message } satisfies FailedMessage);
}
