/**
 * The companion benchmark's control: the least a Node telemetry server can
 * do per tick, so the benchmark can show how much of the reference
 * companion's latency is the companion and how much is the machine.
 *
 * A plain `ws` server (no robot, no simulator, no queues, no limits) that
 * at the same rate sends every client one frame per tick: a `batch` of two
 * `event`s the size of the companion's `sensors` and `pose`, numbered per
 * client, stamped the way the companion stamps (the tick's due time, or when
 * it ran if that was earlier, in epoch µs from `performance.timeOrigin +
 * performance.now()`). It answers `ping` with `pong`, so the probe can
 * measure the clock offset; commands are ignored (the control runs with
 * none).
 *
 * Process entry: `node --import tsx harness/bench/bare-fanout.ts` forked
 * with IPC; it sends `{ url }` once it listens and exits when the channel
 * closes. {@link spawnBareFanout} does that.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { HilError } from '../errors.ts';

/** A running control server in its own process. */
export interface BareFanout {
  readonly url: string;
  readonly pid: number;
  /** Closes the channel and waits for the process to exit. */
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(import.meta.url);
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Forks the control server at `hz` ticks per second; resolves once it listens. */
export async function spawnBareFanout(hz = 50): Promise<BareFanout> {
  const child: ChildProcess = fork(ENTRY, ['--serve', String(hz)], { cwd: PACKAGE_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url?: string }) => (m.url ? resolve(m.url) : reject(new HilError('HIL_COMPANION_START_FAILED', 'the bare fan-out control sent no URL'))));
    void exited.then(() => reject(new HilError('HIL_COMPANION_START_FAILED', 'the bare fan-out control exited before it listened; see its stderr above')));
  });
  return {
    url,
    pid: child.pid as number,
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

function serve(hz: number): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const clients = new Map<WebSocket, { sequence: number }>();
  const epochMicros = (ms: number): number => Math.round((performance.timeOrigin + ms) * 1000);
  wss.on('connection', (ws) => {
    clients.set(ws, { sequence: 0 });
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data) => {
      let msg: { type?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return;
      }
      if (msg.type !== 'ping') return;
      const now = epochMicros(performance.now());
      ws.send(JSON.stringify({ version: 2, type: 'pong', payload: msg.payload, timestamp: Math.floor(now / 1000), timestampMicros: now }));
    });
  });
  const periodMs = 1000 / hz;
  let due = performance.now() + periodMs;
  let tick = 0;
  const fire = (): void => {
    const now = performance.now();
    // As the companion: run up to 1 ms early (Node's timer granularity), every due tick, stamped min(due, now).
    while (due <= now + 1) {
      const at = epochMicros(Math.min(due, now));
      const stamp = `"timestamp":${Math.floor(at / 1000)},"timestampMicros":${at}`;
      const sensors = `"type":"event","payload":{"event":"sensors","data":{"tick":${tick},"distanceCm":42.5,"light":512,"line":{"left":false,"right":true},"button":false}},${stamp}`;
      const pose = `"type":"event","payload":{"event":"pose","data":{"tick":${tick},"xCm":12.34,"yCm":-5.67,"headingDeg":90.12,"penDown":false}},${stamp}`;
      for (const [ws, c] of clients) {
        const a = ++c.sequence;
        const b = ++c.sequence;
        ws.send(`{"version":2,"type":"batch","payload":{"messages":[{"version":2,"sequence":${a},${sensors}},{"version":2,"sequence":${b},${pose}}]},${stamp}}`);
      }
      tick++;
      due += periodMs;
    }
    setTimeout(fire, Math.max(0, due - performance.now()));
  };
  setTimeout(fire, periodMs);
  wss.once('listening', () => {
    const { port } = wss.address() as { port: number };
    process.send?.({ url: `ws://127.0.0.1:${port}/` });
  });
  process.once('disconnect', () => process.exit(0));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === '--serve') {
  serve(Number(process.argv[3] ?? 50));
}
