/**
 * The recording format (`.hilrec`), version 1: what `HIL_RECORD` writes and
 * `HIL_PORT=replay:<file>` and `mbot-hil drift` read. The full specification,
 * with the reasons for each choice, is docs/record-replay-and-remote.md
 * ("The recording format"); this module is its one implementation of the
 * line syntax (encode, parse, validate). The writer and the reader sit beside
 * it (`recording-writer.ts`, `recording-reader.ts`).
 *
 * In short: a file is a gzip stream (one or more concatenated gzip members)
 * of UTF-8 lines. A session (one connection history of one target: one spec
 * file's run) begins with a header line, a JSON object whose `format` is
 * {@link RECORDING_FORMAT}; every later line is one event, a JSON array
 * `[tUs, kind, payload]`: `tUs` an integer, microseconds since the session
 * began on the target's clock; `kind` a short string; `payload` a lower-case
 * hex string for bytes (`tx`, `rx`), otherwise an object. Sessions append:
 * a file may hold several, each starting with its own header.
 *
 * Compatibility: readers skip event kinds they do not know and ignore header
 * fields they do not know, so adding either keeps version 1. Anything else
 * (a changed meaning, a removed field) makes version 2, and a reader refuses
 * a version it does not know with HIL_RECORDING_INVALID.
 */
import { HilError } from '../errors.ts';

/** The header's `format` value. */
export const RECORDING_FORMAT = 'mbot-hil-recording';

/** The version this module writes and the newest it reads. */
export const RECORDING_VERSION = 1;

/** File name extension of a recording (gzip inside). */
export const RECORDING_EXTENSION = '.hilrec';

/** Longest line a reader accepts, characters (a capability response is ~1 KB as hex; a jig `strokes()` result can be long). */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;

/** A target as the header describes it (the report's TargetInfo, without firmware: that arrives in a `firmware` event). */
export interface RecordedTarget {
  /** `sim` or `hardware` (the PTY stand-in, a bench, tcp://, avr:). */
  kind: string;
  /** As reports show it, e.g. `sim-pty:/tmp/x/host`, `/dev/ttyUSB0`, `tcp://bench-3:4001`. */
  port?: string;
  /** Bench name (HIL_BENCH) or the stand-in's description. */
  bench?: string;
}

/**
 * First line of a session. Fields marked optional are absent when unknown
 * (a bench with no wiring profile set, a real robot without a seed).
 * Unknown extra fields are allowed (readers keep them in `extra`).
 */
export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  version: number;
  /** Random id of this session. */
  session: string;
  /** ISO 8601 wall time at tUs = 0. */
  startedAt: string;
  /** Clock the times were taken on: `wall` (a bench, the PTY stand-in, tcp://) or `virtual` (the sim target). */
  clock: 'wall' | 'virtual';
  target: RecordedTarget;
  /** Firmware profile the host expected (HIL_FIRMWARE), e.g. `mbot-usb`. */
  firmwareProfile?: string;
  /** Rate the host opened the port at, baud. */
  baudRate?: number;
  /** The wiring profile in force (HIL_WIRING), every pin spelled out so a reader needs no table. */
  wiring?: Record<string, unknown> & { name: string };
  /** Simulator seed (sim, sim-pty, avr:), null on a real robot. */
  seed: number | null;
  /** The jig the bench had (absent: none): its name and capabilities, so a replay offers the same. */
  jig?: { name: string; capabilities: string[] };
  /** Who wrote it: `mbot-hil 0.1.0 (node v20.20.0)`. */
  writer: string;
  /** Header fields this reader does not know, kept as they were. */
  extra?: Record<string, unknown>;
}

/** The parts of a header a writer's caller supplies (format, version, session and start time are filled in). */
export type RecordingHeaderInput = Omit<RecordingHeader, 'format' | 'version' | 'session' | 'startedAt' | 'writer' | 'extra'> & {
  /** Additional header fields (e.g. a simulator profile); must be plain JSON and not clash with the fields above. */
  extra?: Record<string, unknown>;
};

/** Ends of a test as the fixture saw them. */
export type TestState = 'pass' | 'fail' | 'skip';

