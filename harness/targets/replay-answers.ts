/**
 * The replay's answers to the host's queries (REPORT_VERSION,
 * REPORT_FIRMWARE, capability, analog mapping, pin state, PING_READ): the
 * answer to the recorded query of the same kind nearest in time, in the
 * current connection and preferably in the current segment of the timeline
 * and not used before, after the recorded delay. A query the board did not
 * answer gets no answer. Two queries asked together are answered in the
 * recorded order, whatever their rounded delays.
 */
import type { TimedMessage } from '../record/firmata-messages.ts';
import type { SimPortBinding } from '../../simulators/mbot/sim-binding.ts';
import type { RecordedQuery, ReplayScript } from './replay-script.ts';
import type { ReplayTimeline } from './replay-timeline.ts';

interface PendingAnswer {
  answer: TimedMessage;
  port: SimPortBinding | null;
}

export class ReplayAnswers {
  private readonly byKey = new Map<string, RecordedQuery[]>();
  private readonly used = new Set<RecordedQuery>();
  private pending: PendingAnswer[] = [];

  constructor(script: ReplayScript, private readonly tl: ReplayTimeline) {
    for (const q of script.queries) {
      const list = this.byKey.get(q.key) ?? [];
      list.push(q);
      this.byKey.set(q.key, list);
    }
  }

  /** The host asked a query of kind `key` (see `classifyHostMessage`): schedules the recorded answer, if any. */
  answer(key: string): void {
    const all = (this.byKey.get(key) ?? []).filter((q) => q.connection === this.tl.connection);
    if (all.length === 0) return;
    const now = this.tl.nowRecUs();
    const hold = this.tl.holdUs();
    const nearest = (list: RecordedQuery[]): RecordedQuery | null =>
      list.reduce<RecordedQuery | null>((best, q) => (best === null || Math.abs(q.tUs - now) < Math.abs(best.tUs - now) ? q : best), null);
    const holdSeq = this.tl.holdSeq();
    const inSegment = all.filter((q) => q.seq > this.tl.anchorSeq && q.seq < holdSeq && q.tUs <= hold);
    const chosen = nearest(inSegment.filter((q) => !this.used.has(q))) ?? nearest(inSegment) ?? nearest(all);
    if (chosen === null) return;
    this.used.add(chosen);
    const answer = chosen.answer;
    if (answer === null) return;
    const pending = { answer, port: this.tl.port };
    this.pending.push(pending);
    this.tl.after(Math.max(0, Math.round((answer.tUs - chosen.tUs) / 1000)), () => this.deliver(pending));
  }

  /** Delivers `due` and, first, every pending answer the board sent before it. */
  private deliver(due: PendingAnswer): void {
    if (!this.pending.includes(due)) return;
    const first = this.pending.filter((p) => p.answer.tUs <= due.answer.tUs).sort((a, b) => a.answer.tUs - b.answer.tUs);
    this.pending = this.pending.filter((p) => !first.includes(p));
    for (const p of first) if (p.port !== null && p.port === this.tl.port) p.port.deliver(p.answer.bytes);
  }
}
