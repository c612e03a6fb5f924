// The comparison must fail on every kind of disagreement; these feed it
// hand-made replies (no emulator) and check each one is reported.
import { describe, expect, it } from 'vitest';
import { compareScenario, REPORT_TIME_TOLERANCE_MS } from './compare.ts';
import { decodeReplies, type ReplyMessage } from './reply-messages.ts';
import type { Scenario } from './scenarios.ts';

const scenario = (differences: Scenario['differences'] = []): Scenario => ({
  name: 'test',
  summary: 'test',
  steps: [{ atMs: 0, bytes: [0xf9], note: 'REPORT_VERSION' }],
  durationMs: 200,
  differences,
});

/** Messages from `[atMs, ...bytes]` rows, each row's bytes arriving at its time. */
function msgs(...rows: number[][]): ReplyMessage[] {
  return decodeReplies(rows.flatMap(([atMs, ...bytes]) => bytes.map((byte) => ({ byte, atMs: atMs ?? 0 }))));
}

const version24 = [0xf9, 2, 4];
const analogA0 = [0xe0, 0x10, 0x01];

describe('compareScenario', () => {
  it('passes identical replies and reports at the same times', () => {
    const fw = msgs([1, ...version24], [20, ...analogA0], [40, ...analogA0]);
    expect(compareScenario(scenario(), 0, fw, msgs([1, ...version24], [21, ...analogA0], [39, ...analogA0]), 57600).problems).toEqual([]);
  });

  it('reports a report too many (the cadence defect: 5 where the firmware sends 4)', () => {
    const fw = msgs([20, ...analogA0], [120, ...analogA0]);
    const p = compareScenario(scenario(), 0, fw, msgs([20, ...analogA0], [120, ...analogA0], [180, ...analogA0]), 57600).problems;
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/report 3: firmware sent \(nothing\), simulator sent analog A0=144 @180\.0 ms/);
  });

  it(`reports a report off the firmware's time by more than ${REPORT_TIME_TOLERANCE_MS} ms`, () => {
    const p = compareScenario(scenario(), 0, msgs([84, ...analogA0]), msgs([96, ...analogA0]), 57600).problems;
    expect(p).toEqual(['report 1 (analog A0=144): firmware at 84.0 ms, simulator at 96.0 ms (tolerance 2.0 ms)']);
  });

  it('reports a reply the firmware never sends (STRING_DATA for an unknown sysex)', () => {
    const text = [0xf0, 0x71, ...[...'hi'].flatMap((c) => [c.charCodeAt(0), 0]), 0xf7];
    const p = compareScenario(scenario(), 0, msgs(), msgs([10, ...text]), 57600).problems;
    expect(p).toEqual(['reply 1: firmware sent (nothing), simulator sent string "hi" @10.0 ms']);
  });

  it('reports a difference no listed row explains (the 2.5 version in a scenario that does not list protocol-2.5)', () => {
    const p = compareScenario(scenario(), 0, msgs([1, ...version24]), msgs([1, 0xf9, 2, 5]), 57600).problems;
    expect(p).toEqual(['reply 1: firmware sent report-version 2.4 @1.0 ms, simulator sent report-version 2.5 @1.0 ms']);
  });

  it('lets a listed deliberate difference through, and only that one', () => {
    expect(compareScenario(scenario(['protocol-2.5']), 0, msgs([1, ...version24]), msgs([1, 0xf9, 2, 5]), 57600).problems).toEqual([]);
    const p = compareScenario(scenario(['protocol-2.5']), 0, msgs([1, ...version24]), msgs([1, 0xf9, 2, 6]), 57600).problems;
    expect(p[0]).toMatch(/report-version 2\.4 .*report-version 2\.6/);
  });

  it('reports a listed deliberate difference that no longer occurs (a stale row)', () => {
    const p = compareScenario(scenario(['ping-read']), 0, msgs([1, ...version24]), msgs([1, ...version24]), 57600).problems;
    expect(p).toEqual(['deliberate difference "ping-read" is listed for this scenario but did not occur: remove it from the scenario (or the table)']);
  });
});
