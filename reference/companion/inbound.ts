/**
 * What a client may send the companion, and the checks every inbound frame
 * goes through. A bad frame never throws: it becomes a {@link ProtocolError}
 * with a stable code (the `HIL_PROTOCOL_*` codes of `harness/errors.ts`),
 * which the companion answers with a `protocol_error` event.
 *
 * Client messages: `command` (drives the robot, answered by an `ack`
 * event), `ping` (answered by `pong` echoing the payload), `pong` (ignored),
 * and `batch` of those (at most {@link MAX_CLIENT_BATCH} entries, not nested).
 */
import type { HilErrorCode } from '../../harness/errors.ts';
import { isMessageType, PROTOCOL_VERSION } from './envelope.ts';

/** Most entries a client `batch` may hold. */
export const MAX_CLIENT_BATCH = 100;

/**
 * Deepest nesting of objects and arrays a client frame may have. A real
 * message needs about 7 (a batch of commands with an `rgb` array); the
 * bound sits far above that and far below what recursion can take
 * (`JSON.stringify` of a ping payload 5,000 deep used to throw a RangeError
 * and kill the companion).
 */
export const MAX_JSON_DEPTH = 32;

/** The `HIL_PROTOCOL_*` codes a protocol error can carry. */
export type ProtocolErrorCode = Extract<HilErrorCode, `HIL_PROTOCOL_${string}`>;

/** One protocol problem, as sent back in a `protocol_error` event's data. */
export interface ProtocolError {
  code: ProtocolErrorCode;
  message: string;
  /** Where in the message, e.g. `payload.args.left` or `payload.messages[3].version`. */
  path?: string;
  /** The offending message's command id, when it had one. */
  id?: string | number;
}

/** A PWM duty for one wheel, -255..255, + = that wheel forward (robot frame, mirroring handled by the companion). */
export type WheelPwm = number;

/** What a `command` asks of the robot. */
export type RobotCommand =
  | { command: 'drive'; left: WheelPwm; right: WheelPwm }
  | { command: 'stop' }
  | { command: 'pen'; down: boolean }
  | { command: 'buzzer'; hz: number; durationMs: number }
  | { command: 'leds'; rgb: [number, number, number]; index?: 0 | 1 };

/** Names of the commands, for help texts and errors. */
export const COMMAND_NAMES = ['drive', 'stop', 'pen', 'buzzer', 'leds'] as const;

/** One accepted client message. */
export type ClientMessage =
  | { type: 'command'; id: string | number | null; command: RobotCommand }
  | { type: 'ping'; payload: unknown; timestampMicros: number | null }
  | { type: 'pong' };

/** Result of {@link parseInbound}: the accepted messages, or the first problem. */
export type InboundResult = { ok: true; messages: ClientMessage[] } | { ok: false; error: ProtocolError };

const fail = (code: ProtocolErrorCode, message: string, path?: string, id?: string | number): InboundResult => {
  const error: ProtocolError = { code, message };
  if (path !== undefined) error.path = path;
  if (id !== undefined) error.id = id;
  return { ok: false, error };
};

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const isInt = (x: unknown, min: number, max: number): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

/**
 * Parses one text frame. Binary frames, non-JSON, non-objects, a version
 * other than 2, unknown types, server-only types and bad payloads are each
 * a {@link ProtocolError}. A batch is all-or-nothing: one bad entry rejects it.
 */
