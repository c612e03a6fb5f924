/**
 * Device events of a trace: what a receiving UART or the board noticed
 * beside the bytes (a write decoded at another line speed, bytes the board's
 * receive buffer dropped). The first `maxEvents` are stored; every one is
 * hashed as it comes, so the trace digest covers them all.
 */
import { createHash, type Hash } from 'node:crypto';
import type { LinkDirection } from '../link/link-options.ts';

/**
 * Something a receiving UART or the board noticed beside the bytes, in the
 * order it happened:
 * - `uart-framing`: one write was decoded by a receiver at another baud
 *   rate; `received` is what that receiver stored (see `uart-framing.ts`).
 * - `uart-rx-overflow`: host bytes arrived while the firmware's loop was
 *   blocked and its receive buffer (`capacity` bytes) was full; `dropped` of
 *   them were lost, as the ATmega328P loses them.
 * - `firmware-fault`: host input the emulated firmware could not apply (it
 *   skipped that message and went on, as the chip would have); `message`
 *   names the Firmata message and what failed.
 */
export type DeviceEvent =
  | {
      kind: 'uart-framing';
      /** When the write's last byte finished on the wire, clock monotonic ms. */
      atMs: number;
      dir: LinkDirection;
      senderBaud: number;
      receiverBaud: number;
      /** Bytes sent. */
      sent: number;
      received: number[];
      framingErrors: number;
    }
  | {
      kind: 'uart-rx-overflow';
      /** When the dropped bytes were delivered to the board, clock monotonic ms. */
      atMs: number;
      dir: 'to-device';
      dropped: number;
      /** Bytes the buffer holds when full. */
      capacity: number;
    }
  | {
      kind: 'firmware-fault';
      /** When it happened, clock monotonic ms. */
      atMs: number;
      message: string;
    };

/** Default cap on stored device events (every one is still hashed). */
export const DEFAULT_TRACE_MAX_DEVICE_EVENTS = 10_000;

/** Stored and hashed device events. */
export class DeviceEventLog {
  private events: DeviceEvent[] = [];
  private count = 0;
  private hash: Hash = createHash('sha256');

  constructor(private readonly maxEvents: number = DEFAULT_TRACE_MAX_DEVICE_EVENTS) {}

  /** Events seen since creation or `clear()`, stored or not. */
  get total(): number {
    return this.count;
  }

  /** Stores (below the cap) and hashes one event. */
  record(event: DeviceEvent): void {
    this.count++;
    this.hash.update(JSON.stringify(event));
    if (this.events.length < this.maxEvents) this.events.push(event);
  }

  /** Stored events, oldest first (a fresh array); `filter` keeps matching ones. */
  list(filter?: { kind?: DeviceEvent['kind']; dir?: LinkDirection }): DeviceEvent[] {
    // Not every kind need carry a direction: an event without one matches no `dir` filter.
    return this.events.filter((e) => (filter?.kind === undefined || e.kind === filter.kind) && (filter?.dir === undefined || ('dir' in e && e.dir === filter.dir)));
  }

  /** SHA-256 of every event recorded so far (raw bytes). */
  digest(): Buffer {
    return this.hash.copy().digest();
  }

  /** Forgets every event and restarts the hash. */
  clear(): void {
    this.events = [];
    this.count = 0;
    this.hash = createHash('sha256');
  }
}
