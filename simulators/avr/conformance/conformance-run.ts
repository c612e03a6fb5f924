/**
 * The whole conformance run: every scenario played to the real firmware and
 * to the simulator on one boot each, replies split by scenario window and
 * compared. Replies outside every window (between scenarios, or before the
 * timeline) are problems of their own.
 */
import type { LoadedFirmware } from '../load-firmware.ts';
import { compareScenario, type ScenarioComparison } from './compare.ts';
import { decodeReplies, type ReplyMessage } from './reply-messages.ts';
import { runFirmware, runSimulator, SUITE_BAUD, type BoardRun, type TimedWrite } from './run-boards.ts';
import { SCENARIOS, scenarioStarts, type Scenario } from './scenarios.ts';

/** The timeline starts this long after the oracle's announce began (its 46 bytes take 8 ms at 57600). */
export const TIMELINE_AFTER_BOOT_MS = 24;

/** Everything one run found. */
export interface ConformanceRun {
  comparisons: ScenarioComparison[];
  /** Replies in no scenario's window. */
  strays: { side: 'firmware' | 'simulator'; line: string; atMs: number }[];
  /** The announces, for the record. */
  announce: { firmware: string[]; simulator: string[]; firmwareDoneMs: number; simulatorDoneMs: number };
  /** The oracle's USART0 setting (UBRR0, U2X0) and the baud rate it gives. */
  firmwareUart: { ubrr: number; u2x: boolean; baud: number } | undefined;
  /** Virtual ms played and wall ms each side took. */
  cost: { virtualMs: number; firmwareWallMs: number; simulatorWallMs: number };
}

/** The host writes of `scenarios` on one timeline from `startMs` (ms after the reset). */
export function timeline(startMs: number, scenarios: readonly Scenario[] = SCENARIOS): { writes: TimedWrite[]; starts: number[]; endMs: number } {
  const starts = scenarioStarts(startMs, scenarios);
  const writes: TimedWrite[] = [];
  scenarios.forEach((s, i) => {
    for (const step of s.steps) writes.push({ atMs: (starts[i] ?? 0) + step.atMs, bytes: step.bytes });
  });
  const last = scenarios.length - 1;
  return { writes, starts, endMs: (starts[last] ?? startMs) + (scenarios[last]?.durationMs ?? 0) };
}

function split(run: BoardRun, startMs: number, starts: readonly number[], scenarios: readonly Scenario[]): { per: ReplyMessage[][]; before: ReplyMessage[]; strays: ReplyMessage[] } {
  const per: ReplyMessage[][] = scenarios.map(() => []);
  const before: ReplyMessage[] = [];
  const strays: ReplyMessage[] = [];
  for (const m of decodeReplies(run.bytes)) {
    if (m.atMs < startMs) {
      before.push(m);
      continue;
    }
    const i = scenarios.findIndex((s, k) => m.atMs >= (starts[k] ?? 0) && m.atMs < (starts[k] ?? 0) + s.durationMs);
    if (i < 0) strays.push(m);
    else per[i]?.push(m);
  }
  return { per, before, strays };
}

/** Plays `scenarios` to `firmware` and to the simulator and compares them. */
export async function runConformance(firmware: LoadedFirmware, scenarios: readonly Scenario[] = SCENARIOS): Promise<ConformanceRun> {
  // The simulator boots when the oracle does, so both announce together and share the sampling grid's origin.
  const bootMs = firmware.bundled?.bootMs ?? 1876;
  const startMs = bootMs + TIMELINE_AFTER_BOOT_MS;
  const { writes, starts, endMs } = timeline(startMs, scenarios);
  const t0 = performance.now();
  const fwRun = runFirmware(firmware.image, writes, endMs);
  const t1 = performance.now();
  const name = firmware.bundled?.announces.name ?? 'StandardFirmata.ino';
  const simRun = await runSimulator(writes, endMs, { firmwareName: name, resetDelayMs: bootMs });
  const t2 = performance.now();
  const fw = split(fwRun, startMs, starts, scenarios);
  const sim = split(simRun, startMs, starts, scenarios);
  const comparisons = scenarios.map((s, i) => compareScenario(s, starts[i] ?? 0, fw.per[i] ?? [], sim.per[i] ?? [], SUITE_BAUD));
  const strays = [
    ...fw.strays.map((m) => ({ side: 'firmware' as const, line: m.line, atMs: m.atMs })),
    ...sim.strays.map((m) => ({ side: 'simulator' as const, line: m.line, atMs: m.atMs })),
  ];
  return {
    comparisons,
    strays,
    announce: {
      firmware: fw.before.map((m) => m.line),
      simulator: sim.before.map((m) => m.line),
      firmwareDoneMs: fwRun.announceDoneMs,
      simulatorDoneMs: simRun.announceDoneMs,
    },
    firmwareUart: fwRun.uart,
    cost: { virtualMs: endMs, firmwareWallMs: t1 - t0, simulatorWallMs: t2 - t1 },
  };
}
