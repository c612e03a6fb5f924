/**
 * A timeout for messages a client begins and never finishes. `ws` keeps
 * the fragments of an unfinished message (and the bytes of a frame still
 * arriving) until the rest comes, with no time limit: 2,000 connections
 * each holding an unfinished 64 KB fragment added 117 MB, and none was
 * ever closed. The watch looks at each socket every few hundred ms: a
 * client that holds an unfinished message and has completed none since the
 * previous look, for `timeoutMs` on end, is handed to `onStuck` (the
 * companion closes it with 1008 HIL_PROTOCOL_MESSAGE_TIMEOUT). A client
 * that completes messages is never stuck, however busy it is.
 *
 * Whether a message is unfinished is read from the `ws` receiver's state
 * (`_bufferedBytes`, `_fragmented`), which `ws` does not export; the
 * companion's limit tests fail if a `ws` release changes it. Real time:
 * sockets are real whatever clock the companion runs on.
 */
import type WebSocket from 'ws';
import { natives } from '../../harness/clock/natives.ts';

interface ReceiverState {
  _bufferedBytes?: number;
  _fragmented?: number;
}

/** True while `ws` holds bytes of a message that has not completed. */
export function holdsUnfinishedMessage(ws: WebSocket): boolean {
  const r = (ws as unknown as { _receiver?: ReceiverState })._receiver;
  return r !== undefined && ((r._bufferedBytes ?? 0) > 0 || (r._fragmented ?? 0) !== 0);
}

interface Entry {
  sinceMs: number | null;
  progressed: boolean;
  onStuck: () => void;
}

/** See the module comment. */
export class UnfinishedMessageWatch {
  readonly #timeoutMs: number;
  readonly #entries = new Map<WebSocket, Entry>();
  readonly #timer: ReturnType<typeof natives.setInterval>;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#timer = natives.setInterval(() => this.#look(), Math.max(25, Math.min(1000, timeoutMs / 4)));
    this.#timer.unref?.();
  }

  /** Watches `ws` until it closes; `onStuck` runs once when it holds an unfinished message too long. */
  track(ws: WebSocket, onStuck: () => void): void {
    const entry: Entry = { sinceMs: null, progressed: false, onStuck };
    this.#entries.set(ws, entry);
    ws.on('message', () => { entry.progressed = true; });
    ws.once('close', () => { this.#entries.delete(ws); });
  }

  /** Sockets watched now. */
  get size(): number {
    return this.#entries.size;
  }

  stop(): void {
    natives.clearInterval(this.#timer);
    this.#entries.clear();
  }

  #look(): void {
    const now = natives.performanceNow();
    for (const [ws, e] of this.#entries) {
      if (!holdsUnfinishedMessage(ws)) e.sinceMs = null;
      else if (e.progressed || e.sinceMs === null) e.sinceMs = now;
      else if (now - e.sinceMs >= this.#timeoutMs) {
        this.#entries.delete(ws);
        e.onStuck();
      }
      e.progressed = false;
    }
  }
}
