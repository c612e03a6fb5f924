/**
 * The far end of a replay: stands where the robot stood, behind the
 * simulator's serialport binding (`createSimBinding`, so the host opens it
 * like any port), and answers the host from a recording on the target's
 * (virtual) clock.
 *
 * The timeline: the host's own actions are anchors (opening the port, a
 * test's start and end, a jig setter such as `placeRobot`, closing). On
 * each, the replay aligns the recording to "now": recorded time
 * `anchor + (now − when the anchor was reached)`. The board's unsolicited
 * output (sensor reports, announcements, a lost cable) is emitted at its
 * recorded offset from the last anchor and never runs past the next anchor
 * the host has not reached yet; reaching an anchor first emits at once what
 * the recording had before it (the host got there sooner than the bench
 * did: a virtual `sleep(250)` is exactly 250 ms, a wall one a little more).
 * Queries (REPORT_VERSION, REPORT_FIRMWARE, capability, analog mapping, pin
 * state, PING_READ) are answered with the answer to the recorded query of
 * the same kind nearest in time, after the recorded delay; a query the
 * board did not answer gets no answer.
 *
 * Checking: every host command passes the rules of `replay-matcher.ts` and
 * is compared, in order, with the recording's. Jig setters must be the
 * recorded ones, in order; jig getters are answered with the recorded
 * result nearest in time. The first mismatch in a test is that test's
 * HIL_REPLAY_DIVERGED: the listeners hear it at once (the fixture's waits
 * fail with it), and checking rests until the next test, which realigns on
 * its own start.
 */
import type { Clock, ClockTimer } from '../clock/index.ts';
import { HilError } from '../errors.ts';
import { MessageSplitter, type TimedMessage } from '../record/firmata-messages.ts';
import type { SimPortBinding, SimPortHost } from '../../simulators/mbot/sim-binding.ts';
import { sameJson } from '../record/jig-calls.ts';
import { Canonicalizer, type CanonicalRecording, type CommandItem } from './replay-matcher.ts';
import { classifyHostMessage, describeCommand, type Anchor, type RecordedQuery, type RecordedTest, type ReplayScript } from './replay-script.ts';
import type { TestEndState, TestIdentity } from './test-marks.ts';

/** Options of {@link ReplayEngine}. */
export interface ReplayEngineOptions {
  script: ReplayScript;
  canonical: CanonicalRecording;
  clock: Clock;
  /** The port path the host opens (`replay:<file>`). */
  path: string;
  /** Names the recording in errors: file, session, when and where it was recorded. */
  recordingLabel: string;
}

interface PendingAnswer {
  answer: TimedMessage;
  port: SimPortBinding | null;
}

interface CurrentTest {
  identity: TestIdentity;
  recorded: RecordedTest | null;
  startNowMs: number;
}

const fmtUs = (us: number): string => `${(us / 1e6).toFixed(6)} s`;
const fmtCall = (call: string, args: readonly unknown[]): string => `jig.${call}(${args.map((a) => JSON.stringify(a)).join(', ')})`;

/** The replaying far end; see the module comment. */
export class ReplayEngine implements SimPortHost {
  readonly path: string;
  private readonly script: ReplayScript;
  private readonly canonical: CanonicalRecording;
  private readonly clock: Clock;
  private readonly label: string;
  private readonly queriesByKey = new Map<string, RecordedQuery[]>();
  private readonly usedQueries = new Set<RecordedQuery>();
  private readonly listeners = new Set<(err: HilError) => void>();
  private readonly timers = new Set<ClockTimer>();
  private pendingAnswers: PendingAnswer[] = [];

  private port: SimPortBinding | null = null;
  private connection = -1;
  private unplugged = false;
  private anchorRecUs = 0;
  private anchorNowMs = 0;
  /** Index in script.anchors of the next anchor the host has not reached. */
  private nextAnchor = 0;
  /** Index in script.unsolicited of the next output to emit. */
  private nextOutput = 0;
  private emitTimer: ClockTimer | undefined;
  private settleTimer: ClockTimer | undefined;

  private txSplitter = new MessageSplitter('tx');
  private canon = new Canonicalizer();
  /** Index in canonical.items of the next recorded command expected. */
  private cursor = 0;
  private checking = true;
  private current: CurrentTest | null = null;
  private lastTestIndex = -1;
  private preTestDivergence: HilError | null = null;
  private disposed = false;

