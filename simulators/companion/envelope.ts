/**
 * The mBot RuVector WebSocket V2 envelope as the reference companion speaks
 * it, plus the one field this harness adds.
 *
 *   { "version": 2, "sequence": 17, "type": "event",
 *     "payload": { "event": "sensors", "data": { ... } },
 *     "timestamp": 1767225600123, "timestampMicros": 1767225600123456 }
 *
 * - `version`: always 2.
 * - `type`: state | command | event | batch | ping | pong.
 * - `timestamp`: integer milliseconds since the epoch (RuVector's field).
 * - `timestampMicros` (added here, optional for clients to send): integer
 *   MICROseconds since the epoch, on the same clock as `timestamp`
 *   (`timestamp === Math.floor(timestampMicros / 1000)`). For telemetry it is
 *   the time the reading was DUE (the companion samples at a fixed rate, and
 *   a late tick keeps its scheduled time), so a stalled companion shows up as
 *   latency instead of hiding. On a wall clock it comes from
 *   `performance.timeOrigin + performance.now()`, so two processes on one host
 *   agree to a few µs; on a virtual clock it is whole virtual ms × 1000.
 * - `sequence`: per client, 1, 2, 3, ... over every message the companion
 *   queued for that client (including messages inside a `batch`); a gap means
 *   the companion dropped that message (slow consumer). A `batch` envelope
 *   itself has no sequence. Client-sent sequences are echoed in acks, never
 *   checked for order.
 */

/** The protocol version this companion speaks. */
export const PROTOCOL_VERSION = 2;

/** Every envelope type of V2. */
export const MESSAGE_TYPES = ['state', 'command', 'event', 'batch', 'ping', 'pong'] as const;

/** One of {@link MESSAGE_TYPES}. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A V2 envelope as it appears on the wire. */
export interface Envelope<P = unknown> {
  version: 2;
  type: MessageType;
  payload: P;
  /** Epoch ms (integer). */
  timestamp: number;
  /** Epoch µs (integer), same instant as `timestamp`; see the module comment. */
  timestampMicros?: number;
  /** Per-client message number (1-based); absent on `batch` envelopes. */
  sequence?: number;
}

/** Payload of an `event`. */
export interface EventPayload<D = unknown> {
  event: string;
  data: D;
}

/** Payload of a `batch`: whole envelopes, oldest first. */
export interface BatchPayload {
  messages: Envelope[];
}

/** One outgoing message before it gets a client's sequence number. */
export interface OutgoingMessage {
  readonly type: Exclude<MessageType, 'batch'>;
  readonly payload: unknown;
  /** Epoch µs this message stands for (telemetry: the time it was due). */
  readonly timestampMicros: number;
  /**
   * True for telemetry that a newer reading supersedes: the only messages a
   * full send queue may drop. Replies (state, pong, acks, errors) are never
   * dropped.
   */
  readonly droppable: boolean;
  /** True for replies a client waits on (pong, ack, error): sent at once, flushing any pending batch. */
  readonly urgent: boolean;
  /**
   * The envelope serialized once for every client, without `version` and
   * `sequence`: `"type":...,"payload":...,"timestamp":...,"timestampMicros":...}`.
   * A broadcast to 1000 clients stringifies the payload once, not 1000 times.
   */
  readonly tail: string;
}

/**
 * Makes an {@link OutgoingMessage}, serializing it once. `timestampMicros`
 * must be a non-negative integer (epoch µs).
 */
export function outgoing(
  type: OutgoingMessage['type'],
  payload: unknown,
  timestampMicros: number,
  flags: { droppable?: boolean; urgent?: boolean } = {},
): OutgoingMessage {
  const micros = Math.max(0, Math.round(timestampMicros));
  const tail = `"type":${JSON.stringify(type)},"payload":${JSON.stringify(payload)},"timestamp":${Math.floor(micros / 1000)},"timestampMicros":${micros}}`;
  return { type, payload, timestampMicros: micros, droppable: flags.droppable ?? false, urgent: flags.urgent ?? false, tail };
}

/** The wire text of `message` as the `sequence`-th message to one client. */
export function frameText(message: OutgoingMessage, sequence: number): string {
  return `{"version":2,"sequence":${sequence},${message.tail}`;
}

/** The wire text of a `batch` of already framed messages (oldest first), stamped `timestampMicros`. */
export function batchText(framed: readonly string[], timestampMicros: number): string {
  const micros = Math.max(0, Math.round(timestampMicros));
  return `{"version":2,"type":"batch","payload":{"messages":[${framed.join(',')}]},"timestamp":${Math.floor(micros / 1000)},"timestampMicros":${micros}}`;
}

/** True when `x` is one of the V2 message types. */
export function isMessageType(x: unknown): x is MessageType {
  return typeof x === 'string' && (MESSAGE_TYPES as readonly string[]).includes(x);
}