export function parseInbound(data: string | Buffer, isBinary: boolean): InboundResult {
  if (isBinary) return fail('HIL_PROTOCOL_MALFORMED_JSON', 'binary frames are not accepted; send the envelope as a JSON text frame');
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const depth = jsonDepthBeyond(text, MAX_JSON_DEPTH);
  if (depth !== null) {
    return fail('HIL_PROTOCOL_TOO_DEEP', `the frame nests objects and arrays ${depth} deep or more; at most ${MAX_JSON_DEPTH} levels are accepted (a V2 message needs fewer than 10)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail('HIL_PROTOCOL_MALFORMED_JSON', `the frame is not JSON (${(err as Error).message}); send {"version":2,"type":...,"payload":...,"timestamp":...}`);
  }
  const messages: ClientMessage[] = [];
  const problem = parseEnvelope(parsed, '', messages, true);
  return problem ?? { ok: true, messages };
}

function parseEnvelope(x: unknown, at: string, out: ClientMessage[], allowBatch: boolean): InboundResult | undefined {
  const p = (name: string): string => (at ? `${at}.${name}` : name);
  if (!isObject(x)) return fail('HIL_PROTOCOL_MALFORMED_JSON', 'a message must be a JSON object envelope', at || undefined);
  if (x.version !== PROTOCOL_VERSION) {
    return fail('HIL_PROTOCOL_BAD_VERSION', `version must be 2 (the mBot RuVector V2 envelope); got ${JSON.stringify(x.version) ?? 'nothing'}`, p('version'));
  }
  if (!isMessageType(x.type)) {
    return fail('HIL_PROTOCOL_UNKNOWN_TYPE', `type must be one of state, command, event, batch, ping, pong; got ${JSON.stringify(x.type) ?? 'nothing'}`, p('type'));
  }
  switch (x.type) {
    case 'state':
    case 'event':
      return fail('HIL_PROTOCOL_UNEXPECTED_TYPE', `only the companion sends "${x.type}"; clients send command, ping, pong or batch`, p('type'));
    case 'pong':
      out.push({ type: 'pong' });
      return undefined;
    case 'ping': {
      const micros = typeof x.timestampMicros === 'number' && Number.isFinite(x.timestampMicros) ? x.timestampMicros : null;
      out.push({ type: 'ping', payload: x.payload ?? null, timestampMicros: micros });
      return undefined;
    }
    case 'command':
      return parseCommand(x.payload, p('payload'), out);
    case 'batch': {
      if (!allowBatch) return fail('HIL_PROTOCOL_BAD_PAYLOAD', 'a batch cannot contain another batch', p('type'));
      const list = isObject(x.payload) ? x.payload.messages : undefined;
      if (!Array.isArray(list)) return fail('HIL_PROTOCOL_BAD_PAYLOAD', 'a batch payload is { "messages": [envelope, ...] }', p('payload.messages'));
      if (list.length > MAX_CLIENT_BATCH) {
        return fail('HIL_PROTOCOL_BAD_PAYLOAD', `a batch holds at most ${MAX_CLIENT_BATCH} messages; got ${list.length}`, p('payload.messages'));
      }
      for (let i = 0; i < list.length; i++) {
        const problem = parseEnvelope(list[i], p(`payload.messages[${i}]`), out, false);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}

function parseCommand(payload: unknown, at: string, out: ClientMessage[]): InboundResult | undefined {
  if (!isObject(payload)) return fail('HIL_PROTOCOL_BAD_PAYLOAD', 'a command payload is { "id"?, "command": name, "args"?: {...} }', at);
  const rawId = payload.id;
  const id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId)) ? rawId : null;
  if (rawId !== undefined && id === null) return fail('HIL_PROTOCOL_BAD_PAYLOAD', 'a command id is a string or a number', `${at}.id`);
  const idOr = id ?? undefined;
  const args = payload.args === undefined ? {} : payload.args;
  if (!isObject(args)) return fail('HIL_PROTOCOL_BAD_PAYLOAD', 'args is an object', `${at}.args`, idOr);
  const bad = (field: string, want: string): InboundResult =>
    fail('HIL_PROTOCOL_BAD_PAYLOAD', `${payload.command as string}: args.${field} must be ${want}; got ${JSON.stringify(args[field]) ?? 'nothing'}`, `${at}.args.${field}`, idOr);
  let command: RobotCommand;
  switch (payload.command) {
    case 'drive':
      if (!isInt(args.left, -255, 255)) return bad('left', 'an integer PWM -255..255 (+ = forward)');
      if (!isInt(args.right, -255, 255)) return bad('right', 'an integer PWM -255..255 (+ = forward)');
      command = { command: 'drive', left: args.left, right: args.right };
      break;
    case 'stop':
      command = { command: 'stop' };
      break;
    case 'pen':
      if (typeof args.down !== 'boolean') return bad('down', 'true or false');
      command = { command: 'pen', down: args.down };
      break;
    case 'buzzer': {
      if (!(args.hz === 0 || isInt(args.hz, 31, 20_000))) return bad('hz', '0 (silence) or an integer 31..20000');
      const durationMs = args.durationMs ?? 500;
      if (!isInt(durationMs, 1, 10_000)) return bad('durationMs', 'an integer 1..10000');
      command = { command: 'buzzer', hz: args.hz as number, durationMs };
      break;
    }
    case 'leds': {
      const rgb = args.rgb;
      if (!Array.isArray(rgb) || rgb.length !== 3 || !rgb.every((c) => isInt(c, 0, 255))) return bad('rgb', '[r, g, b] with integers 0..255');
      if (args.index !== undefined && args.index !== 0 && args.index !== 1) return bad('index', '0 or 1 (omit for both LEDs)');
      command = { command: 'leds', rgb: [rgb[0], rgb[1], rgb[2]] as [number, number, number] };
      if (args.index !== undefined) command.index = args.index;
      break;
    }
    default:
      return fail('HIL_PROTOCOL_BAD_PAYLOAD', `unknown command ${JSON.stringify(payload.command) ?? 'nothing'}; known: drive, stop, pen, buzzer, leds`, `${at}.command`, idOr);
  }
  out.push({ type: 'command', id, command });
  return undefined;
}

const VERSION_KEY = Buffer.from('"version"', 'latin1');
const STOP_TEXT = Buffer.from('"stop"', 'latin1');
const UNICODE_ESCAPE = Buffer.from('\\u', 'latin1');

/**
 * How many messages a text frame holds, counted without parsing it: its
 * `"version"` keys (every envelope has one), less the batch's own when there
 * are several, at least 1 and at most {@link MAX_CLIENT_BATCH}. Exact for
 * the frames a client sends (a command, a ping, a batch of them); a payload
 * that has `"version"` keys of its own counts them too. The companion uses
 * it to refuse a frame its rate budget cannot cover before paying for a
 * parse, and counts the refusal as this many messages.
 */
export function countMessages(data: Buffer): number {
  let keys = 0;
  for (let at = data.indexOf(VERSION_KEY); at !== -1 && keys <= MAX_CLIENT_BATCH; at = data.indexOf(VERSION_KEY, at + VERSION_KEY.length)) keys++;
  return Math.min(MAX_CLIENT_BATCH, Math.max(1, keys > 1 ? keys - 1 : keys));
}

/**
 * False only when the frame cannot hold a `stop` command: it has no
 * `"stop"` string and no `\u` escape (the only way JSON can spell the
 * letters of "stop" otherwise). A refused frame for which this is true is
 * parsed after all, so its stops run (see `session-registry.ts`).
 */
export function mayHoldStop(data: Buffer): boolean {
  return data.indexOf(STOP_TEXT) !== -1 || data.indexOf(UNICODE_ESCAPE) !== -1;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Scans `text` as JSON would nest it, without parsing or recursing: null
 * when no object or array lies deeper than `max`, else the first depth
 * past it. Brackets inside strings do not count. Malformed text is not
 * judged here (JSON.parse does that next); the scan only has to be right
 * for text that parses.
 */
export function jsonDepthBeyond(text: string, max: number): number | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return null;
}
