// A matcher's evaluation reaches the report through the running test's
// task.meta. Where there is none (a beforeAll/afterAll hook, an asymmetric
// matcher, the global expect of a test.concurrent test after it ended) the
// evaluation used to be dropped without a word: a 30 fps failure caught in
// an afterAll left I-PERF-002 "not run" and the gate PASSED with exit 0.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import './register.ts';
import { createSnapshot } from '../metrics/snapshot.ts';

// Target `none` (a self-check): the control's failing evaluation must not count in `npm test`'s own gate.
const failing = createSnapshot({ 'ui.frame_rate': { value: 30, unit: 'fps', samples: 100 } });
const NO_TEST = /^HIL_MATCHER_NO_TEST: toMeetInvariant was called outside a running test/;

function messageOf(run: () => void): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error: the evaluation was made and dropped';
}

describe('a matcher with no running test to carry its evaluation throws HIL_MATCHER_NO_TEST', () => {
  const inBeforeAll: string[] = [];
  beforeAll(() => {
    inBeforeAll.push(messageOf(() => expect(failing).toMeetInvariant('I-PERF-002')));
    inBeforeAll.push(messageOf(() => expect(failing).not.toMeetInvariant('I-PERF-002')));
  });
  afterAll(() => {
    // A failing afterAll fails this file, so the check stands here too.
    expect(messageOf(() => expect(failing).toMeetInvariant('I-PERF-002'))).toMatch(NO_TEST);
  });

  test('in beforeAll (plain and under .not)', () => {
    expect(inBeforeAll).toHaveLength(2);
    for (const m of inBeforeAll) expect(m).toMatch(NO_TEST);
  });

  test('as an asymmetric matcher, whose result an outer matcher may discard', ({ task }) => {
    const asymmetric = (expect as unknown as { toMeetInvariant: (id: string) => unknown }).toMeetInvariant('I-PERF-002');
    expect(messageOf(() => expect([failing]).toContainEqual(asymmetric))).toMatch(NO_TEST);
    expect(task.meta.hilEvaluations ?? []).toEqual([]);
  });

  test('inside the test body it still records (the control)', ({ task }) => {
    expect(messageOf(() => expect(failing).toMeetInvariant('I-PERF-002'))).toMatch(/I-PERF-002/);
    expect(task.meta.hilEvaluations?.map((e) => [e.verdict, e.target.kind])).toEqual([['fail', 'none']]);
  });
});
