/**
 * `spawnCompanion`: the reference companion in its own process, as a
 * system under test should be (its heap is then its own, and a probe
 * reaches it only through its URL and pid). The child is
 * `node --expose-gc --import tsx harness/cli/companion-process.ts --ipc ...`
 * (the `mbot-hil companion` command's process entry, found by path),
 * so the memory probe can force a GC before each sample, and the parent
 * can advance its virtual clock (see `companion-ipc.ts`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { natives } from '../../harness/clock/natives.ts';
import { HilError, isHilError, type HilErrorCode } from '../../harness/errors.ts';
import { launchSpec } from '../../harness/launch/compiled-entry.ts';
import { ipcMemorySource, type MemorySource } from '../../harness/probes/memory-ipc.ts';
import type { TargetInfo } from '../../harness/targets/target.ts';
import type { CompanionStats } from './companion-server.ts';
import type { ControlReply, ControlRequest, FailedMessage, ReadyMessage } from './companion-ipc.ts';
import type { ProfileName } from './profiles.ts';

const ENTRY = fileURLToPath(new URL('../../harness/cli/companion-process.ts', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Options of {@link spawnCompanion}. */
export interface SpawnCompanionOptions {
  /** Profile, or several: one companion per profile on the child's one robot (default `reference`). */
  profile?: ProfileName | readonly ProfileName[];
  /** `wall` (default) or `virtual` (simulator only; the parent advances it with `advance`). */
  clock?: 'wall' | 'virtual';
  /** Robot serial port (`auto`, a path, `sim-pty`); undefined = the simulator inside the child. */
  robotPort?: string;
  seed?: number;
  /** Simulator boot delay, ms (default 50: a robot that is already on). */
  resetDelayMs?: number;
  /** More CLI options, e.g. `['--batch', 'off', '--compression', 'on']`. */
  args?: readonly string[];
  /** More node flags for the child, e.g. `['--cpu-prof']` to profile it. */
  nodeArgs?: readonly string[];
  /** Extra environment for the child (it inherits the parent's). */
  env?: Record<string, string | undefined>;
  /** Real ms to wait for the child to listen (default 30 000: a port handshake can take 10 s). */
  startTimeoutMs?: number;
}

/** A companion child process. */
export interface CompanionProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly target: TargetInfo;
  readonly seed: number | null;
  readonly clock: 'wall' | 'virtual';
  readonly profile: ProfileName;
  /** URL of each companion by profile (several when spawned with a list of profiles). */
  readonly urls: Readonly<Partial<Record<ProfileName, string>>>;
  /** Advances the child's virtual clock by `ms`; resolves with its epoch ms. */
  advance(ms: number): Promise<number>;
  /** The counters of the child's companion of `profile` (default the first). */
  stats(profile?: ProfileName): Promise<CompanionStats>;
  /** A memory source for the memory probe (IPC; forced GC available). */
  memorySource(): MemorySource;
  /** Asks the child to stop (safe stop, port closed) and waits for it to exit; kills it after 5 s. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Forks a companion and resolves once it listens. Rejects with the child's
 * own error code (HIL_PORT_NOT_FOUND, HIL_CONFIG_INVALID, ...) when it
 * reports one, HIL_COMPANION_START_FAILED when it dies or times out (with
 * the tail of its stderr).
 */
export async function spawnCompanion(options: SpawnCompanionOptions = {}): Promise<CompanionProcess> {
  const profiles = typeof options.profile === 'string' ? [options.profile] : (options.profile ?? ['reference']);
  const args = ['--ipc', '--ws-port', '0', '--profile', profiles.join(','), '--clock', options.clock ?? 'wall'];
  if (options.robotPort !== undefined) args.push('--port', options.robotPort);
  else args.push('--reset-delay-ms', String(options.resetDelayMs ?? 50));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  args.push(...(options.args ?? []));
  const launch = await launchSpec(ENTRY, { ...process.env, ...options.env });
  const child = fork(launch.file, args, {
    cwd: PACKAGE_ROOT,
    execArgv: ['--expose-gc', ...(options.nodeArgs ?? []), ...launch.execArgv],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-4000); });
  child.stdout?.resume();

  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const done = (): void => {
      natives.clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (m: unknown): void => {
      const msg = m as ReadyMessage | FailedMessage;
      if (msg?.hil === 'ready') { done(); resolve(msg); }
      if (msg?.hil === 'failed') {
        done();
        const code = isHilError({ code: msg.code }) ? (msg.code as HilErrorCode) : 'HIL_COMPANION_START_FAILED';
        reject(new HilError(code, `companion child: ${msg.message.replace(/^HIL_[A-Z_]+: /u, '')}`));
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      done();
      reject(new HilError('HIL_COMPANION_START_FAILED', `the companion child exited (code ${String(code)}, signal ${String(signal)}) before listening; its stderr ends:\n${stderr.trim()}`));
    };
    const timer = natives.setTimeout(() => {
      done();
      child.kill('SIGKILL');
      reject(new HilError('HIL_COMPANION_START_FAILED', `the companion child did not listen within ${timeoutMs} ms; its stderr ends:\n${stderr.trim()}`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

  let nextId = 1;
  const request = <R extends ControlReply>(req: ControlRequest & { id: number }, kind: R['hil']): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        const r = m as ControlReply;
        if (r?.hil !== kind || r.id !== req.id) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(r as R);
      };
      const onExit = (): void => {
        child.off('message', onMessage);
        reject(new HilError('HIL_COMPANION_START_FAILED', `the companion child exited during "${req.hil}"; its stderr ends:\n${stderr.trim()}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(req);
    });

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;

  return {
    url: ready.url,
    pid: ready.pid,
    child,
    target: ready.target,
    seed: ready.seed,
    clock: ready.clock,
    profile: ready.profile,
    urls: Object.fromEntries(ready.companions.map((c) => [c.profile, c.url])),
    async advance(ms) {
      const r = await request<Extract<ControlReply, { hil: 'advanced' }>>({ hil: 'advance', id: nextId++, ms }, 'advanced');
      if (r.error !== undefined) throw new HilError('HIL_CLOCK_MISUSE', `companion child: ${r.error}`);
      return r.nowMs as number;
    },
    async stats(profile) {
      const index = profile === undefined ? 0 : Math.max(0, ready.companions.findIndex((c) => c.profile === profile));
      const r = await request<Extract<ControlReply, { hil: 'stats' }>>({ hil: 'stats', id: nextId++, index }, 'stats');
      return r.stats;
    },
    memorySource: () => ipcMemorySource(child, { description: `reference companion (pid ${ready.pid}, profile ${ready.profile}, IPC, --expose-gc)` }),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.connected) child.send({ hil: 'stop' } satisfies ControlRequest);
        const killed = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => natives.setTimeout(() => r(true), 5000))]);
        if (killed) {
          child.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
}