  constructor(opts: ReplayEngineOptions) {
    this.path = opts.path;
    this.script = opts.script;
    this.canonical = opts.canonical;
    this.clock = opts.clock;
    this.label = opts.recordingLabel;
    for (const q of this.script.queries) {
      const list = this.queriesByKey.get(q.key) ?? [];
      list.push(q);
      this.queriesByKey.set(q.key, list);
    }
  }

  // ---- SimPortHost: the binding's far end -------------------------------------------------------

  /** The port can be opened: not unplugged by the jig, and the recording has another connection. */
  get available(): boolean {
    return !this.disposed && !this.unplugged && this.findAnchor('open', this.nextAnchor) !== null;
  }

  attach(port: SimPortBinding): void {
    this.port = port;
    this.txSplitter = new MessageSplitter('tx');
    const open = this.findAnchor('open', this.nextAnchor);
    if (open === null) return;
    this.connection = open.connection;
    this.settle();
    this.canon.resetState();
    this.reach(open, { reposition: false });
    // Commands of this connection begin after its open: skip what an earlier connection left unsent.
    const first = this.script.commands.findIndex((c) => c.connection >= open.connection);
    const at = first < 0 ? this.canonical.items.length : (this.canonical.firstAtOrAfter[first] as number);
    if (at > this.cursor) this.cursor = at;
  }

  detach(port: SimPortBinding): void {
    if (this.port !== port) return;
    this.settle();
    this.port = null;
    const close = this.findAnchor('close', this.nextAnchor);
    if (close !== null && close.connection === this.connection) this.reach(close, { reposition: false });
    this.cancelEmission();
  }

  dtrPulse(): void {
    // A replay has no board to reset; the recording already holds what the reset caused.
  }

  baudChanged(): void {
    // The recording was made at its own rate; nothing to garble here.
  }

  write(bytes: Uint8Array): void {
    for (const m of this.txSplitter.push(bytes, this.nowRecUs())) {
      const cls = m.malformed ? { kind: 'command' as const, stateKey: null } : classifyHostMessage(m.bytes);
      if (cls.kind === 'query') this.answer(cls.key);
      else this.checkCommands(this.canon.push({ bytes: m.bytes, stateKey: cls.stateKey, tMs: this.clock.monotonicMs() }));
    }
    this.scheduleSettle();
  }

  // ---- Test marks, jig, divergence listeners ---------------------------------------------------

