/**
 * Process entry of one worker of the latency probe's pool
 * (`latency-probe-pool.ts`): `node --import tsx latency-probe-worker.ts`,
 * forked with an IPC channel (advanced serialization). It opens its share of
 * the clients, measures the window the parent names, sends back every
 * latency it saw (µs) with its counts and closes its clients. It exits when
 * the parent closes the channel (after it has the reply; a worker that
 * exited first could lose a large reply in flight), or when the parent dies,
 * so a dead parent leaves no clients connected.
 */
import { isHilError } from '../errors.ts';
import { measureClockOffset, ProbeClients, type LatencySink } from './latency-probe-clients.ts';
import type { PoolReply, PoolRequest } from './latency-probe-pool.ts';

/** A growable list of µs samples, sent to the parent as one Float64Array. */
class Samples {
  #values = new Float64Array(1024);
  #length = 0;

  push(us: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = us;
  }

  /** A copy holding just the samples (a view would send the whole backing buffer). */
  take(): Float64Array {
    return this.#values.slice(0, this.#length);
  }
}

const send = (reply: PoolReply): void => {
  process.send?.(reply);
};

const telemetry = new Samples();
const commands = new Samples();
let commandDropped = 0;
const sink: LatencySink = {
  telemetry: (us) => telemetry.push(us),
  command: (us) => commands.push(us),
  commandDropped: (n) => { commandDropped += n; },
};

let clients: ProbeClients | undefined;

async function serve(req: PoolRequest): Promise<void> {
  if (req.kind === 'open') {
    clients = await ProbeClients.open(req.options, sink);
    send({ kind: 'opened' });
  } else if (req.kind === 'offset') {
    send({ kind: 'offset', ...await measureClockOffset(req.options) });
  } else if (req.kind === 'measure') {
    const counts = await (clients as ProbeClients).measure(req.window);
    send({ kind: 'measured', counts, telemetryUs: telemetry.take(), commandUs: commands.take(), commandDropped });
    await (clients as ProbeClients).close();
  }
}

process.on('message', (m: PoolRequest) => {
  serve(m).catch((err: unknown) => {
    send({ kind: 'failed', code: isHilError(err) ? err.code : 'HIL_PROBE_UNAVAILABLE', message: err instanceof Error ? err.message : String(err) });
    void clients?.close();
  });
});
process.once('disconnect', () => {
  void (clients?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
