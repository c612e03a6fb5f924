/**
 * The companion's connected clients: one {@link ClientSession} per socket,
 * the inbound pipeline every frame goes through, and the totals of clients
 * that left. Inbound, in order: the rate limit's cheap check, with the
 * frame's messages counted from its bytes (a flood costs no parsing),
 * `parseInbound` (depth bound first, then JSON, then the envelope), the rate
 * limit again for the frame's messages (a batch counts as its messages),
 * then the command handler, one frame at a time. A refused frame's `stop`
 * commands run all the same (a stop is never dropped, not even after a
 * policy close), and a client that goes over its rate is handed to the
 * `overRate` hook, which takes the wheel from it. A failure anywhere in there
 * is logged once and answered with HIL_PROTOCOL_INTERNAL_ERROR; the client
 * stays connected. A client that holds an unfinished message too long is
 * closed with 1008 HIL_PROTOCOL_MESSAGE_TIMEOUT.
 */
import type WebSocket from 'ws';
import type { Clock } from '../../harness/clock/index.ts';
import { natives } from '../../harness/clock/natives.ts';
import type { BatchDeadlines } from './batch-deadlines.ts';
import type { EpochMicros } from './clock-micros.ts';
import { ClientSession, floodCloseReason, type SessionStats } from './client-session.ts';
import type { OutgoingMessage } from './envelope.ts';
import type { ErrorLog } from './error-log.ts';
import { countMessages, mayHoldStop, parseInbound, type ClientMessage, type InboundResult } from './inbound.ts';
import type { CompanionConfig } from './profiles.ts';
import { UnfinishedMessageWatch } from './unfinished-messages.ts';

/** Counters summed over the sessions that closed. */
type Totals = Pick<SessionStats, 'queued' | 'frames' | 'textBytes' | 'dropped' | 'rateLimited' | 'protocolErrors'>;
const TOTAL_KEYS: ReadonlyArray<keyof Totals> = ['queued', 'frames', 'textBytes', 'dropped', 'rateLimited', 'protocolErrors'];

/** Options of {@link SessionRegistry}. */
export interface SessionRegistryOptions {
  clock: Clock;
  micros: EpochMicros;
  config: CompanionConfig;
  /** Batch windows shared by every session. */
  deadlines?: BatchDeadlines;
  log: ErrorLog;
  /** The `state` snapshot a new client gets first. */
  stateFor(session: ClientSession): OutgoingMessage;
  /** Runs the accepted messages of one frame, in order (the command handler), and the stops of refused ones. */
  dispatch(session: ClientSession, messages: readonly ClientMessage[]): void;
  /**
   * `session` just went over its inbound rate (its first refused message
   * after a whole second without one), or is being closed for flooding:
   * the companion takes the wheel from it (the command handler's `revoke`).
   */
  overRate(session: ClientSession): void;
}

/** Real ms a client closed for a violation gets to answer the close frame before its socket is cut. */
const CLOSE_GRACE_MS = 500;

/** See the module comment. */
export class SessionRegistry implements Iterable<ClientSession> {
  readonly #o: SessionRegistryOptions;
  readonly #sessions = new Set<ClientSession>();
  readonly #closed: Totals = { queued: 0, frames: 0, textBytes: 0, dropped: 0, rateLimited: 0, protocolErrors: 0 };
  readonly #unfinished: UnfinishedMessageWatch;
  #nextId = 1;
  /** Clients accepted since start. */
  connectionsTotal = 0;
  /** Clients closed with 1009 for an oversized frame. */
  tooLarge = 0;
  /** Clients closed with 1008 (flood, slow consumer, unfinished message). */
  policyClosed = 0;

  constructor(options: SessionRegistryOptions) {
    this.#o = options;
    this.#unfinished = new UnfinishedMessageWatch(options.config.unfinishedMessageTimeoutMs);
  }

  get size(): number {
    return this.#sessions.size;
  }

  [Symbol.iterator](): Iterator<ClientSession> {
    return this.#sessions[Symbol.iterator]();
  }

