/**
 * A recording session turned into what a replay needs (`replay-engine.ts`):
 * per connection, the host's commands in order, its queries each paired
 * with the board's answer, the board's unsolicited output (sensor reports,
 * announcements), and the anchors the host's own actions align the timeline
 * on (opens, closes, test starts and ends, jig setters).
 *
 * Queries and answers (Firmata 2.x): REPORT_VERSION (0xF9) -> 0xF9 major
 * minor; REPORT_FIRMWARE (0xF0 0x79) -> its answer; CAPABILITY_QUERY (0x6B)
 * -> 0x6C; ANALOG_MAPPING_QUERY (0x69) -> 0x6A; PIN_STATE_QUERY (0x6D pin)
 * -> 0x6E pin; PING_READ (0x75 pin) -> 0x75 pin. An answer is paired with
 * the earliest unanswered query of its kind before it in the same
 * connection; an answer with no query before it (a board announcing itself
 * after its reset) is unsolicited output.
 */
import { describeMessage, MessageSplitter, type TimedMessage } from '../record/firmata-messages.ts';
import type { RecordingEvent, RecordingSession } from '../record/index.ts';
import { firmataStateKey } from './write-queue.ts';

/** What a host message is, for replay. */
export type HostMessageClass = { kind: 'query'; key: string } | { kind: 'command'; stateKey: string | null };

/** Classifies a whole host-to-board message. */
export function classifyHostMessage(bytes: Uint8Array): HostMessageClass {
  const key = queryKey(bytes, 'tx');
  if (key !== null) return { kind: 'query', key };
  return { kind: 'command', stateKey: firmataStateKey(bytes) };
}

/**
 * The query kind a message asks (tx) or answers (rx), e.g. `75:10` for a
 * PING_READ on pin 10, or null when it is neither.
 */
export function queryKey(bytes: Uint8Array, dir: 'tx' | 'rx'): string | null {
  const cmd = bytes[0];
  if (cmd === 0xf9) return 'f9';
  if (cmd !== 0xf0 || bytes.length < 3) return null;
  const sub = bytes[1];
  switch (sub) {
    case 0x79: return '79';
    case 0x6b: return dir === 'tx' ? '6b' : null;
    case 0x6c: return dir === 'rx' ? '6b' : null;
    case 0x69: return dir === 'tx' ? '69' : null;
    case 0x6a: return dir === 'rx' ? '69' : null;
    case 0x6d: return dir === 'tx' ? `6d:${bytes[2]}` : null;
    case 0x6e: return dir === 'rx' ? `6d:${bytes[2]}` : null;
    case 0x75: return `75:${bytes[2]}`;
    default: return null;
  }
}

/** A host command as recorded. */
export interface RecordedCommand {
  tUs: number;
  bytes: Uint8Array;
  /** `a<pin>` / `d<port>` for a state-setting message, null for one that keeps its order (pin mode, sysex, report toggles). */
  stateKey: string | null;
  /** Byte offset of the message in the session's host-to-board stream. */
  txOffset: number;
  /** Index of the connection (0 = first open). */
  connection: number;
}

/** A recorded query and the board's answer to it (if it answered). */
export interface RecordedQuery {
  tUs: number;
  key: string;
  connection: number;
  answer: TimedMessage | null;
}

/** An anchor: something the host does that the replay's timeline aligns on. */
export type Anchor = { tUs: number; connection: number; index: number } & (
  | { kind: 'open' }
  | { kind: 'close' }
  | { kind: 'test'; name: string; file: string }
  | { kind: 'done'; name: string; file: string }
  | { kind: 'jig'; call: string; args: unknown[] }
);

/** Board output the replay emits on its own, at its recorded time. */
export type Unsolicited = { tUs: number; connection: number } & ({ kind: 'rx'; message: TimedMessage } | { kind: 'lost'; why: string });

/** A recorded jig getter call. */
export interface RecordedJigRead {
  tUs: number;
  call: string;
  args: unknown[];
  result: unknown;
}

/** One recorded test, by its marks. */
export interface RecordedTest {
  name: string;
  file: string;
  startUs: number;
  /** Time of its `done` event, or the session's end. */
  endUs: number;
  /** Index in `anchors` of its `test` anchor. */
  anchorIndex: number;
  /** Index in `commands` of its first command (commands.length if none). */
  firstCommand: number;
}

