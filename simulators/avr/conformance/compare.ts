/**
 * Message-by-message comparison of two boards' replies to one scenario.
 * Both sides' messages are decoded, the scenario's deliberate differences
 * rewrite them, and then they must agree one for one: same canonical line,
 * and for reports (analog/digital) the same arrival time within
 * {@link REPORT_TIME_TOLERANCE_MS}. Every listed difference must have
 * rewritten something (otherwise it is stale), and anything else that
 * differs is a problem.
 */
import { deliberateDifference, type DeliberateDifferenceId, type Side } from './deliberate-differences.ts';
import type { ReplyMessage } from './reply-messages.ts';
import type { Scenario } from './scenarios.ts';

/**
 * How far apart the two boards' reports may arrive, ms. The firmware samples
 * when millis() — advanced by timer 0 in 1.024 ms ticks with a catch-up tick
 * every 42 — has passed the interval, then queues 3 bytes (0.5 ms at 57600);
 * the simulator's virtual clock counts whole ms. 2 ms covers both roundings
 * and is far below one sampling interval (10 ms minimum), so a report on the
 * wrong grid, or one too many or too few, cannot pass.
 */
export const REPORT_TIME_TOLERANCE_MS = 2;

/**
 * Extra tolerance for a report the host's own write triggered while that
 * write was still on the wire: the firmware acts on each byte as it arrives,
 * the simulator's link hands over a write once its last byte is in, so the
 * two may differ by up to the write's wire time (10 bits a byte at `baud`).
 */
export function writeAllowanceMs(scenario: Scenario, startMs: number, atMs: number, baud: number): number {
  let allowance = 0;
  for (const step of scenario.steps) {
    const from = startMs + step.atMs;
    const wireMs = (step.bytes.length * 10_000) / baud;
    if (atMs >= from && atMs <= from + wireMs + REPORT_TIME_TOLERANCE_MS) allowance = Math.max(allowance, wireMs);
  }
  return allowance;
}

/** The outcome of one scenario. */
export interface ScenarioComparison {
  scenario: Scenario;
  /** Lines as received (before rewriting), with times relative to the scenario's start. */
  firmware: string[];
  simulator: string[];
  /** Each deliberate difference that rewrote something here. */
  used: DeliberateDifferenceId[];
  /** What fails the suite; empty when the boards agree. */
  problems: string[];
}

function rewriteAll(side: Side, messages: readonly ReplyMessage[], ids: readonly DeliberateDifferenceId[], used: Set<DeliberateDifferenceId>): ReplyMessage[] {
  const out: ReplyMessage[] = [];
  for (const original of messages) {
    let m: ReplyMessage | null = original;
    for (const id of ids) {
      if (m === null) break;
      const r = deliberateDifference(id).rewrite(side, m);
      if (r === undefined) continue;
      used.add(id);
      m = r;
    }
    if (m !== null) out.push(m);
  }
  return out;
}

function show(m: ReplyMessage | undefined, startMs: number): string {
  return m === undefined ? '(nothing)' : `${m.line} @${(m.atMs - startMs).toFixed(1)} ms`;
}

/** Compares the replies of one scenario that started at `startMs`. */
export function compareScenario(scenario: Scenario, startMs: number, firmware: readonly ReplyMessage[], simulator: readonly ReplyMessage[], baud: number): ScenarioComparison {
  const used = new Set<DeliberateDifferenceId>();
  const fw = rewriteAll('firmware', firmware, scenario.differences, used);
  const sim = rewriteAll('simulator', simulator, scenario.differences, used);
  const problems: string[] = [];
  // Replies keep their order among themselves and reports among themselves; how a reply and a
  // report a fraction of a ms apart interleave is timing, which the report times already check.
  for (const kind of ['reply', 'report'] as const) {
    const f1 = fw.filter((m) => m.kind === kind);
    const s1 = sim.filter((m) => m.kind === kind);
    const n = Math.max(f1.length, s1.length);
    for (let i = 0; i < n; i++) {
      const f = f1[i];
      const s = s1[i];
      if (f === undefined || s === undefined || f.line !== s.line) {
        problems.push(`${kind} ${i + 1}: firmware sent ${show(f, startMs)}, simulator sent ${show(s, startMs)}`);
        break; // after the first disagreement the rest are out of step
      }
      const toleranceMs = REPORT_TIME_TOLERANCE_MS + writeAllowanceMs(scenario, startMs, f.atMs, baud);
      if (kind === 'report' && Math.abs(f.atMs - s.atMs) > toleranceMs) {
        problems.push(
          `report ${i + 1} (${f.line}): firmware at ${(f.atMs - startMs).toFixed(1)} ms, simulator at ${(s.atMs - startMs).toFixed(1)} ms (tolerance ${toleranceMs.toFixed(1)} ms)`,
        );
      }
    }
  }
  for (const id of scenario.differences) {
    if (!used.has(id)) problems.push(`deliberate difference "${id}" is listed for this scenario but did not occur: remove it from the scenario (or the table)`);
  }
  const rel = (m: ReplyMessage): string => `${(m.atMs - startMs).toFixed(1).padStart(6)} ms  ${m.line}`;
  return { scenario, firmware: firmware.map(rel), simulator: simulator.map(rel), used: [...used], problems };
}
