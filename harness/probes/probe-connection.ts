/**
 * One WebSocket connection of the latency probe: opens it, unwraps V2
 * envelopes (a `batch` into its messages), checks per-client sequence
 * numbers, and reports telemetry stamps, acks, pongs and protocol errors to
 * the probe. It reads only the wire format (envelope.ts in the reference
 * companion documents it), so it measures any companion that speaks V2.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { HilError } from '../errors.ts';
import { natives } from '../clock/natives.ts';

/** Epoch µs of real time in this process (sub-ms; see the companion's `timestampMicros`). */
export function wallEpochMicros(): number {
  return (natives.performance.timeOrigin + natives.performanceNow()) * 1000;
}

/** An envelope as received (fields the probe reads). */
export interface ReceivedEnvelope {
  version?: unknown;
  type?: unknown;
  payload?: unknown;
  timestamp?: unknown;
  timestampMicros?: unknown;
  sequence?: unknown;
}

/** What a connection tells the probe, per received message. */
export interface ConnectionHandlers {
  /** A message (batches unwrapped) arrived at `arrivedMicros` (epoch µs, this process's wall time). */
  onMessage(env: ReceivedEnvelope, arrivedMicros: number): void;
  /** A frame arrived at `arrivedMicros`; called before its messages' `onMessage`. */
  onFrame?(arrivedMicros: number): void;
}

/** Sequence bookkeeping of one connection. */
export interface SequenceStats {
  /** Messages received (inside batches counted one by one). */
  messages: number;
  /** Frames received (a batch is one frame). */
  frames: number;
  /** Sequence numbers skipped: messages the server numbered but this client never got. */
  gaps: number;
  /** Messages whose sequence was not larger than the previous one. */
  outOfOrder: number;
  /** Messages without a sequence number. */
  unsequenced: number;
  /** Highest sequence seen, 0 before any. */
  lastSequence: number;
  /** Frames that were not valid JSON envelopes. */
  malformed: number;
}

/** Options of {@link openConnection}. */
export interface OpenConnectionOptions {
  url: string;
  token?: string;
  /** Offer permessage-deflate, as browsers do (default true). */
  compression?: boolean;
  connectTimeoutMs?: number;
  handlers: ConnectionHandlers;
}

/** An open probe connection. */
export interface ProbeConnection {
  readonly ws: WebSocket;
  readonly seq: SequenceStats;
  /** Bytes read from the TCP socket so far (frame headers and compressed payloads included). */
  bytesRead(): number;
  /** True when permessage-deflate was negotiated. */
  readonly compressed: boolean;
  send(envelope: object): void;
  /** Closes (1000) and resolves once closed, or after 1 s. */
  close(): Promise<void>;
  /** Close code once closed by either side, else null. */
  readonly closeCode: number | null;
  /** Resolves with the close code once the connection is closed by either side. */
  readonly closed: Promise<number>;
}

/**
 * Work on frames that were stamped on arrival, run in a later turn of the
 * event loop (after every socket ready in this turn was stamped), in
 * arrival order.
 */
const deferred = (() => {
  const queue: Array<() => void> = [];
  let scheduled = false;
  const drain = (): void => {
    scheduled = false;
    for (const run of queue.splice(0)) run();
  };
  return (run: () => void): void => {
    queue.push(run);
    if (!scheduled) {
      scheduled = true;
      natives.setImmediate(drain);
    }
  };
})();

/**
 * Opens one connection. Rejects with HIL_PROBE_CONNECT_FAILED (naming the
 * URL, and the token when the server answered 401) when it cannot.
 */
export function openConnection(options: OpenConnectionOptions): Promise<ProbeConnection> {
  const { url, handlers } = options;
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const ws = new WebSocket(url, { headers, perMessageDeflate: options.compression ?? true, handshakeTimeout: options.connectTimeoutMs ?? 5000 });
  let socket: Socket | null = null;
  let closeCode: number | null = null;
  const seq: SequenceStats = { messages: 0, frames: 0, gaps: 0, outOfOrder: 0, unsequenced: 0, lastSequence: 0, malformed: 0 };

  const take = (env: ReceivedEnvelope, arrived: number): void => {
    seq.messages++;
    const s = env.sequence;
    if (typeof s !== 'number') seq.unsequenced++;
    else if (s <= seq.lastSequence) seq.outOfOrder++;
    else {
      seq.gaps += s - seq.lastSequence - 1;
      seq.lastSequence = s;
    }
    handlers.onMessage(env, arrived);
  };

  ws.on('upgrade', (res: IncomingMessage) => { socket = res.socket as Socket; });
  const handleFrame = (data: Buffer, isBinary: boolean, arrived: number): void => {
    seq.frames++;
    handlers.onFrame?.(arrived);
    let env: ReceivedEnvelope;
    try {
      env = JSON.parse(isBinary ? data.toString('utf8') : String(data)) as ReceivedEnvelope;
    } catch {
      seq.malformed++;
      return;
    }
    if (typeof env !== 'object' || env === null) {
      seq.malformed++;
      return;
    }
    if (env.type === 'batch') {
      const inner = (env.payload as { messages?: unknown } | null)?.messages;
      if (!Array.isArray(inner)) {
        seq.malformed++;
        return;
      }
      for (const m of inner) if (typeof m === 'object' && m !== null) take(m as ReceivedEnvelope, arrived);
      return;
    }
    take(env, arrived);
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    // Stamp first, parse later: with many clients in this one process, parsing
    // one client's frame must not delay the arrival stamp of the next.
    const arrived = wallEpochMicros();
    deferred(() => handleFrame(data, isBinary, arrived));
  });

  return new Promise<ProbeConnection>((resolve, reject) => {
    const fail = (why: string): void => {
      ws.removeAllListeners('open');
      ws.terminate();
      reject(new HilError('HIL_PROBE_CONNECT_FAILED', `cannot open ${redact(url)}: ${why}; check HIL_COMPANION_URL (and HIL_COMPANION_TOKEN) and that the companion runs`));
    };
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      fail(res.statusCode === 401 ? 'HTTP 401 (the companion wants a token)' : `HTTP ${res.statusCode ?? '?'}`);
    });
    ws.once('error', (err) => fail(err.message));
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.on('error', () => { /* a later error ends in 'close', which is recorded */ });
      const closed = new Promise<number>((r) => ws.once('close', (code: number) => { closeCode = code; r(code); }));
      resolve({
        ws,
        seq,
        get compressed() { return ws.extensions.includes('permessage-deflate'); },
        get closeCode() { return closeCode; },
        closed,
        bytesRead: () => socket?.bytesRead ?? 0,
        send(envelope) {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(envelope));
        },
        async close() {
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
          await Promise.race([closed, new Promise<void>((r) => natives.setTimeout(r, 1000).unref())]);
          if (closeCode === null) ws.terminate();
        },
      });
    });
  });
}

/** `url` with a `token` query parameter masked, for error messages. */
export function redact(url: string): string {
  return url.replace(/([?&]token=)[^&]*/u, '$1***');
}
