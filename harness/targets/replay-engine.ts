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
 * Queries are answered from the recording (`replay-answers.ts`).
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
import { MessageSplitter } from '../record/firmata-messages.ts';
import type { SimPortBinding, SimPortHost } from '../../simulators/mbot/sim-binding.ts';
import { sameJson } from '../record/jig-calls.ts';
import { Canonicalizer, laneOf, LaneCursors, type CanonicalRecording, type CommandItem } from './replay-matcher.ts';
import { divergenceError, fmtCall, fmtUs, type DivergenceDetail } from './replay-divergence.ts';
import { ReplayAnswers } from './replay-answers.ts';
import { ReplayTimeline } from './replay-timeline.ts';
import { classifyHostMessage, describeCommand, type Anchor, type RecordedTest, type ReplayScript } from './replay-script.ts';
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

interface CurrentTest {
  identity: TestIdentity;
  recorded: RecordedTest | null;
  startNowMs: number;
  /** The test's first divergence. */
  divergence: HilError | null;
}


/** The replaying far end; see the module comment. */
export class ReplayEngine implements SimPortHost {
  readonly path: string;
  private readonly script: ReplayScript;
  private readonly canonical: CanonicalRecording;
  private readonly clock: Clock;
  private readonly label: string;
  private readonly listeners = new Set<(err: HilError) => void>();

  private unplugged = false;
  private settleTimer: ClockTimer | undefined;

