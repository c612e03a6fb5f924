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
 *   the time the reading was DUE, or the time it was taken when that was
 *   earlier (the companion samples at a fixed rate; a tick may run up to 1 ms
 *   early, at Node's timer granularity, and a late tick keeps its scheduled
 *   time), so a stalled companion shows up as latency instead of hiding.
 *   On a wall clock it comes from
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
  /** Epoch µs this message stands for (telemetry: the time it was due, or taken when earlier). */
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
   * The envelope serialized once for every client, as UTF-8, without
   * `version` and `sequence`: `"type":...,"payload":...,"timestamp":...,"timestampMicros":...}`.
   * A broadcast to 1000 clients stringifies the payload once, not 1000
   * times; every client's frame copies these bytes (see {@link encodeFrame}).
   * Its own memory, not a slice of Node's shared buffer pool: a slow client
   * that holds the message in its queue holds these bytes and no more.
   */
  readonly tailBytes: Buffer;
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
  const tailBytes = Buffer.allocUnsafeSlow(Buffer.byteLength(tail, 'utf8'));
  tailBytes.write(tail, 0, 'utf8');
  return { type, payload, timestampMicros: micros, droppable: flags.droppable ?? false, urgent: flags.urgent ?? false, tailBytes };
}

/** One message as it goes to one client: the shared message and the sequence number it has for that client. */
export interface NumberedMessage {
  readonly message: OutgoingMessage;
  readonly sequence: number;
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const MESSAGE_HEAD = ascii('{"version":2,"sequence":');
const BATCH_HEAD = ascii('{"version":2,"type":"batch","payload":{"messages":[');
const BATCH_TIMESTAMP = ascii(']},"timestamp":');
const BATCH_MICROS = ascii(',"timestampMicros":');
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const DIGIT_0 = 0x30;

/** The wire text of `message` as the `sequence`-th message to one client: what {@link encodeFrame} writes for it. */
export function frameText(message: OutgoingMessage, sequence: number): string {
  return `{"version":2,"sequence":${sequence},${message.tailBytes.toString('utf8')}`;
}

/** 10^0 .. 10^15: a safe integer has at most 16 digits. */
const POWERS_OF_10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Decimal digits of a non-negative safe integer. */
function digitCount(n: number): number {
  let count = 1;
  while (count < 16 && n >= (POWERS_OF_10[count] as number)) count++;
  return count;
}

/** Copies `bytes` into `out` at `at`; returns the offset after them. */
function put(out: Buffer, at: number, bytes: Uint8Array): number {
  out.set(bytes, at);
  return at + bytes.length;
}

/** Writes the `count` decimal digits of `n` at `at`; returns the offset after them. */
function writeDigits(out: Buffer, at: number, n: number, count: number): number {
  let rest = n;
  for (let i = at + count - 1; i >= at; i--) {
    out[i] = DIGIT_0 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + count;
}

/**
 * The UTF-8 bytes of one frame to one client holding `queue[start..end)`:
 * the message itself when that is one, else a `batch` of them (oldest
 * first) stamped `batchMicros`. `pooled` takes the bytes from Node's shared
 * buffer pool (cheap; right for a frame the socket writes at once); false
 * gives the frame its own memory, for a frame that will wait in a socket's
 * queue, where a pool slice would keep the whole pool alive. Only what differs per client (the sequence numbers, the
 * batch stamp) is written per call, digit by digit; each message's body is
 * copied from its shared {@link OutgoingMessage.tailBytes}. A tick broadcast
 * to 1000 clients so costs 1000 buffer fills and no JSON, string or number
 * formatting per client (the companion's garbage, and so its GC pauses,
 * grow with every byte allocated per client).
 */
export function encodeFrame(queue: readonly NumberedMessage[], start: number, end: number, batchMicros: number, pooled = true): Buffer {
  const count = end - start;
  const batch = count > 1;
  const micros = Math.max(0, Math.round(batchMicros));
  const millis = Math.floor(micros / 1000);
  let length = batch ? BATCH_HEAD.length + count - 1 + BATCH_TIMESTAMP.length + digitCount(millis) + BATCH_MICROS.length + digitCount(micros) + 1 : 0;
  for (let i = start; i < end; i++) {
    const m = queue[i] as NumberedMessage;
    // The comma after the sequence number is counted with it.
    length += MESSAGE_HEAD.length + digitCount(m.sequence) + 1 + m.message.tailBytes.length;
  }
  const out = pooled ? Buffer.allocUnsafe(length) : Buffer.allocUnsafeSlow(length);
  let at = batch ? put(out, 0, BATCH_HEAD) : 0;
  for (let i = start; i < end; i++) {
    const m = queue[i] as NumberedMessage;
    if (i > start) out[at++] = COMMA;
    at = put(out, at, MESSAGE_HEAD);
    at = writeDigits(out, at, m.sequence, digitCount(m.sequence));
    out[at++] = COMMA;
    at = put(out, at, m.message.tailBytes);
  }
  if (batch) {
    at = put(out, at, BATCH_TIMESTAMP);
    at = writeDigits(out, at, millis, digitCount(millis));
    at = put(out, at, BATCH_MICROS);
    at = writeDigits(out, at, micros, digitCount(micros));
    out[at] = CLOSE_BRACE;
  }
  return out;
}

/** True when `x` is one of the V2 message types. */
export function isMessageType(x: unknown): x is MessageType {
  return typeof x === 'string' && (MESSAGE_TYPES as readonly string[]).includes(x);
}
