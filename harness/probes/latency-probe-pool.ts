/**
 * The latency probe's clients in worker processes (`latency-probe-worker.ts`),
 * for many clients on the companion's own machine. The process that runs
 * the probe (a Vitest worker, a benchmark) then holds no client at all;
 * several workers read their sockets in parallel when the machine has cores
 * to spare; and a worker can run at a lower CPU priority (`niceness`), so
 * that when the clients and the companion want the same core, the companion
 * gets it, as it would with its clients on other machines; and workers can
 * be kept off the companion's cores (`cpus`, see `cpu-affinity.ts`). That moves no
 * delay out of the measurement: a client that waits for the CPU stamps its
 * messages late, and the wait is latency.
 *
 * Same measurement as in one process (`latency-probe-clients.ts`): every
 * worker measures the same window in absolute time (this machine's clock,
 * which all its processes share to a few µs), and every latency they saw
 * comes back as a raw µs value and goes into the one HDR histogram of the
 * result here; nothing is pre-aggregated or sorted in a worker.
 *
 *   parent -> worker  { kind: 'offset', options }   -> { kind: 'offset', offsetUs, errorUs }   (worker 0 first, when asked to ping)
 *   parent -> worker  { kind: 'open', options }     -> { kind: 'opened' } | { kind: 'failed', code, message }
 *   parent -> worker  { kind: 'measure', window }   -> { kind: 'measured', counts, telemetryUs, commandUs, commandDropped }
 *   the worker then closes its clients, and exits once the parent closes the channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { natives } from '../clock/natives.ts';
import { pinToCpus } from './cpu-affinity.ts';
import { HilError, isHilError, type HilErrorCode } from '../errors.ts';
import { launchSpec, type LaunchSpec } from '../launch/compiled-entry.ts';
import type { LatencySink, OffsetOptions, ProbeClientsOptions, ProbeCounts, ProbeWindow } from './latency-probe-clients.ts';
import { wallEpochMicros } from './probe-connection.ts';

/** Messages the parent sends a worker. */
export type PoolRequest =
  | { kind: 'open'; options: ProbeClientsOptions }
  | { kind: 'offset'; options: OffsetOptions }
  | { kind: 'measure'; window: ProbeWindow };

/** Messages a worker sends back. */
export type PoolReply =
  | { kind: 'opened' }
  | { kind: 'offset'; offsetUs: number; errorUs: number }
  | { kind: 'measured'; counts: ProbeCounts; telemetryUs: Float64Array; commandUs: Float64Array; commandDropped: number }
  | { kind: 'failed'; code: string; message: string };

const ENTRY = fileURLToPath(new URL('./latency-probe-worker.ts', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Real ms between naming the window and its start, besides the warm-up
 * (the window is named when the clients are open, and opens after the
 * warm-up and this): every worker must have the `measure` message before
 * the window opens, or its first commands would leave late (and be timed
 * from when they were due), and what its clients read before it had the
 * message would not count. A niced worker on a busy machine can take that
 * long to read it.
 */
const WINDOW_LEAD_MS = 50;

/** Options of {@link runProbePool}: a client set's options for all the clients, split over `processes` workers. */
export interface ProbePoolOptions extends Omit<ProbeClientsOptions, 'firstIndex'> {
  processes: number;
  /** Niceness of the workers, 0 (as this process) to 19 (lowest CPU priority). */
  niceness: number;
  /** CPUs the workers (every thread) may run on; undefined leaves them to the scheduler (see `cpu-affinity.ts`). */
  cpus?: readonly number[] | undefined;
  warmupMs: number;
  durationMs: number;
  /** Estimate the companion's clock offset by ping (worker 0, before any client connects) instead of assuming a shared clock. */
  pingOffset: boolean;
}

/** What the pool measured: the counts of every worker added up, and the offset applied with its error bound (0 when not pinged). */
export interface ProbePoolResult {
  counts: ProbeCounts;
  offsetUs: number;
  offsetErrorUs: number;
}

/** One forked worker and a way to await its next reply. */
class ProbeWorker {
  readonly child: ChildProcess;
  #stderr = '';
  #exited: Promise<void>;

  constructor(niceness: number, cpus: readonly number[] | undefined, launch: LaunchSpec) {
    this.child = fork(launch.file, [], {
      cwd: PACKAGE_ROOT,
      execArgv: [...launch.execArgv],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => { this.#stderr = (this.#stderr + s).slice(-2000); });
    // A worker that cannot be spawned reports 'error' (and may never report 'exit').
    this.#exited = new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.once('error', (err) => {
        this.#stderr += `\n${err.message}`;
        resolve();
      });
    });
    // At once: the worker connects only when asked, so all it measures runs at this priority.
    if (niceness > 0 && this.child.pid !== undefined) setPriority(this.child.pid, niceness);
    if (cpus && this.child.pid !== undefined) {
      try {
        pinToCpus(this.child.pid, cpus);
      } catch (err) {
        this.child.kill('SIGKILL');
        throw err;
      }
    }
  }

  /** Sends `req` and resolves with the reply of kind `kind`; rejects on `failed` or when the worker dies first. */
  ask<K extends PoolReply['kind']>(req: PoolRequest, kind: K): Promise<Extract<PoolReply, { kind: K }>> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (): void => {
        settled = true;
        this.child.off('message', onMessage);
      };
      const onMessage = (m: PoolReply): void => {
        if (m.kind === 'failed') {
          done();
          const code: HilErrorCode = isHilError({ code: m.code }) ? (m.code as HilErrorCode) : 'HIL_PROBE_UNAVAILABLE';
          reject(new HilError(code, m.message.replace(/^HIL_[A-Z_]+: /u, '')));
        } else if (m.kind === kind) {
          done();
          resolve(m as Extract<PoolReply, { kind: K }>);
        }
      };
      this.child.on('message', onMessage);
      void this.#exited.then(() => {
        if (settled) return;
        done();
        const { exitCode: code, signalCode: signal } = this.child;
        reject(new HilError('HIL_PROBE_UNAVAILABLE', `a latency probe worker is gone (exit code ${String(code)}, signal ${String(signal)}) during "${req.kind}"; its stderr ends:\n${this.#stderr.trim()}`));
      });
      if (this.child.connected) this.child.send(req);
    });
  }

  /** Closes the channel, which makes the worker close its clients and exit; kills it after 5 s. */
  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    let timer: ReturnType<typeof natives.setTimeout> | undefined;
    const killed = await Promise.race([this.#exited.then(() => false), new Promise<boolean>((r) => { timer = natives.setTimeout(() => r(true), 5000); })]);
    natives.clearTimeout(timer);
    if (killed) {
      this.child.kill('SIGKILL');
      await this.#exited;
    }
  }
}