  /** Calls `listener` with each divergence as it is found; returns the unsubscribe function. */
  onDivergence(listener: (err: HilError) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  testStarted(identity: TestIdentity): void {
    this.settle();
    const tests = this.script.tests;
    const next = tests[this.lastTestIndex + 1];
    let index = next && next.name === identity.name ? this.lastTestIndex + 1 : tests.findIndex((t, i) => i > this.lastTestIndex && t.name === identity.name);
    if (index < 0) index = tests.findIndex((t) => t.name === identity.name);
    const recorded = index >= 0 ? (tests[index] as RecordedTest) : null;
    const sequential = index === this.lastTestIndex + 1 && this.checking;
    this.current = { identity, recorded, startNowMs: this.clock.monotonicMs() };
    this.checking = true;
    if (recorded === null) {
      const names = tests.map((t) => `"${t.name}"`).join(', ') || 'none';
      this.diverge(`the recording holds no test named "${identity.name}" (it holds ${names})`);
      return;
    }
    this.lastTestIndex = index;
    if (!sequential) {
      // A test was skipped or failed before: start checking again from this test's first command.
      this.cursor = this.canonical.firstAtOrAfter[recorded.firstCommand] as number;
      this.canon.setState(this.canonical.stateBefore[this.cursor] ?? new Map());
    }
    this.reach(this.script.anchors[recorded.anchorIndex] as Anchor, { reposition: !sequential });
  }

  /**
   * The test ended: settles and compares what is left, then checks that the
   * recording's test sent nothing more. Throws that divergence, or the one
   * found while connecting before the first test.
   */
  testEnded(identity: TestIdentity, _state: TestEndState): void {
    this.settle();
    const cur = this.current;
    this.current = null;
    if (cur === null || cur.identity.name !== identity.name) return;
    const pre = this.preTestDivergence;
    this.preTestDivergence = null;
    if (cur.recorded === null) return;
    const done = this.script.anchors.find((a) => a.kind === 'done' && a.tUs >= (cur.recorded as RecordedTest).startUs && a.name === identity.name);
    if (done) this.reach(done, { reposition: false });
    if (this.checking) {
      const missing = this.canonical.items[this.cursor];
      if (missing?.recorded && missing.recorded.tUs <= cur.recorded.endUs && missing.recorded.connection === this.connection) {
        const err = this.divergence(cur, `the test ended, but the recording sent more`, missing, null);
        this.checking = false;
        throw err;
      }
    }
    if (pre) throw pre;
  }

  /** A jig setter: must be the next recorded one; aligns the timeline on it. */
  jigSet(call: string, args: unknown[]): void {
    const limit = this.current?.recorded ? this.doneIndexOf(this.current.recorded) : this.script.anchors.length;
    let found: Anchor | null = null;
    for (let i = this.nextAnchor; i < limit; i++) {
      const a = this.script.anchors[i] as Anchor;
      if (a.kind === 'jig') { found = a; break; }
    }
    if (call === 'unplug') this.unplugged = true;
    if (call === 'replug') this.unplugged = false;
    if (found === null || found.kind !== 'jig' || found.call !== call || !sameJson(found.args, args)) {
      const expected = found && found.kind === 'jig' ? fmtCall(found.call, found.args) : 'no further jig call in this test';
      if (this.checking) this.diverge(`the jig call differs`, { expectedText: expected, actualText: fmtCall(call, args), atUs: found?.tUs });
      return;
    }
    this.reach(found, { reposition: false });
  }

  /** A jig getter: the recorded result of the same call nearest in time. Throws HIL_REPLAY_DIVERGED when the recording has none. */
  jigGet(call: string, args: unknown[]): unknown {
    const rec = this.current?.recorded;
    const now = this.nowRecUs();
    const hold = this.holdUs();
    const same = this.script.jigReads.filter((r) => r.call === call && sameJson(r.args, args));
    const pick = (list: typeof same) => list.reduce<(typeof same)[number] | null>((best, r) => (best === null || Math.abs(r.tUs - now) < Math.abs(best.tUs - now) ? r : best), null);
    const found = pick(same.filter((r) => r.tUs >= this.anchorRecUs && r.tUs < hold))
      ?? (rec ? pick(same.filter((r) => r.tUs >= rec.startUs && r.tUs <= rec.endUs)) : null);
    if (found) return structuredClone(found.result);
    const err = this.diverge(`the recording has no ${fmtCall(call, args)} in this test`, { expectedText: 'no such reading', actualText: fmtCall(call, args) });
    throw err;
  }

  /** Stops every timer; the port cannot be opened again. */
  dispose(): void {
    this.disposed = true;
    this.cancelEmission();
    for (const t of this.timers) this.clearTimer(t);
    this.timers.clear();
    this.listeners.clear();
  }

  // ---- Timeline ---------------------------------------------------------------------------------

  private nowRecUs(): number {
    return this.anchorRecUs + (this.clock.monotonicMs() - this.anchorNowMs) * 1000;
  }

  /** Recorded time output must not reach before the host reaches the next anchor. */
  private holdUs(): number {
    return this.script.anchors[this.nextAnchor]?.tUs ?? Number.POSITIVE_INFINITY;
  }

  private findAnchor(kind: Anchor['kind'], from: number): Anchor | null {
    for (let i = from; i < this.script.anchors.length; i++) {
      const a = this.script.anchors[i] as Anchor;
      if (a.kind === kind) return a;
    }
    return null;
  }

  private doneIndexOf(t: RecordedTest): number {
    for (let i = t.anchorIndex + 1; i < this.script.anchors.length; i++) {
      const a = this.script.anchors[i] as Anchor;
      if (a.kind === 'done' || a.kind === 'test') return i;
    }
    return this.script.anchors.length;
  }

  /**
   * The host reached `anchor`. Without `reposition`, what the recording
   * emitted before it is emitted now; with it (a jump to another test), the
   * output skips to the anchor.
   */
  private reach(anchor: Anchor, opts: { reposition: boolean }): void {
    const skippedTest = this.script.anchors.slice(this.nextAnchor, anchor.index).some((a) => a.kind === 'test');
    const backwards = anchor.index < this.nextAnchor;
    if (opts.reposition || skippedTest || backwards) {
      this.nextOutput = this.firstOutputAtOrAfter(anchor.tUs);
    } else {
      this.emitUntil(anchor.tUs);
    }
    if (anchor.connection > this.connection && this.port !== null) this.connection = anchor.connection;
    this.anchorRecUs = anchor.tUs;
    this.anchorNowMs = this.clock.monotonicMs();
    this.nextAnchor = anchor.index + 1;
    this.scheduleEmission();
  }

  private firstOutputAtOrAfter(tUs: number): number {
    const list = this.script.unsolicited;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid]?.tUs ?? 0) < tUs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Emits every due output before recorded time `untilUs` (exclusive) of the live connection. */
  private emitUntil(untilUs: number): void {
    const list = this.script.unsolicited;
    const chunks: Uint8Array[] = [];
    let lost: string | null = null;
    while (this.nextOutput < list.length) {
      const o = list[this.nextOutput] as (typeof list)[number];
      if (o.tUs >= untilUs || o.connection > this.connection) break;
      this.nextOutput++;
      if (o.connection < this.connection) continue;
      if (o.kind === 'rx') chunks.push(o.message.bytes);
      else { lost = o.why; break; }
    }
    if (chunks.length > 0 && this.port !== null) this.port.deliver(chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks));
    if (lost !== null && this.port !== null) this.port.disconnect();
  }

  private cancelEmission(): void {
    if (this.emitTimer !== undefined) this.clearTimer(this.emitTimer);
    this.emitTimer = undefined;
  }

  private scheduleEmission(): void {
    this.cancelEmission();
    if (this.port === null || this.disposed) return;
    const list = this.script.unsolicited;
    while (this.nextOutput < list.length && (list[this.nextOutput] as (typeof list)[number]).connection < this.connection) this.nextOutput++;
    const next = list[this.nextOutput];
    if (next === undefined || next.connection !== this.connection || next.tUs >= this.holdUs()) return;
    const dueInMs = (next.tUs - this.nowRecUs()) / 1000;
    this.emitTimer = this.after(Math.max(0, Math.ceil(dueInMs)), () => {
      this.emitTimer = undefined;
      this.emitUntil(Math.min(this.holdUs(), Math.floor(this.nowRecUs()) + 1));
      this.scheduleEmission();
    });
  }

  private after(ms: number, fn: () => void): ClockTimer {
    const t: ClockTimer = this.clock.setTimeout(() => {
      this.timers.delete(t);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clearTimer(t: ClockTimer): void {
    this.timers.delete(t);
    try {
      this.clock.clearTimeout(t);
    } catch {
      // a disposed clock has no timers left
    }
  }

  // ---- Queries ----------------------------------------------------------------------------------

  private answer(key: string): void {
    const all = (this.queriesByKey.get(key) ?? []).filter((q) => q.connection === this.connection);
    if (all.length === 0) return;
    const now = this.nowRecUs();
    const hold = this.holdUs();
    const nearest = (list: RecordedQuery[]): RecordedQuery | null =>
      list.reduce<RecordedQuery | null>((best, q) => (best === null || Math.abs(q.tUs - now) < Math.abs(best.tUs - now) ? q : best), null);
    const inSegment = all.filter((q) => q.tUs >= this.anchorRecUs && q.tUs < hold);
    const chosen = nearest(inSegment.filter((q) => !this.usedQueries.has(q))) ?? nearest(inSegment) ?? nearest(all);
    if (chosen === null) return;
    this.usedQueries.add(chosen);
    const answer = chosen.answer;
    if (answer === null) return;
    const pending = { answer, port: this.port };
    this.pendingAnswers.push(pending);
    this.after(Math.max(0, Math.round((answer.tUs - chosen.tUs) / 1000)), () => this.deliverAnswer(pending));
  }

  /**
   * Delivers `due` and, first, every pending answer the board sent before
   * it: two queries asked together are answered in the recorded order,
   * whatever their rounded delays.
   */
  private deliverAnswer(due: PendingAnswer): void {
    if (!this.pendingAnswers.includes(due)) return;
    const first = this.pendingAnswers.filter((p) => p.answer.tUs <= due.answer.tUs).sort((a, b) => a.answer.tUs - b.answer.tUs);
    this.pendingAnswers = this.pendingAnswers.filter((p) => !first.includes(p));
    for (const p of first) if (p.port !== null && p.port === this.port) p.port.deliver(p.answer.bytes);
  }

  // ---- Commands ---------------------------------------------------------------------------------

  private scheduleSettle(): void {
    if (this.settleTimer !== undefined) return;
    const inMs = this.canon.nextSettleInMs(this.clock.monotonicMs());
    if (inMs === null) return;
    this.settleTimer = this.after(Math.ceil(inMs), () => {
      this.settleTimer = undefined;
      this.checkCommands(this.canon.tick(this.clock.monotonicMs()));
      this.scheduleSettle();
    });
  }

  /** Settles every pending host write and compares it. */
  private settle(): void {
    if (this.settleTimer !== undefined) this.clearTimer(this.settleTimer);
    this.settleTimer = undefined;
    this.checkCommands(this.canon.flush());
  }

  private checkCommands(items: CommandItem[]): void {
    for (const actual of items) {
      if (!this.checking) return;
      const expected = this.canonical.items[this.cursor];
      if (expected !== undefined && bytesEqual(expected.bytes, actual.bytes)) {
        this.cursor++;
        continue;
      }
      this.diverge('the host sent something else', { expected: expected ?? null, actual });
      return;
    }
  }

  // ---- Divergence -------------------------------------------------------------------------------

  private divergence(cur: CurrentTest | null, why: string, expected: CommandItem | null, actual: CommandItem | null, texts?: { expectedText?: string; actualText?: string; atUs?: number | undefined }): HilError {
    const who = cur ? `test "${cur.identity.name}" (${cur.identity.file})` : 'the connection before the first test';
    const intoMs = cur ? ` (${(this.clock.monotonicMs() - cur.startNowMs).toFixed(0)} ms into the replayed test)` : '';
    const rec = expected?.recorded;
    const recTest = cur?.recorded;
    const where = rec
      ? `recorded at ${fmtUs(rec.tUs)}${recTest ? `, ${((rec.tUs - recTest.startUs) / 1000).toFixed(1)} ms into the recorded test` : ''}; host→robot byte offset ${rec.txOffset}, command #${this.cursor + 1} of ${this.canonical.items.length} compared`
      : texts?.atUs !== undefined ? `recorded at ${fmtUs(texts.atUs)}` : `after command #${this.cursor} of ${this.canonical.items.length} compared`;
    const expectedText = texts?.expectedText ?? (expected ? describeCommand(expected.bytes) : 'nothing more (the recording ends here)');
    const actualText = texts?.actualText ?? (actual ? describeCommand(actual.bytes) : 'nothing (the test ended)');
    const renamed = cur && recTest && recTest.name !== cur.identity.name ? `\n  recorded test: "${recTest.name}"` : '';
    return new HilError(
      'HIL_REPLAY_DIVERGED',
      `${who} diverged from its recording: ${why}.\n` +
        `  expected: ${expectedText}   (${where})\n` +
        `  actual:   ${actualText}${intoMs}${renamed}\n` +
        `  recording: ${this.label}\n` +
        'The spec, or the code under test, now sends the robot something else than when it was recorded (or this is another spec\'s recording). ' +
        'If the change is intended, record again with HIL_RECORD on a bench or the PTY stand-in (docs/record-replay-and-remote.md).',
    );
  }

  private diverge(why: string, detail: { expected?: CommandItem | null; actual?: CommandItem | null; expectedText?: string; actualText?: string; atUs?: number | undefined } = {}): HilError {
    const err = this.divergence(this.current, why, detail.expected ?? null, detail.actual ?? null, detail);
    this.checking = false;
    if (this.current === null) this.preTestDivergence ??= err;
    for (const l of [...this.listeners]) {
      try {
        l(err);
      } catch {
        // one listener's failure must not keep the others from hearing it
      }
    }
    return err;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
