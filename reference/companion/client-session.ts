/**
 * One connected client: its sequence numbers, its send queue with batching
 * and backpressure, and its inbound rate limit.
 *
 * Backpressure: nothing is written while the socket holds
 * `highWaterBytes` or more unsent bytes; messages wait in the queue, and
 * each completed write pumps again. The queue is bounded by
 * `maxQueuedMessages`: past it the OLDEST droppable (telemetry) message is
 * dropped (its sequence number is then missing at the client, which is how
 * the loss shows) and the client is told once per second with a
 * `HIL_PROTOCOL_SLOW_CONSUMER` protocol error; a queue full of replies
 * (nothing droppable) closes the client with 1008. So a slow client costs
 * at most `maxQueuedMessages` messages of memory, never more.
 *
 * Cost per client: a queued message is the shared {@link OutgoingMessage}
 * plus its sequence number; a frame is one buffer filled by `encodeFrame`
 * (no JSON per client) and one `send`. Batch windows run on a
 * {@link BatchDeadlines} the companion shares between its clients, and
 * telemetry ticks ({@link ClientSession.hold}, then {@link ClientSession.flush})
 * arm no timer at all.
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';
import type { EpochMicros } from './clock-micros.ts';
import { BatchDeadlines, type BatchOwner } from './batch-deadlines.ts';
import { encodeFrame, frameText, outgoing, type NumberedMessage, type OutgoingMessage } from './envelope.ts';
import type { ProtocolError } from './inbound.ts';

/** The close reason (under the 123 bytes a close frame allows) of a client closed by {@link ClientSession.admit}. */
export function floodCloseReason(limits: SessionLimits): string {
  return `HIL_PROTOCOL_RATE_LIMITED: kept sending over ${limits.inboundPerSecond} messages/s`;
}

/** Options of every frame a session sends: UTF-8 JSON in a text frame. */
export const TEXT_FRAME: Readonly<{ binary: false }> = Object.freeze({ binary: false });

/** The part of a `ws` WebSocket a session uses. */
export interface SessionSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  /** Sends `data` (UTF-8 JSON) as one text frame ({@link TEXT_FRAME}); `cb` runs once it was written or failed. */
  send(data: Buffer, options: typeof TEXT_FRAME, cb: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
}

/** Batching: a frame goes out once `maxMessages` are pending or `maxDelayMs` after the first one was queued. */
export interface BatchingOptions {
  maxMessages: number;
  maxDelayMs: number;
}

/** Send and receive limits of a session. */
export interface SessionLimits {
  /** Messages that may wait in the queue; `Infinity` makes it unbounded (the degraded profile). */
  maxQueuedMessages: number;
  /** Unsent bytes in the socket above which the session stops writing. */
  highWaterBytes: number;
  /** Inbound messages accepted per second (token bucket rate). */
  inboundPerSecond: number;
  /** Inbound burst (token bucket size). */
  inboundBurst: number;
  /** Rejected inbound messages, in a row, after which the client is closed with 1008. */
  floodCloseAfter: number;
  /**
   * Ms a client may stay over the rate (messages rejected, with no whole
   * second free of rejections) before it is closed with 1008: a client at
   * 5x the rate gets one message in five through, so "in a row" alone never
   * closes it.
   */
  floodCloseAfterMs: number;
}

/** Counters of one session. */
export interface SessionStats {
  id: number;
  /** Messages given sequence numbers. */
  queued: number;
  /** Frames written (a batch is one frame). */
  frames: number;
  /** Bytes of JSON written (frame payloads, before compression). */
  textBytes: number;
  /** Telemetry messages dropped for a slow consumer. */
  dropped: number;
  /** Messages waiting now. */
  waiting: number;
  /** Inbound messages rejected by the rate limit. */
  rateLimited: number;
  /** Protocol errors sent to this client. */
  protocolErrors: number;
}

/** Options of {@link ClientSession}. */
export interface ClientSessionOptions {
  id: number;
  socket: SessionSocket;
  clock: Clock;
  micros: EpochMicros;
  batching: BatchingOptions | null;
  limits: SessionLimits;
  /** Keep every message sent (the degraded profile's leak: a replay log never trimmed). */
  retainSent?: boolean;
  /**
   * Batch windows shared with the other clients (their `delayMs` must be
   * `batching.maxDelayMs`). Default: a private one, stopped with the session.
   */
  deadlines?: BatchDeadlines;
}

