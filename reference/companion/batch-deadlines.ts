/**
 * The batch windows of every client on one timer. A client that queues a
 * message without sending it at once asks to be flushed `delayMs` later;
 * the delay is the same for every client, so the requests come due in the
 * order they were made and a FIFO with one timer for its head serves them
 * all: O(1) per request, and no timer per client (a per-client timer costs
 * a timer insert and cancel per client per message, which at 1000 clients
 * and 50 Hz was a visible share of the companion's CPU and garbage).
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';

/** Something a {@link BatchDeadlines} flushes. */
export interface BatchOwner {
  /** The window of request `ticket` ended; ignore it when that batch already left (the ticket is stale). */
  batchDue(ticket: number): void;
}

interface Request {
  dueMs: number;
  owner: BatchOwner;
  ticket: number;
}

/** See the module comment. */
export class BatchDeadlines {
  readonly delayMs: number;
  #clock: Clock;
  // Served from #head on; a served slot is cleared so a closed client is not kept reachable.
  #queue: Array<Request | undefined> = [];
  #head = 0;
  #timer: ClockTimer | undefined;
  #nextTicket = 1;
  #stopped = false;
  // True while due requests are being served: a request made meanwhile is armed once they are done.
  #firing = false;

  constructor(clock: Clock, delayMs: number) {
    this.#clock = clock;
    this.delayMs = delayMs;
  }

  /**
   * Calls `owner.batchDue(ticket)` once `delayMs` have passed; returns the
   * ticket. There is no cancel: the owner compares the ticket with the one
   * it is waiting on and ignores a stale call.
   */
  request(owner: BatchOwner): number {
    const ticket = this.#nextTicket++;
    if (this.#stopped) return ticket;
    this.#queue.push({ dueMs: this.#clock.monotonicMs() + this.delayMs, owner, ticket });
    if (this.#timer === undefined && !this.#firing) this.#arm();
    return ticket;
  }

  /** Drops every request and the timer; later requests are ignored. Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#head = 0;
  }

  #arm(): void {
    const first = this.#queue[this.#head] as Request;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, first.dueMs - this.#clock.monotonicMs()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#firing = true;
    try {
      this.#serveDue();
    } finally {
      this.#firing = false;
    }
  }

  #serveDue(): void {
    const now = this.#clock.monotonicMs();
    const queue = this.#queue;
    while (this.#head < queue.length && (queue[this.#head] as Request).dueMs <= now) {
      const { owner, ticket } = queue[this.#head] as Request;
      queue[this.#head++] = undefined;
      owner.batchDue(ticket);
      if (this.#stopped) return;
    }
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    this.#arm();
  }
}
