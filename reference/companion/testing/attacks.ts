/**
 * The attacks of issue 11, each a function that hits a companion on
 * loopback for a bounded time, stops by itself and says what the companion
 * did. Shared by the test that asserts a bystander loses nothing during
 * each (`companion-attacks.test.ts`) and by the script that prints the
 * bystander's worst latency per attack (`harness/bench/companion-attack-bench.ts`).
 * `scale` shrinks the heavy ones for the test (1 = the issue's figures).
 */
import WebSocket from 'ws';
import { rawRequest, upgradeRequest } from './raw-http.ts';

/** Where an attack aims. */
export interface AttackTarget {
  /** `ws://127.0.0.1:port/`, without the token. */
  publicUrl: string;
  port: number;
  /** The companion's token, when it has one (attacks that must get past it present it). */
  token?: string;
  /** The companion's connection cap. */
  maxConnections: number;
  /** Its unfinished-message timeout, ms. */
  unfinishedMessageTimeoutMs: number;
}

/** What the companion did. `counts` hold the figures a test checks. */
export interface AttackOutcome {
  summary: string;
  counts: Record<string, number>;
}

/** One attack. */
export interface Attack {
  name: string;
  /** What it sends, in one line. */
  what: string;
  run(target: AttackTarget, scale: number): Promise<AttackOutcome>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const envelope = (type: string, payload: unknown): string => JSON.stringify({ version: 2, type, payload, timestamp: Date.now() });

interface Opened {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string; atMs: number }>;
  messages: string[];
}

/** Opens a client (with the token when there is one); null when the upgrade is refused. */
async function open(target: AttackTarget, keepMessages = false): Promise<Opened | null> {
  const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
  const ws = new WebSocket(target.publicUrl, { headers, perMessageDeflate: false });
  ws.on('error', () => {});
  const messages: string[] = [];
  if (keepMessages) ws.on('message', (d: Buffer) => { messages.push(String(d)); });
  const closed = new Promise<{ code: number; reason: string; atMs: number }>((resolve) => {
    ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString(), atMs: performance.now() }));
  });
  const ok = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('unexpected-response', () => resolve(false));
    ws.once('error', () => resolve(false));
  });
  if (!ok) {
    ws.terminate();
    return null;
  }
  return { ws, closed, messages };
}

/** Sends with `send` while the client's own unsent bytes stay under 1 MiB, for `ms`, or until closed. */
async function flood(ws: WebSocket, ms: number, send: () => void, perSlot = 50): Promise<number> {
  const end = performance.now() + ms;
  let sent = 0;
  while (performance.now() < end && ws.readyState === WebSocket.OPEN) {
    for (let i = 0; i < perSlot && ws.bufferedAmount < 1 << 20; i++) { send(); sent++; }
    await new Promise((r) => setImmediate(r));
  }
  return sent;
}

const count = (messages: readonly string[], needle: string): number => messages.reduce((n, m) => n + (m.split(needle).length - 1), 0);

/** Runs `n` raw requests, `parallel` at a time; returns the status codes seen, by code. */
async function manyRequests(port: number, n: number, request: () => string, parallel = 20): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i += parallel) {
    const replies = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => rawRequest(port, request(), 3000)));
    for (const r of replies) seen[String(r.status)] = (seen[String(r.status)] ?? 0) + 1;
  }
  return seen;
}