const OPEN = 1;
const SLOW_NOTICE_EVERY_MS = 1000;
/**
 * A client is over its rate until it has gone this long without a refused
 * message: the end of a spell over the rate for the flood close, and when
 * a client that flooded may drive again.
 */
export const OVER_RATE_QUIET_MS = 1000;
const BLOCKED_RETRY_MS = 50;

interface Queued extends NumberedMessage {
  /** A slow-consumer notice: while one waits unsent, no second one is queued. */
  readonly notice?: boolean;
}

/** See the module comment. */
export class ClientSession implements BatchOwner {
  readonly id: number;
  #o: ClientSessionOptions;
  // The queue is #items from #head on: dropping or sending the oldest is O(1).
  #items: Queued[] = [];
  #head = 0;
  #sequence = 0;
  #deadlines: BatchDeadlines | undefined;
  #ownsDeadlines: boolean;
  // Ticket of the batch window being waited out, 0 when none.
  #batchTicket = 0;
  // Backpressure retry timer (only while blocked by bytes that are not ours).
  #retryTimer: ClockTimer | undefined;
  #blocked = false;
  #closed = false;
  #tokens: number;
  #tokensAtMs: number;
  #rejectedInRow = 0;
  // Start of the current spell over the rate, and the last rejection in it.
  #overSinceMs: number | null = null;
  #lastRejectMs = -Infinity;
  #lastSlowNoticeMs = -Infinity;
  #lastRateNoticeMs = -Infinity;
  #log: Array<{ sentAtMs: number; text: string; envelope: unknown }> = [];
  #noticeWaiting = false;
  #stats: Omit<SessionStats, 'waiting' | 'id'> = { queued: 0, frames: 0, textBytes: 0, dropped: 0, rateLimited: 0, protocolErrors: 0 };

  constructor(options: ClientSessionOptions) {
    this.#o = options;
    this.id = options.id;
    this.#ownsDeadlines = options.batching !== null && options.deadlines === undefined;
    this.#deadlines = options.batching ? (options.deadlines ?? new BatchDeadlines(options.clock, options.batching.maxDelayMs)) : undefined;
    this.#tokens = options.limits.inboundBurst;
    this.#tokensAtMs = options.clock.monotonicMs();
  }

