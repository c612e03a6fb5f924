/**
 * A raw WebSocket client for the companion's own tests: keeps every message
 * (batches unwrapped), checks sequence numbers, and can send anything,
 * including frames a well-behaved client never would. Not a probe: no
 * timing, no metrics.
 */
import WebSocket from 'ws';
import type { Envelope } from './envelope.ts';

/** A received message with the frame it came in (batches share one frame index). */
export interface Received extends Envelope {
  frame: number;
}

/** A test client. */
export interface TestClient {
  readonly ws: WebSocket;
  /** Every message so far, oldest first. */
  readonly messages: Received[];
  /** Frames received (a batch is one). */
  readonly frames: number;
  /** Close code once closed, else null. */
  readonly closeCode: number | null;
  /** Sequence numbers that are missing or out of order, as `[expected, got]` pairs. */
  sequenceProblems(): Array<[number, number]>;
  /** Sends an object as JSON, or a string/Buffer as is. */
  send(data: unknown): void;
  /** Resolves with the first message after index `from` matching `pred` (rejects after `timeoutMs`). */
  next(pred: (m: Received) => boolean, timeoutMs?: number, from?: number): Promise<Received>;
  /** Resolves once the connection closed (rejects after `timeoutMs`). */
  closed(timeoutMs?: number): Promise<number>;
  close(): void;
}

/** Opens a client; resolves once open. */
export function connectTestClient(url: string, options: { headers?: Record<string, string>; perMessageDeflate?: boolean } = {}): Promise<TestClient> {
  const ws = new WebSocket(url, { headers: options.headers ?? {}, perMessageDeflate: options.perMessageDeflate ?? false });
  const messages: Received[] = [];
  let frames = 0;
  let closeCode: number | null = null;
  const waiters = new Set<() => void>();
  const wake = (): void => { for (const w of [...waiters]) w(); };
  ws.on('message', (data: Buffer) => {
    const frame = frames++;
    const env = JSON.parse(String(data)) as Envelope;
    if (env.type === 'batch') for (const m of (env.payload as { messages: Envelope[] }).messages) messages.push({ ...m, frame });
    else messages.push({ ...env, frame });
    wake();
  });
  ws.on('close', (code: number) => { closeCode = code; wake(); });
  ws.on('error', () => {});
  const client: TestClient = {
    ws,
    messages,
    get frames() { return frames; },
    get closeCode() { return closeCode; },
    sequenceProblems() {
      const out: Array<[number, number]> = [];
      let expected = 1;
      for (const m of messages) {
        if (m.sequence === undefined) continue;
        if (m.sequence !== expected) out.push([expected, m.sequence]);
        expected = m.sequence + 1;
      }
      return out;
    },
    send(data) {
      ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
    },
    next(pred, timeoutMs = 2000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = messages.slice(from).find(pred);
          if (hit) { done(); resolve(hit); }
        };
        const done = (): void => { clearTimeout(timer); waiters.delete(check); };
        const timer = setTimeout(() => { done(); reject(new Error(`no matching message within ${timeoutMs} ms; last: ${JSON.stringify(messages.at(-1))}`)); }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    closed(timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = (): void => { if (closeCode !== null) { done(); resolve(closeCode); } };
        const done = (): void => { clearTimeout(timer); waiters.delete(check); };
        const timer = setTimeout(() => { done(); reject(new Error(`still open after ${timeoutMs} ms`)); }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() { ws.close(); },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode ?? '?'}`)));
    ws.once('error', reject);
  });
}

/** A V2 envelope from a client (timestamp now). */
export function envelope(type: string, payload: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 2, type, payload, timestamp: Date.now(), ...extra };
}