/** Every attack, in the order the test and the script run them (the heavy ones last). */
export const ATTACKS: readonly Attack[] = [
  {
    name: 'deep JSON',
    what: '20 frames of a ping whose payload nests arrays 5,000 deep (10 KB each)',
    async run(target) {
      const c = await open(target, true);
      if (!c) throw new Error('deep JSON: could not connect');
      const frame = `{"version":2,"type":"ping","timestamp":1,"payload":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      for (let i = 0; i < 20; i++) c.ws.send(frame);
      for (let t = 0; t < 50 && count(c.messages, 'HIL_PROTOCOL_TOO_DEEP') < 20; t++) await sleep(100);
      c.ws.close();
      const n = count(c.messages, 'HIL_PROTOCOL_TOO_DEEP');
      return { summary: `${n} of 20 answered HIL_PROTOCOL_TOO_DEEP`, counts: { tooDeep: n } };
    },
  },
  {
    name: 'bad request target',
    what: '200 upgrade requests for GET //a:99999/ (token presented when set), 20 at a time',
    async run(target) {
      const seen = await manyRequests(target.port, 200, () => upgradeRequest('//a:99999/', `127.0.0.1:${target.port}`, target.token ? { Authorization: `Bearer ${target.token}` } : {}));
      return { summary: `answers: ${JSON.stringify(seen)}`, counts: { status400: seen['400'] ?? 0 } };
    },
  },
  {
    name: 'cross-site origin',
    what: '200 upgrades with Origin: https://evil.example and the right token, 20 at a time',
    async run(target) {
      const seen = await manyRequests(target.port, 200, () => upgradeRequest('/', `127.0.0.1:${target.port}`, {
        Origin: 'https://evil.example', ...(target.token ? { Authorization: `Bearer ${target.token}` } : {}),
      }));
      return { summary: `answers: ${JSON.stringify(seen)}`, counts: { status403: seen['403'] ?? 0 } };
    },
  },
  {
    name: 'batch flood',
    what: 'one client sending batches of 100 pings as fast as its socket takes them, 2 s',
    async run(target) {
      const c = await open(target, true);
      if (!c) throw new Error('batch flood: could not connect');
      const batch = envelope('batch', { messages: Array.from({ length: 100 }, (_, i) => JSON.parse(envelope('ping', { i })) as unknown) });
      const started = performance.now();
      const frames = await flood(c.ws, 2000, () => c.ws.send(batch), 5);
      await sleep(300);
      const closed = c.ws.readyState !== WebSocket.OPEN ? await c.closed : null;
      c.ws.terminate();
      const pongs = count(c.messages, '"type":"pong"');
      const seconds = ((closed?.atMs ?? performance.now()) - started) / 1000;
      return {
        summary: `${frames * 100} pings sent, ${pongs} answered (${Math.round(pongs / seconds)} msg/s); ${closed ? `closed ${closed.code} ${closed.reason.split(':')[0]} after ${Math.round(seconds * 1000)} ms` : 'still open'}`,
        counts: { pongs, sent: frames * 100, closedCode: closed?.code ?? 0 },
      };
    },
  },
  {
    name: 'ping flood x4',
    what: 'four clients sending single pings as fast as their sockets take them, 2 s',
    async run(target) {
      const clients = (await Promise.all([0, 1, 2, 3].map(() => open(target, true)))).filter((c): c is Opened => c !== null);
      const ping = envelope('ping', { x: 1 });
      const sent = await Promise.all(clients.map((c) => flood(c.ws, 2000, () => c.ws.send(ping), 200)));
      await sleep(300);
      const pongs = clients.reduce((n, c) => n + count(c.messages, '"type":"pong"'), 0);
      const closedBy1008 = clients.filter((c) => c.ws.readyState !== WebSocket.OPEN).length;
      for (const c of clients) c.ws.terminate();
      const total = sent.reduce((a, b) => a + b, 0);
      return { summary: `${total} pings sent, ${pongs} answered; ${closedBy1008} of ${clients.length} clients closed`, counts: { pongs, sent: total, closed: closedBy1008 } };
    },
  },
  {
    name: 'rate 5x',
    what: 'one client at 5x the documented 200 msg/s (1,000 single pings/s) until closed, at most 6 s',
    async run(target) {
      const c = await open(target);
      if (!c) throw new Error('rate 5x: could not connect');
      const started = performance.now();
      const ping = envelope('ping', {});
      // 1,000 per second of real time: each 20 ms slot catches up to the pings due by now, so a late timer on a
      // busy machine does not leave the client under the rate (20 per slot, whenever it fired, could).
      let sent = 0;
      const timer = setInterval(() => {
        const due = Math.floor(performance.now() - started);
        while (sent < due && c.ws.readyState === WebSocket.OPEN) { c.ws.send(ping); sent++; }
      }, 20);
      const result = await Promise.race([c.closed, sleep(6000).then(() => null)]);
      clearInterval(timer);
      c.ws.terminate();
      return {
        summary: result ? `closed ${result.code} ${result.reason.split(':')[0]} after ${Math.round(result.atMs - started)} ms` : 'still open after 6 s',
        counts: { closedCode: result?.code ?? 0, closedAfterMs: result ? result.atMs - started : Infinity, rateLimitedReason: result?.reason.startsWith('HIL_PROTOCOL_RATE_LIMITED') ? 1 : 0 },
      };
    },
  },
  {
    name: 'oversize frames',
    what: '50 clients each sending one 70 KB frame (over the 64 KiB limit)',
    async run(target) {
      const clients = (await Promise.all(Array.from({ length: 50 }, () => open(target)))).filter((c): c is Opened => c !== null);
      const big = envelope('ping', { pad: 'x'.repeat(70_000) });
      for (const c of clients) c.ws.send(big);
      const closes = await Promise.all(clients.map((c) => Promise.race([c.closed, sleep(3000).then(() => null)])));
      for (const c of clients) c.ws.terminate();
      const labelled = closes.filter((x) => x?.code === 1009 && x.reason.startsWith('HIL_PROTOCOL_FRAME_TOO_LARGE')).length;
      return { summary: `${labelled} of ${clients.length} closed 1009 HIL_PROTOCOL_FRAME_TOO_LARGE`, counts: { labelled, clients: clients.length } };
    },
  },
  {
    name: 'unfinished fragments',
    what: 'connections (2,000 x scale) each sending 64 KB of a message and never the rest',
    async run(target, scale) {
      const n = Math.max(10, Math.round(2000 * scale));
      const fragment = Buffer.alloc(64_000, 0x61);
      const opened: Opened[] = [];
      let refused = 0;
      for (let i = 0; i < n; i += 50) {
        const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => open(target)));
        for (const c of batch) {
          if (!c) { refused++; continue; }
          c.ws.send(fragment, { fin: false, binary: false });
          opened.push(c);
        }
      }
      const closes = await Promise.all(opened.map((c) => Promise.race([c.closed, sleep(target.unfinishedMessageTimeoutMs + 3000).then(() => null)])));
      for (const c of opened) c.ws.terminate();
      const timedOut = closes.filter((x) => x?.code === 1008 && x.reason.startsWith('HIL_PROTOCOL_MESSAGE_TIMEOUT')).length;
      return { summary: `${n} tried: ${refused} refused (cap ${target.maxConnections}), ${timedOut} of ${opened.length} closed 1008 HIL_PROTOCOL_MESSAGE_TIMEOUT`, counts: { tried: n, refused, opened: opened.length, timedOut } };
    },
  },
  {
    name: 'connection cap',
    what: 'connections up to the cap plus 20, held 1 s',
    async run(target) {
      const opened: Opened[] = [];
      let refused = 0;
      const n = target.maxConnections + 20;
      for (let i = 0; i < n; i += 50) {
        const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => open(target)));
        for (const c of batch) if (c) opened.push(c); else refused++;
      }
      await sleep(1000);
      for (const c of opened) c.ws.terminate();
      // Under load the companion takes a while to see a thousand sockets go: ask until a place is free (5 s at most).
      let reply = { status: null as number | null };
      for (let t = 0; t < 10 && reply.status !== 101; t++) {
        await sleep(500);
        reply = await rawRequest(target.port, upgradeRequest('/', `127.0.0.1:${target.port}`, target.token ? { Authorization: `Bearer ${target.token}` } : {}));
      }
      return { summary: `${opened.length} accepted, ${refused} refused; after they left a new upgrade got ${String(reply.status)}`, counts: { accepted: opened.length, refused } };
    },
  },
];