/** One event of a session. `tUs`: integer µs since the session began, never decreasing within a session. */
export type RecordingEvent =
  /** Bytes the host handed to the port (after the write queue), as one chunk. */
  | { tUs: number; kind: 'tx'; bytes: Uint8Array }
  /** Bytes the host read from the port, as one chunk. */
  | { tUs: number; kind: 'rx'; bytes: Uint8Array }
  /** The host opened the port (every connect; a real board resets here). */
  | { tUs: number; kind: 'open'; path: string; baudRate: number }
  /** The host closed the port. */
  | { tUs: number; kind: 'close' }
  /** The port went away without being closed (read/write error: a pulled cable, a dropped TCP link). */
  | { tUs: number; kind: 'lost'; why: string }
  /** The host changed modem lines (`dtr`, `rts`, `brk`; DTR low-high resets a board). */
  | { tUs: number; kind: 'set'; signals: Record<string, boolean> }
  /** The host discarded the port's buffers (tcflush). */
  | { tUs: number; kind: 'flush' }
  /** The firmware the handshake identified. */
  | { tUs: number; kind: 'firmware'; name: string; version: string }
  /** A spec file's tests begin (path relative to the project root). */
  | { tUs: number; kind: 'file'; file: string }
  /** A test begins. `name`: the full name, suites and test joined by ` > `. */
  | { tUs: number; kind: 'test'; file: string; name: string }
  /** A test ended. */
  | { tUs: number; kind: 'done'; file: string; name: string; state: TestState }
  /** A call on the jig and what it returned (a setter: no `result`). Replay answers getters from these. */
  | { tUs: number; kind: 'jig'; call: string; args: unknown[]; result?: unknown }
  /** The writer dropped events (the disk did not keep up); the replay of this stretch is unreliable. */
  | { tUs: number; kind: 'gap'; droppedEvents: number }
  /** The session closed cleanly; totals for a reader's check. */
  | { tUs: number; kind: 'end'; events: number; txBytes: number; rxBytes: number };

/** Every event kind of version 1. */
export type RecordingEventKind = RecordingEvent['kind'];

/** The kinds this module knows, in the order the specification lists them. */
export const EVENT_KINDS: readonly RecordingEventKind[] = Object.freeze([
  'tx', 'rx', 'open', 'close', 'lost', 'set', 'flush', 'firmware', 'file', 'test', 'done', 'jig', 'gap', 'end',
]);

const KNOWN = new Set<string>(EVENT_KINDS);
const HEX = /^(?:[0-9a-f]{2})*$/;

/** Renders a header as its line (no newline). */
export function encodeHeader(header: RecordingHeader): string {
  const { extra, ...known } = header;
  return JSON.stringify({ ...(extra ?? {}), ...known });
}

/** Renders an event as its line (no newline). */
export function encodeEvent(e: RecordingEvent): string {
  const t = Math.max(0, Math.round(e.tUs));
  switch (e.kind) {
    case 'tx':
    case 'rx':
      return `[${t},"${e.kind}","${Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength).toString('hex')}"]`;
    default: {
      const { tUs: _t, kind, ...payload } = e;
      return JSON.stringify([t, kind, payload]);
    }
  }
}

function invalid(where: string, what: string): never {
  throw new HilError('HIL_RECORDING_INVALID', `${where}: ${what}. A recording is written by HIL_RECORD (docs/record-replay-and-remote.md); record it again, or check the path.`);
}

/** Deepest nesting of arrays and objects a jig value or header field may have (a pose or a stroke list needs 4). */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests arrays/objects deeper than `limit` levels; iterative, so any depth is safe to ask. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

// JSON.parse builds any depth, but JSON.stringify (the replay compares jig arguments as JSON) and every
// recursive walk overflow the stack on it: refuse such a value where it is read, with the line.
function checkDepth(value: unknown, what: string, where: string): void {
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) invalid(where, `${what} is nested deeper than ${MAX_JSON_DEPTH} levels`);
}

const HEADER_KEYS = new Set(['format', 'version', 'session', 'startedAt', 'clock', 'target', 'firmwareProfile', 'baudRate', 'wiring', 'seed', 'jig', 'writer']);

/** True when `line` starts a session (a JSON object line, as opposed to an event's array). */
export function isHeaderLine(line: string): boolean {
  return line.startsWith('{');
}

/**
 * Parses and checks a header line. `where` names the place for errors
 * (`rec.hilrec line 1`). Throws HIL_RECORDING_INVALID for a line that is not
 * a header of this format, or one of a newer version.
 */