  private readonly tl: ReplayTimeline;
  private readonly answers: ReplayAnswers;
  private txSplitter = new MessageSplitter('tx');
  private canon = new Canonicalizer();
  /** Where the comparison stands, per lane (pin, port, order-keeping messages). */
  private readonly lanes: LaneCursors;
  /** Index in canonical.items of the recorded command a divergence concerns (for the message). */
  private divergedAt = 0;
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
    this.lanes = new LaneCursors(this.canonical);
    this.tl = new ReplayTimeline(this.script, this.clock);
    this.answers = new ReplayAnswers(this.script, this.tl);
  }

  // ---- SimPortHost: the binding's far end -------------------------------------------------------

  /** The port can be opened: not unplugged by the jig, and the recording has another connection. */
  get available(): boolean {
    return !this.disposed && !this.unplugged && this.tl.findAnchor('open', this.tl.nextAnchor) !== null;
  }

  /** The host opened the port: the next recorded connection begins. */
  attach(port: SimPortBinding): void {
    this.tl.port = port;
    this.txSplitter = new MessageSplitter('tx');
    const open = this.tl.findAnchor('open', this.tl.nextAnchor);
    if (open === null) return;
    this.tl.connection = open.connection;
    this.settle();
    this.canon.resetState();
    this.tl.reach(open, { reposition: false });
    // Commands of this connection begin after its open: skip what an earlier connection left unsent.
    const first = this.script.commands.findIndex((c) => c.connection >= open.connection);
    const at = first < 0 ? this.canonical.items.length : (this.canonical.firstAtOrAfter[first] as number);
    this.lanes.seek(at, true);
  }

  /** The host closed the port. */
  detach(port: SimPortBinding): void {
    if (this.tl.port !== port) return;
    this.settle();
    this.tl.port = null;
    const close = this.tl.findAnchor('close', this.tl.nextAnchor);
    if (close !== null && close.connection === this.tl.connection) this.tl.reach(close, { reposition: false });
    this.tl.cancelEmission();
  }

  dtrPulse(): void {
    // A replay has no board to reset; the recording already holds what the reset caused.
  }

  baudChanged(): void {
    // The recording was made at its own rate; nothing to garble here.
  }

  /** Bytes from the host: queries are answered, commands compared. */
  write(bytes: Uint8Array): void {
    for (const m of this.txSplitter.push(bytes, this.tl.nowRecUs())) {
      const cls = m.malformed ? { kind: 'command' as const, stateKey: null } : classifyHostMessage(m.bytes);
      if (cls.kind === 'query') this.answers.answer(cls.key);
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

  /**
   * A test begins: it is matched with the recorded test of its name (else
   * the next one in order) and the timeline aligns on that test's start.
   */
  testStarted(identity: TestIdentity): void {
    this.settle();
    const tests = this.script.tests;
    const following = this.lastTestIndex + 1;
    // By name (the next one of that name, else any); a test the recording does not know is compared with the
    // recorded test at its place in the order, so the first differing message is what the error shows.
    let index = tests[following]?.name === identity.name ? following : tests.findIndex((t, i) => i > this.lastTestIndex && t.name === identity.name);
    if (index < 0) index = tests.findIndex((t) => t.name === identity.name);
    if (index < 0 && following < tests.length) index = following;
    const recorded = index >= 0 ? (tests[index] as RecordedTest) : null;
    const sequential = index === following && this.checking;
    this.current = { identity, recorded, startNowMs: this.clock.monotonicMs(), divergence: null };
    this.checking = true;
    if (recorded === null) {
      const names = tests.map((t) => `"${t.name}"`).join(', ') || 'none';
      this.diverge(`the recording holds no test named "${identity.name}" and no further test (it holds ${names})`);
      return;
    }
    this.lastTestIndex = index;
    if (!sequential) {
      // A test was skipped or failed before: start checking again from this test's first command.
      const at = this.canonical.firstAtOrAfter[recorded.firstCommand] as number;
      this.lanes.seek(at);
      this.canon.setState(this.canonical.stateBefore[at] ?? new Map());
    }
    this.tl.reach(this.script.anchors[recorded.anchorIndex] as Anchor, { reposition: !sequential });
  }

  /**
   * The test ended: settles and compares what is left, then checks that the
   * recording's test sent nothing more. Throws the test's first divergence
   * (the fixture's per-test reset forgets what the listeners heard before it
   * ran), or the one found while connecting before the first test.
   */
  testEnded(identity: TestIdentity, _state: TestEndState): void {
    this.settle();
    const cur = this.current;
    if (cur === null || cur.identity.name !== identity.name) return;
    const pre = this.preTestDivergence;
    this.preTestDivergence = null;
    if (cur.recorded !== null) {
      const rec = cur.recorded;
      const done = this.script.anchors.find((a) => a.kind === 'done' && a.tUs >= rec.startUs && a.name === rec.name);
      // A jig call the recorded test made and this one did not: the test did less than the recording.
      const skippedJig = done ? this.script.anchors.slice(this.tl.nextAnchor, done.index).find((a) => a.kind === 'jig') : undefined;
      if (this.checking && skippedJig && skippedJig.kind === 'jig') {
        this.divergence(cur, 'the test ended, but the recorded test went on to call the jig', null, null, {
          expectedText: fmtCall(skippedJig.call, skippedJig.args),
          actualText: 'nothing (the test ended)',
          atUs: skippedJig.tUs,
        });
      }
      if (done) this.tl.reach(done, { reposition: false });
      const missing = this.lanes.earliest();
      const m = missing?.item.recorded;
      if (this.checking && missing && m && m.tUs <= rec.endUs && m.connection === this.tl.connection) {
        this.divergedAt = missing.index;
        this.divergence(cur, 'the test ended, but the recording sent more', missing.item, null);
      }
    }
    this.current = null;
    const err = pre ?? cur.divergence;
    if (err) throw err;
  }

  /** A jig setter: must be the next recorded one; aligns the timeline on it. */
  jigSet(call: string, args: unknown[]): void {
    const limit = this.current?.recorded ? this.doneIndexOf(this.current.recorded) : this.script.anchors.length;
    let found: Anchor | null = null;
    for (let i = this.tl.nextAnchor; i < limit; i++) {
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
    this.tl.reach(found, { reposition: false });
  }

  /** A jig getter: the recorded result of the same call nearest in time. Throws HIL_REPLAY_DIVERGED when the recording has none. */
  jigGet(call: string, args: unknown[]): unknown {
    const rec = this.current?.recorded;
    const now = this.tl.nowRecUs();
    const hold = this.tl.holdUs();
    const same = this.script.jigReads.filter((r) => r.call === call && sameJson(r.args, args));
    const pick = (list: typeof same) => list.reduce<(typeof same)[number] | null>((best, r) => (best === null || Math.abs(r.tUs - now) < Math.abs(best.tUs - now) ? r : best), null);
    const holdSeq = this.tl.holdSeq();
    const found = pick(same.filter((r) => r.seq > this.tl.anchorSeq && r.seq < holdSeq && r.tUs <= hold))
      ?? (rec ? pick(same.filter((r) => r.tUs >= rec.startUs && r.tUs <= rec.endUs)) : null);
    if (found) return structuredClone(found.result);
    const readings = [...new Set(this.script.jigReads.filter((r) => !rec || (r.tUs >= rec.startUs && r.tUs <= rec.endUs)).map((r) => `jig.${r.call}()`))];
    const err = this.diverge(`the recording has no ${fmtCall(call, args)} in this test`, {
      expectedText: readings.length > 0 ? `one of the recorded readings: ${readings.join(', ')}` : 'no jig reading at all',
      actualText: fmtCall(call, args),
      where: rec ? `the recorded test ran ${fmtUs(rec.startUs)}..${fmtUs(rec.endUs)}` : 'no recorded test',
    });
    throw err;
  }

  /** Stops every timer; the port cannot be opened again. */
  dispose(): void {
    this.disposed = true;
    this.tl.dispose();
    this.listeners.clear();
  }

  // ---- Timeline ---------------------------------------------------------------------------------

  private doneIndexOf(t: RecordedTest): number {
    for (let i = t.anchorIndex + 1; i < this.script.anchors.length; i++) {
      const a = this.script.anchors[i] as Anchor;
      if (a.kind === 'done' || a.kind === 'test') return i;
    }
    return this.script.anchors.length;
  }

  // ---- Commands ---------------------------------------------------------------------------------

  private scheduleSettle(): void {
    if (this.settleTimer !== undefined) return;
    const inMs = this.canon.nextSettleInMs(this.clock.monotonicMs());
    if (inMs === null) return;
    this.settleTimer = this.tl.after(Math.ceil(inMs), () => {
      this.settleTimer = undefined;
      this.checkCommands(this.canon.tick(this.clock.monotonicMs()));
      this.scheduleSettle();
    });
  }

  /** Settles every pending host write and compares it. */
  private settle(): void {
    if (this.settleTimer !== undefined) this.tl.clearTimer(this.settleTimer);
    this.settleTimer = undefined;
    this.checkCommands(this.canon.flush());
  }

  private checkCommands(items: CommandItem[]): void {
    for (const actual of items) {
      if (!this.checking) return;
      const lane = laneOf(actual);
      let expected = this.lanes.expected(lane);
      // What the recording sent in a later test is not this test's to match.
      const until = this.current?.recorded?.endUs ?? this.script.tests[this.lastTestIndex + 1]?.endUs ?? Number.POSITIVE_INFINITY;
      if (expected !== null && (expected.item.recorded?.tUs ?? 0) > until) expected = null;
      if (expected !== null && bytesEqual(expected.item.bytes, actual.bytes)) {
        this.lanes.advance(lane);
        continue;
      }
      const what = actual.stateKey === null ? 'the order-keeping messages (pin modes, reports, sysex)' : actual.stateKey.startsWith('a') ? `pin ${actual.stateKey.slice(1)}` : `digital port ${actual.stateKey.slice(1)}`;
      if (expected !== null) {
        this.divergedAt = expected.index;
        this.diverge(`the host sent something else on ${what}`, { expected: expected.item, actual });
        return;
      }
      // Nothing more in this lane: show what the recording did send next in this test, for orientation.
      const next = this.lanes.earliest();
      const nextHere = next && (next.item.recorded?.tUs ?? 0) <= until ? next : null;
      if (nextHere) this.divergedAt = nextHere.index;
      this.diverge(`the host sent something on ${what}, where the recording sent nothing more in this test`, {
        expected: nextHere?.item ?? null,
        actual,
        expectedText: `nothing more on ${what}${nextHere ? ` (the recording's next command in this test: ${describeCommand(nextHere.item.bytes)})` : ' (nor anything else in this test)'}`,
      });
      return;
    }
  }

  // ---- Divergence -------------------------------------------------------------------------------

  private divergence(cur: CurrentTest | null, why: string, expected: CommandItem | null, actual: CommandItem | null, texts: Pick<DivergenceDetail, 'expectedText' | 'actualText' | 'atUs' | 'where'> = {}): HilError {
    const err = divergenceError({
      test: cur?.identity ?? null,
      recordedTest: cur?.recorded ?? null,
      intoTestMs: cur ? this.clock.monotonicMs() - cur.startNowMs : null,
      why,
      expected,
      actual,
      ...texts,
      comparedIndex: this.divergedAt,
      comparedCount: this.canonical.items.length,
      recordingLabel: this.label,
    });
    this.checking = false;
    if (cur) cur.divergence ??= err;
    return err;
  }

  private diverge(why: string, detail: { expected?: CommandItem | null; actual?: CommandItem | null } & Pick<DivergenceDetail, 'expectedText' | 'actualText' | 'atUs' | 'where'> = {}): HilError {
    const { expected, actual, ...texts } = detail;
    const err = this.divergence(this.current, why, expected ?? null, actual ?? null, texts);
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