/** Waits for every promise; then resolves with their values, or rejects with the first failure (no rejection is left unhandled). */
async function allOrFirstError<T>(promises: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** `total` clients over `parts` workers as evenly as possible: [first index, count] of each. */
function split(total: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0, first = 0; i < parts; i++) {
    const count = Math.floor(total / parts) + (i < total % parts ? 1 : 0);
    out.push([first, count]);
    first += count;
  }
  return out.filter(([, count]) => count > 0);
}

/**
 * Runs the probe's clients in `processes` workers and feeds every latency
 * into `sink`. Rejects with a worker's error (HIL_PROBE_CONNECT_FAILED when a
 * client cannot connect), or HIL_PROBE_UNAVAILABLE when a worker dies.
 */
export async function runProbePool(options: ProbePoolOptions, sink: LatencySink): Promise<ProbePoolResult> {
  const { processes, niceness, cpus, warmupMs, durationMs, pingOffset, ...clientOptions } = options;
  const shares = split(clientOptions.clients, Math.max(1, Math.floor(processes)));
  const workers: ProbeWorker[] = [];
  try {
    const launch = await launchSpec(ENTRY);
    for (const _ of shares) workers.push(new ProbeWorker(niceness, cpus, launch));
  } catch (err) {
    await Promise.all(workers.map((w) => w.stop()));
    throw err;
  }
  try {
    // Before the clients connect: pongs behind their telemetry would be late by milliseconds.
    const { offsetUs, errorUs: offsetErrorUs } = pingOffset ? await (workers[0] as ProbeWorker).ask({ kind: 'offset', options: clientOptions }, 'offset') : { offsetUs: 0, errorUs: 0 };
    await allOrFirstError(workers.map((w, i) => {
      const [firstIndex, clients] = shares[i] as [number, number];
      const commandClients = Math.min(clients, Math.max(0, clientOptions.commandClients - firstIndex));
      return w.ask({ kind: 'open', options: { ...clientOptions, clients, firstIndex, commandClients } }, 'opened');
    }));
    const startUs = wallEpochMicros() + (warmupMs + WINDOW_LEAD_MS) * 1000;
    const window: ProbeWindow = { startUs, endUs: startUs + durationMs * 1000, offsetUs };
    const replies = await allOrFirstError(workers.map((w) => w.ask({ kind: 'measure', window }, 'measured')));
    const counts: ProbeCounts = {
      messages: 0, frames: 0, bytesOnWire: 0, gaps: 0, outOfOrder: 0, malformed: 0, protocolErrors: 0,
      clampedNegative: 0, lowestClampedUs: 0, closedByServer: [], compressed: true,
    };
    for (const r of replies) {
      for (const us of r.telemetryUs) sink.telemetry(us);
      for (const us of r.commandUs) sink.command(us);
      sink.commandDropped(r.commandDropped);
      const c = r.counts;
      counts.messages += c.messages;
      counts.frames += c.frames;
      counts.bytesOnWire += c.bytesOnWire;
      counts.gaps += c.gaps;
      counts.outOfOrder += c.outOfOrder;
      counts.malformed += c.malformed;
      counts.protocolErrors += c.protocolErrors;
      counts.clampedNegative += c.clampedNegative;
      counts.lowestClampedUs = Math.min(counts.lowestClampedUs, c.lowestClampedUs);
      counts.closedByServer.push(...c.closedByServer);
      counts.compressed &&= c.compressed;
    }
    return { counts, offsetUs, offsetErrorUs };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