export function parseHeader(line: string, where: string): RecordingHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return invalid(where, 'the header is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return invalid(where, 'the header is not a JSON object');
  const h = raw as Record<string, unknown>;
  if (h.format !== RECORDING_FORMAT) return invalid(where, `this is not an mbot-hil recording (format ${JSON.stringify(h.format)}, expected "${RECORDING_FORMAT}")`);
  if (typeof h.version !== 'number' || !Number.isInteger(h.version) || h.version < 1) return invalid(where, `the header's version ${JSON.stringify(h.version)} is not a positive integer`);
  if (h.version > RECORDING_VERSION) {
    return invalid(where, `the recording is format version ${h.version}; this mbot-hil reads version ${RECORDING_VERSION} and older: update mbot-hil`);
  }
  if (h.clock !== 'wall' && h.clock !== 'virtual') return invalid(where, `the header's clock ${JSON.stringify(h.clock)} is neither "wall" nor "virtual"`);
  const target = h.target as Record<string, unknown> | undefined;
  if (typeof target !== 'object' || target === null || typeof target.kind !== 'string') return invalid(where, 'the header has no target.kind');
  if (h.seed !== null && h.seed !== undefined && (typeof h.seed !== 'number' || !Number.isSafeInteger(h.seed))) return invalid(where, 'the header\'s seed is not an integer or null');
  if (h.baudRate !== undefined && (typeof h.baudRate !== 'number' || !(h.baudRate > 0))) return invalid(where, 'the header\'s baudRate is not a positive number');
  if (h.wiring !== undefined && (typeof h.wiring !== 'object' || h.wiring === null || typeof (h.wiring as { name?: unknown }).name !== 'string')) {
    return invalid(where, 'the header\'s wiring has no name');
  }
  const jig = h.jig as { name?: unknown; capabilities?: unknown } | undefined;
  if (jig !== undefined && (typeof jig !== 'object' || jig === null || typeof jig.name !== 'string' || !Array.isArray(jig.capabilities) || !jig.capabilities.every((c) => typeof c === 'string'))) {
    return invalid(where, 'the header\'s jig is not { name, capabilities: [..] }');
  }
  const extra = Object.fromEntries(Object.entries(h).filter(([k]) => !HEADER_KEYS.has(k)));
  for (const [k, v] of Object.entries(h)) checkDepth(v, `the header's ${k}`, where);
  return {
    format: RECORDING_FORMAT,
    version: h.version,
    session: typeof h.session === 'string' ? h.session : '',
    startedAt: typeof h.startedAt === 'string' ? h.startedAt : '',
    clock: h.clock,
    target: {
      kind: target.kind,
      ...(typeof target.port === 'string' ? { port: target.port } : {}),
      ...(typeof target.bench === 'string' ? { bench: target.bench } : {}),
    },
    ...(typeof h.firmwareProfile === 'string' ? { firmwareProfile: h.firmwareProfile } : {}),
    ...(typeof h.baudRate === 'number' ? { baudRate: h.baudRate } : {}),
    ...(h.wiring !== undefined ? { wiring: h.wiring as RecordingHeader['wiring'] & object } : {}),
    seed: typeof h.seed === 'number' ? h.seed : null,
    ...(jig !== undefined ? { jig: { name: jig.name as string, capabilities: jig.capabilities as string[] } } : {}),
    writer: typeof h.writer === 'string' ? h.writer : '',
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

const str = (p: Record<string, unknown>, k: string, where: string): string =>
  (typeof p[k] === 'string' ? (p[k] as string) : invalid(where, `the event's ${k} is not a string`));

/**
 * Parses one event line. Returns null for a well-formed line of a kind this
 * reader does not know (skip it). Throws HIL_RECORDING_INVALID for a
 * malformed line.
 */
export function parseEvent(line: string, where: string): RecordingEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return invalid(where, 'the line is not JSON');
  }
  if (!Array.isArray(raw) || raw.length < 2) return invalid(where, 'an event is a JSON array [tUs, kind, payload]');
  const [tUs, kind, payload] = raw as [unknown, unknown, unknown];
  if (typeof tUs !== 'number' || !Number.isSafeInteger(tUs) || tUs < 0) return invalid(where, `the event time ${JSON.stringify(tUs)} is not a non-negative integer (µs)`);
  if (typeof kind !== 'string') return invalid(where, 'the event kind is not a string');
  if (!KNOWN.has(kind)) return null;
  if (kind === 'tx' || kind === 'rx') {
    if (typeof payload !== 'string' || !HEX.test(payload)) return invalid(where, `the ${kind} bytes are not lower-case hex`);
    return { tUs, kind, bytes: Uint8Array.from(Buffer.from(payload, 'hex')) };
  }
  const p = (typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {}) as Record<string, unknown>;
  switch (kind) {
    case 'open':
      return { tUs, kind, path: str(p, 'path', where), baudRate: typeof p.baudRate === 'number' ? p.baudRate : 0 };
    case 'close':
    case 'flush':
      return { tUs, kind };
    case 'lost':
      return { tUs, kind, why: typeof p.why === 'string' ? p.why : '' };
    case 'set':
      return { tUs, kind, signals: Object.fromEntries(Object.entries((p.signals ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean> };
    case 'firmware':
      return { tUs, kind, name: str(p, 'name', where), version: str(p, 'version', where) };
    case 'file':
      return { tUs, kind, file: str(p, 'file', where) };
    case 'test':
      return { tUs, kind, file: str(p, 'file', where), name: str(p, 'name', where) };
    case 'done': {
      const state = p.state;
      if (state !== 'pass' && state !== 'fail' && state !== 'skip') return invalid(where, `the test state ${JSON.stringify(state)} is not pass, fail or skip`);
      return { tUs, kind, file: str(p, 'file', where), name: str(p, 'name', where), state };
    }
    case 'jig':
      checkDepth(p.args, 'the jig call\'s args', where);
      checkDepth(p.result, 'the jig call\'s result', where);
      return {
        tUs,
        kind,
        call: str(p, 'call', where),
        args: Array.isArray(p.args) ? p.args : [],
        ...('result' in p ? { result: p.result } : {}),
      };
    case 'gap':
      return { tUs, kind, droppedEvents: typeof p.droppedEvents === 'number' ? p.droppedEvents : 0 };
    case 'end':
      return {
        tUs,
        kind,
        events: typeof p.events === 'number' ? p.events : 0,
        txBytes: typeof p.txBytes === 'number' ? p.txBytes : 0,
        rxBytes: typeof p.rxBytes === 'number' ? p.rxBytes : 0,
      };
    default:
      return null;
  }
}
