/**
 * A well-behaved client that watches the companion while something else
 * attacks it: it reads every message, checks its sequence numbers for gaps,
 * measures how late each telemetry reading arrives (receive time minus the
 * reading's `timestampMicros`; companion and bystander share the host's
 * clock) and pings every `pingEveryMs` to time the round trip. `window()`
 * returns the figures since the last call, so one bystander can report
 * attack after attack.
 */
import WebSocket from 'ws';
import type { Envelope } from '../envelope.ts';

/** Figures of one window. */
export interface BystanderWindow {
  /** Sequence numbers missing or out of order in this window. */
  gaps: number;
  /** Telemetry readings received. */
  telemetry: number;
  /** Worst telemetry latency, ms (receive time minus the reading's due time). */
  worstTelemetryMs: number;
  /** Pongs received. */
  pongs: number;
  /** Worst ping round trip, ms. */
  worstPingMs: number;
  /** Close code once the bystander was closed (it never should be), else null. */
  closeCode: number | null;
}

/** A connected bystander. */
export interface Bystander {
  /** The figures since the previous call (or since connecting), and a new window begins. */
  window(): BystanderWindow;
  close(): void;
}

const nowMicros = (): number => (performance.timeOrigin + performance.now()) * 1000;

/** Connects; resolves once the `state` snapshot arrived. Headers go on the upgrade (e.g. a token). */
export function connectBystander(url: string, options: { pingEveryMs?: number; headers?: Record<string, string> } = {}): Promise<Bystander> {
  const ws = new WebSocket(url, { headers: options.headers ?? {}, perMessageDeflate: false });
  let expected = 1;
  let closeCode: number | null = null;
  let w = { gaps: 0, telemetry: 0, worstTelemetryMs: 0, pongs: 0, worstPingMs: 0 };
  const pingsInFlight = new Map<number, number>();
  let pingId = 0;
  let gotState: () => void = () => {};
  const stateArrived = new Promise<void>((resolve) => { gotState = resolve; });

  const take = (m: Envelope): void => {
    if (m.sequence !== undefined) {
      if (m.sequence !== expected) w.gaps++;
      expected = m.sequence + 1;
    }
    if (m.type === 'state') gotState();
    if (m.type === 'pong') {
      const id = (m.payload as { id?: number } | null)?.id;
      const sentAt = id === undefined ? undefined : pingsInFlight.get(id);
      if (sentAt !== undefined) {
        pingsInFlight.delete(id as number);
        w.pongs++;
        w.worstPingMs = Math.max(w.worstPingMs, performance.now() - sentAt);
      }
    }
    if (m.type === 'event' && (m.payload as { event?: string }).event === 'sensors' && m.timestampMicros !== undefined) {
      w.telemetry++;
      w.worstTelemetryMs = Math.max(w.worstTelemetryMs, (nowMicros() - m.timestampMicros) / 1000);
    }
  };
  ws.on('message', (data: Buffer) => {
    const env = JSON.parse(String(data)) as Envelope;
    if (env.type === 'batch') for (const m of (env.payload as { messages: Envelope[] }).messages) take(m);
    else take(env);
  });
  ws.on('close', (code: number) => { closeCode = code; });
  ws.on('error', () => {});
  const pinger = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const id = ++pingId;
    pingsInFlight.set(id, performance.now());
    ws.send(JSON.stringify({ version: 2, type: 'ping', payload: { id }, timestamp: Date.now() }));
  }, options.pingEveryMs ?? 100);

  const bystander: Bystander = {
    window() {
      const out = { ...w, closeCode };
      w = { gaps: 0, telemetry: 0, worstTelemetryMs: 0, pongs: 0, worstPingMs: 0 };
      return out;
    },
    close() {
      clearInterval(pinger);
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => { clearInterval(pinger); reject(new Error(`bystander: HTTP ${res.statusCode ?? '?'}`)); });
    ws.once('error', (err) => { clearInterval(pinger); reject(err); });
    void stateArrived.then(() => resolve(bystander));
  });
}