  /** Sequence number given to the latest message. */
  get sequence(): number { return this.#sequence; }
  /** True once closed (by either side). */
  get closed(): boolean { return this.#closed; }

  /** A copy of the counters. */
  stats(): SessionStats {
    return { id: this.id, ...this.#stats, waiting: this.#waiting };
  }

  /** Gives `message` this client's next sequence number and queues it (see the module comment). */
  enqueue(message: OutgoingMessage): void {
    if (!this.#push(message)) return;
    const batching = this.#o.batching;
    if (message.urgent || !batching || this.#waiting >= batching.maxMessages) this.#pump();
    else if (this.#batchTicket === 0) this.#batchTicket = (this.#deadlines as BatchDeadlines).request(this);
  }

  /**
   * Gives each of `messages` its sequence number and queues it (shedding as
   * {@link enqueue} does), but neither sends nor starts the batch window: the
   * caller promises a {@link flush} once it has queued everything that
   * belongs together. How telemetry ticks leave with `flushOnTick`: one
   * frame per tick, or, for the ticks of a late timer caught up in one go,
   * frames of up to `maxMessages` instead of one per tick.
   */
  hold(messages: readonly OutgoingMessage[]): void {
    for (const message of messages) if (!this.#push(message)) return;
  }

  /** Sends everything queued now (as far as backpressure allows), without waiting out the batch window. */
  flush(): void {
    this.#pump();
  }

  /** The batch window of `ticket` ended (see {@link BatchDeadlines}); a stale ticket is ignored. */
  batchDue(ticket: number): void {
    if (ticket === this.#batchTicket) this.#pump();
  }

  /** Sends a `protocol_error` event (never dropped, sent at once). */
  sendError(error: ProtocolError): void {
    this.#stats.protocolErrors++;
    this.enqueue(outgoing('event', { event: 'protocol_error', data: error }, this.#o.micros.now(), { urgent: true }));
  }

  /**
   * True when `count` messages would be admitted now: the cheap check made
   * before a frame is parsed (with the count read off its bytes, see
   * `countMessages`), so a flood costs no parsing. A false answer still has
   * to go through {@link reject} to be counted.
   */
  canAdmit(count = 1): boolean {
    this.#refill();
    return this.#tokens >= count;
  }

  /**
   * True while this client is over its rate: a message of it was refused
   * less than {@link OVER_RATE_QUIET_MS} ago. Its drive commands are refused
   * meanwhile (the command handler's rule: a client that floods loses the
   * wheel).
   */
  get overRate(): boolean {
    return this.#lastRejectMs > -Infinity && this.#o.clock.monotonicMs() - this.#lastRejectMs < OVER_RATE_QUIET_MS;
  }

  /**
   * Rate limit for `count` inbound messages arriving together (a batch
   * counts as its messages; a bad frame as one): `accept` (all of them),
   * `reject` (drop all of them; the client is told at most once a second)
   * or `close` (a flood: the caller closes the client with
   * {@link floodCloseReason}). A client is a flood after `floodCloseAfter`
   * messages rejected in a row, or after `floodCloseAfterMs` over the rate
   * (rejections with no whole second free of them).
   */
  admit(count = 1): 'accept' | 'reject' | 'close' {
    this.#refill();
    if (this.#tokens >= count) {
      this.#tokens -= count;
      this.#rejectedInRow = 0;
      return 'accept';
    }
    return this.reject(count);
  }

  /**
   * Refuses `count` messages as over the rate, whatever the budget holds
   * (for a frame {@link canAdmit} already turned away): counted, and
   * answered as {@link admit} answers a refusal (`reject` or `close`).
   */
  reject(count = 1): 'reject' | 'close' {
    const { inboundPerSecond, inboundBurst, floodCloseAfter, floodCloseAfterMs } = this.#o.limits;
    const now = this.#o.clock.monotonicMs();
    this.#stats.rateLimited += count;
    this.#rejectedInRow += count;
    if (this.#overSinceMs === null || now - this.#lastRejectMs >= OVER_RATE_QUIET_MS) this.#overSinceMs = now;
    this.#lastRejectMs = now;
    if (this.#rejectedInRow >= floodCloseAfter || now - this.#overSinceMs >= floodCloseAfterMs) return 'close';
    if (now - this.#lastRateNoticeMs >= SLOW_NOTICE_EVERY_MS) {
      this.#lastRateNoticeMs = now;
      const what = count > 1 ? `a batch of ${count} messages was refused whole` : 'messages are being dropped';
      this.sendError({
        code: 'HIL_PROTOCOL_RATE_LIMITED',
        message: `more than ${inboundPerSecond} messages/s (burst ${inboundBurst}; a batch counts as its messages): ${what}; ` +
          `until this client has gone ${OVER_RATE_QUIET_MS} ms without a refused message its drive commands are refused, and the robot was stopped if this client drove it last (a stop always runs); ` +
          `staying over the rate for ${floodCloseAfterMs} ms or ${floodCloseAfter} rejected in a row closes the connection`,
      });
    }
    return 'reject';
  }

  /** Tops the token bucket up to now; returns now (clock ms). */
  #refill(): number {
    const { inboundPerSecond, inboundBurst } = this.#o.limits;
    const now = this.#o.clock.monotonicMs();
    this.#tokens = Math.min(inboundBurst, this.#tokens + ((now - this.#tokensAtMs) / 1000) * inboundPerSecond);
    this.#tokensAtMs = now;
    return now;
  }

  /** Closes the socket (idempotent) and stops its timers. */
  close(code?: number, reason?: string): void {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#o.socket.close(code, reason);
      } catch {
        // already closing
      }
    }
    this.dispose();
  }

  /** Forgets the queue and timers after the socket closed. */
  dispose(): void {
    this.#closed = true;
    this.#o.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#batchTicket = 0;
    if (this.#ownsDeadlines) this.#deadlines?.stop();
    this.#items = [];
    this.#head = 0;
    this.#log = [];
  }

  get #waiting(): number {
    return this.#items.length - this.#head;
  }

  /** Numbers and queues one message (shedding past the bound); false once the session is closed. */
  #push(message: OutgoingMessage): boolean {
    if (this.#closed) return false;
    const sequence = ++this.#sequence;
    this.#stats.queued++;
    if (this.#o.retainSent) {
      // The degraded profile's replay log: every message, as a private copy of
      // its text and decoded (for "resend on reconnect"), kept forever.
      const copy = Buffer.from(frameText(message, sequence), 'latin1').toString('latin1');
      this.#log.push({ sentAtMs: this.#o.clock.now(), text: copy, envelope: JSON.parse(copy) as unknown });
    }
    this.#items.push({ message, sequence });
    return this.#waiting <= this.#o.limits.maxQueuedMessages || this.#shed();
  }

  /** Encodes the oldest `n` queued messages (at most) as one frame and removes them from the queue. */
  #takeFrame(n: number): Buffer {
    const start = this.#head;
    const end = Math.min(this.#items.length, start + n);
    if (this.#noticeWaiting) {
      for (let i = start; i < end; i++) if ((this.#items[i] as Queued).notice) this.#noticeWaiting = false;
    }
    // Bytes already waiting in the socket mean this frame will wait too: it
    // gets its own memory instead of pinning a slice of the shared pool.
    const frame = encodeFrame(this.#items, start, end, this.#o.micros.now(), this.#o.socket.bufferedAmount === 0);
    this.#advanceHead(end - start);
    return frame;
  }

  #advanceHead(n: number): void {
    this.#head += n;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Drops the oldest droppable message; false when nothing was droppable and the client was closed. */
  #shed(): boolean {
    const items = this.#items;
    let i = this.#head;
    while (i < items.length && !(items[i] as Queued).message.droppable) i++;
    if (i >= items.length) {
      this.close(1008, 'HIL_PROTOCOL_SLOW_CONSUMER: send queue full of replies');
      return false;
    }
    // Replies ahead of the dropped message (a notice or two) move up one slot:
    // O(replies), not O(queue), and their order is kept.
    for (let j = i; j > this.#head; j--) items[j] = items[j - 1] as Queued;
    this.#advanceHead(1);
    this.#stats.dropped++;
    const now = this.#o.clock.monotonicMs();
    if (!this.#noticeWaiting && now - this.#lastSlowNoticeMs >= SLOW_NOTICE_EVERY_MS) {
      this.#noticeWaiting = true;
      this.#lastSlowNoticeMs = now;
      this.#stats.protocolErrors++;
      // Queued, not urgent: it must not cut in front of what the client is already behind on.
      this.#items.push({
        message: outgoing('event', {
          event: 'protocol_error',
          data: { code: 'HIL_PROTOCOL_SLOW_CONSUMER', message: `this client reads too slowly; ${this.#stats.dropped} telemetry message(s) dropped so far (gaps in sequence)` },
        }, this.#o.micros.now()),
        sequence: ++this.#sequence,
        notice: true,
      });
      this.#stats.queued++;
    }
    return true;
  }

  #pump(): void {
    if (this.#closed) return;
    // Whatever is queued now leaves (or waits for the socket): no batch window runs any more.
    this.#batchTicket = 0;
    this.#o.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#o.socket;
    const max = this.#o.batching?.maxMessages ?? 1;
    while (this.#waiting > 0) {
      if (socket.readyState !== OPEN) return;
      if (socket.bufferedAmount >= this.#o.limits.highWaterBytes) {
        // Resumed by the completion callback of a write in flight, or (when
        // the backlog is not ours: ws control frames) by a retry.
        this.#blocked = true;
        this.#retryTimer = this.#o.clock.setTimeout(() => {
          this.#retryTimer = undefined;
          this.#pump();
        }, BLOCKED_RETRY_MS);
        return;
      }
      const frame = this.#takeFrame(max);
      this.#stats.frames++;
      this.#stats.textBytes += frame.length;
      socket.send(frame, TEXT_FRAME, this.#onWritten);
    }
  }

  #onWritten = (err?: Error): void => {
    if (err || !this.#blocked) return;
    this.#blocked = false;
    this.#pump();
  };
}