/** Everything a replay needs from one session. */
export interface ReplayScript {
  commands: RecordedCommand[];
  queries: RecordedQuery[];
  unsolicited: Unsolicited[];
  anchors: Anchor[];
  jigReads: RecordedJigRead[];
  tests: RecordedTest[];
  /** Connections the session opened. */
  connections: number;
  /** Time of the session's last event. */
  endUs: number;
}

/** Turns `session` into a {@link ReplayScript}. */
export function buildReplayScript(session: RecordingSession): ReplayScript {
  const commands: RecordedCommand[] = [];
  const queries: RecordedQuery[] = [];
  const unsolicited: Unsolicited[] = [];
  const anchors: Anchor[] = [];
  const jigReads: RecordedJigRead[] = [];
  const tests: RecordedTest[] = [];
  let connection = -1;
  let tx = new MessageSplitter('tx');
  let rx = new MessageSplitter('rx');
  let txOffset = 0;
  // Queries of the current connection still waiting for their answer, per key, oldest first.
  let waiting = new Map<string, RecordedQuery[]>();
  let endUs = 0;

  const onRx = (m: TimedMessage): void => {
    const key = m.malformed ? null : queryKey(m.bytes, 'rx');
    const q = key === null ? undefined : waiting.get(key)?.shift();
    if (q) q.answer = m;
    else unsolicited.push({ tUs: m.tUs, connection, kind: 'rx', message: m });
  };

  const handle = (e: RecordingEvent): void => {
    endUs = e.tUs;
    switch (e.kind) {
      case 'open':
        connection++;
        tx = new MessageSplitter('tx');
        rx = new MessageSplitter('rx');
        waiting = new Map();
        anchors.push({ tUs: e.tUs, connection, index: anchors.length, kind: 'open' });
        return;
      case 'close':
        anchors.push({ tUs: e.tUs, connection, index: anchors.length, kind: 'close' });
        return;
      case 'lost':
        unsolicited.push({ tUs: e.tUs, connection, kind: 'lost', why: e.why });
        return;
      case 'tx':
        for (const m of tx.push(e.bytes, e.tUs)) {
          const cls = m.malformed ? { kind: 'command' as const, stateKey: null } : classifyHostMessage(m.bytes);
          if (cls.kind === 'query') {
            const q: RecordedQuery = { tUs: m.tUs, key: cls.key, connection, answer: null };
            queries.push(q);
            const list = waiting.get(cls.key) ?? [];
            list.push(q);
            waiting.set(cls.key, list);
          } else {
            commands.push({ tUs: m.tUs, bytes: m.bytes, stateKey: cls.stateKey, txOffset, connection });
          }
          txOffset += m.bytes.length;
        }
        return;
      case 'rx':
        for (const m of rx.push(e.bytes, e.tUs)) onRx(m);
        return;
      case 'test':
        tests.push({ name: e.name, file: e.file, startUs: e.tUs, endUs: Number.POSITIVE_INFINITY, anchorIndex: anchors.length, firstCommand: commands.length });
        anchors.push({ tUs: e.tUs, connection, index: anchors.length, kind: 'test', name: e.name, file: e.file });
        return;
      case 'done': {
        const t = [...tests].reverse().find((x) => x.name === e.name && x.endUs === Number.POSITIVE_INFINITY);
        if (t) t.endUs = e.tUs;
        anchors.push({ tUs: e.tUs, connection, index: anchors.length, kind: 'done', name: e.name, file: e.file });
        return;
      }
      case 'jig':
        if ('result' in e) jigReads.push({ tUs: e.tUs, call: e.call, args: e.args, result: e.result });
        else anchors.push({ tUs: e.tUs, connection, index: anchors.length, kind: 'jig', call: e.call, args: e.args });
        return;
      default:
        return;
    }
  };
  for (const e of session.events) handle(e);
  for (const t of tests) if (t.endUs === Number.POSITIVE_INFINITY) t.endUs = endUs;
  return { commands, queries, unsolicited, anchors, jigReads, tests, connections: connection + 1, endUs };
}

/** A command for error messages: `ANALOG_MESSAGE pin 6 = 200 [e6 48 01]`. */
export function describeCommand(bytes: Uint8Array): string {
  return describeMessage(bytes, 'tx');
}