  /** Queues `message` for every client. */
  broadcast(message: OutgoingMessage): void {
    for (const s of this.#sessions) s.enqueue(message);
  }

  /** Every session's counters now. */
  perClient(): SessionStats[] {
    return [...this.#sessions].map((s) => s.stats());
  }

  /** A total over open and closed sessions. */
  total(key: keyof Totals): number {
    let sum = this.#closed[key];
    for (const s of this.#sessions) sum += s.stats()[key];
    return sum;
  }

  /** Serves a newly upgraded socket: a session, its handlers, the `state` snapshot. */
  add(ws: WebSocket): void {
    const { config, clock, micros } = this.#o;
    this.connectionsTotal++;
    const session = new ClientSession({
      id: this.#nextId++, socket: ws, clock, micros, batching: config.batching, limits: config.limits, retainSent: config.retainSent,
      ...(this.#o.deadlines ? { deadlines: this.#o.deadlines } : {}),
    });
    this.#sessions.add(session);
    const forget = (): void => {
      if (!this.#sessions.delete(session)) return;
      const st = session.stats();
      for (const k of TOTAL_KEYS) this.#closed[k] += st[k];
      session.dispose();
    };
    ws.on('close', forget);
    ws.on('error', (err: Error & { code?: string }) => {
      // ws has already answered (1009 for WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, 1002 for bad framing) and closes.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.tooLarge++;
      forget();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        this.#receive(session, ws, data, isBinary);
      } catch (err) {
        this.#o.log.report('message handler', err);
        session.sendError({ code: 'HIL_PROTOCOL_INTERNAL_ERROR', message: 'the companion failed while handling this message (logged on its stderr); the connection stays open' });
      }
    });
    // Control frames cost the budget like messages: ws answers a ping by itself and drops a pong without
    // a 'message' event, so a flood of them was never refused (4.49 M pongs in 3 s, never closed).
    const control = (): void => {
      try {
        if (session.closed) return;
        if (ws.readyState !== ws.OPEN) {
          // ws cut it for pings whose pongs it does not read (or it is closing): it loses the wheel as a flooder does.
          this.#o.overRate(session);
          return;
        }
        if (!session.canAdmit(1)) {
          this.#refuse(session, ws, 1, () => undefined);
          return;
        }
        session.admit(1);
      } catch (err) {
        this.#o.log.report('control frame handler', err);
      }
    };
    ws.on('ping', control);
    ws.on('pong', control);
    this.#unfinished.track(ws, () => {
      this.#closeForPolicy(session, ws, `HIL_PROTOCOL_MESSAGE_TIMEOUT: a message unfinished for ${config.unfinishedMessageTimeoutMs} ms`);
    });
    session.enqueue(this.#o.stateFor(session));
  }

  /** Closes every client with 1001 and stops the watch. */
  closeAll(): void {
    this.#unfinished.stop();
    for (const s of this.#sessions) s.close(1001, 'companion shutting down');
    this.#sessions.clear();
  }

  #receive(session: ClientSession, ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (session.closed) {
      // Closed for a violation, and these frames were on their way: nothing of them runs but a stop.
      if (!isBinary && mayHoldStop(data)) this.#runStops(session, parseInbound(data, false));
      return;
    }
    // A frame the budget cannot cover is refused unparsed (a flood costs no parsing), counted as its messages.
    const counted = isBinary ? 1 : countMessages(data);
    if (!session.canAdmit(counted)) {
      this.#refuse(session, ws, counted, () => (!isBinary && mayHoldStop(data) ? parseInbound(data, false) : undefined));
      return;
    }
    const parsed = parseInbound(data, isBinary);
    // A bad frame costs one message of the budget; a batch costs each of its messages.
    const count = parsed.ok ? Math.max(1, parsed.messages.length) : 1;
    if (!session.canAdmit(count)) {
      this.#refuse(session, ws, count, () => parsed);
      return;
    }
    session.admit(count); // accepted: canAdmit just said the budget covers it
    if (!parsed.ok) {
      session.sendError(parsed.error);
      return;
    }
    this.#o.dispatch(session, parsed.messages);
  }

  /**
   * Refuses `count` messages of `session` as over the rate. The frame's
   * stops run all the same (`parsed` gives the frame, parsed only when it
   * may hold one), before anything else; a client that goes over the rate
   * (or is closed for it) then loses the wheel.
   */
  #refuse(session: ClientSession, ws: WebSocket, count: number, parsed: () => InboundResult | undefined): void {
    const frame = parsed();
    if (frame) this.#runStops(session, frame);
    const wasOver = session.overRate;
    const verdict = session.reject(count);
    if (!wasOver || verdict === 'close') this.#o.overRate(session);
    if (verdict === 'close') this.#closeForPolicy(session, ws, floodCloseReason(this.#o.config.limits));
  }

  /** Runs the `stop` commands of a refused frame (a stop always runs); nothing else of it. */
  #runStops(session: ClientSession, parsed: InboundResult): void {
    if (!parsed.ok) return;
    const stops = parsed.messages.filter((m) => m.type === 'command' && m.command.command === 'stop');
    if (stops.length > 0) this.#o.dispatch(session, stops);
  }

  /** 1008 with `reason`; the socket is cut after a grace period if the client does not answer the close. */
  #closeForPolicy(session: ClientSession, ws: WebSocket, reason: string): void {
    if (session.closed) return;
    this.policyClosed++;
    session.close(1008, reason);
    const cut = natives.setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    cut.unref?.();
  }
}
