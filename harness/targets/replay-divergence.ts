/**
 * The HIL_REPLAY_DIVERGED message: which test, what the recording expected
 * and what the host sent (decoded Firmata, or the jig call), and where in
 * the recording (time since the session and the recorded test began, the
 * byte offset in the host-to-robot stream, the command's place among those
 * compared).
 */
import { HilError } from '../errors.ts';
import type { CommandItem } from './replay-matcher.ts';
import { describeCommand, type RecordedTest } from './replay-script.ts';
import type { TestIdentity } from './test-marks.ts';

/** Recorded µs as seconds for messages. */
export const fmtUs = (us: number): string => `${(us / 1e6).toFixed(6)} s`;

/** A jig call as a spec wrote it: `jig.placeRobot({"xCm":150,...})`. */
export const fmtCall = (call: string, args: readonly unknown[]): string => `jig.${call}(${args.map((a) => JSON.stringify(a)).join(', ')})`;

/** What a divergence message says; the texts override what is derived from the commands. */
export interface DivergenceDetail {
  /** The replayed test, or null before the first test. */
  test: TestIdentity | null;
  /** The recorded test it was compared with. */
  recordedTest: RecordedTest | null;
  /** Ms of the replay's clock since the replayed test began. */
  intoTestMs: number | null;
  why: string;
  expected?: CommandItem | null;
  actual?: CommandItem | null;
  expectedText?: string;
  actualText?: string;
  /** Recorded time of the expected jig call, when there is no expected command. */
  atUs?: number | undefined;
  /** Overrides the "where" part altogether. */
  where?: string;
  /** Index of the expected command among those compared, and how many there are. */
  comparedIndex: number;
  comparedCount: number;
  /** Names the recording: file, session, when and where recorded. */
  recordingLabel: string;
}

/** Builds the HIL_REPLAY_DIVERGED error for `d`. */
export function divergenceError(d: DivergenceDetail): HilError {
  const who = d.test ? `test "${d.test.name}" (${d.test.file})` : 'the connection before the first test';
  const intoMs = d.intoTestMs !== null ? ` (${d.intoTestMs.toFixed(0)} ms into the replayed test)` : '';
  const rec = d.expected?.recorded;
  const recTest = d.recordedTest;
  const where = d.where ?? (rec
    ? `recorded at ${fmtUs(rec.tUs)}${recTest ? `, ${((rec.tUs - recTest.startUs) / 1000).toFixed(1)} ms into the recorded test` : ''}; host→robot byte offset ${rec.txOffset}, compared command #${d.comparedIndex + 1} of ${d.comparedCount}`
    : d.atUs !== undefined ? `recorded at ${fmtUs(d.atUs)}` : 'no further recorded command of this kind');
  const expectedText = d.expectedText ?? (d.expected ? describeCommand(d.expected.bytes) : 'nothing more of this kind (the recording sent no further such message)');
  const actualText = d.actualText ?? (d.actual ? describeCommand(d.actual.bytes) : 'nothing (the test ended)');
  const renamed = d.test && recTest && recTest.name !== d.test.name ? `\n  compared with the recorded test "${recTest.name}" (none of this name was recorded)` : '';
  return new HilError(
    'HIL_REPLAY_DIVERGED',
    `${who} diverged from its recording: ${d.why}.\n` +
      `  expected: ${expectedText}   (${where})\n` +
      `  actual:   ${actualText}${intoMs}${renamed}\n` +
      `  recording: ${d.recordingLabel}\n` +
      'The spec, or the code under test, now sends the robot something else than when it was recorded (or this is another spec\'s recording). ' +
      'If the change is intended, record again with HIL_RECORD on a bench or the PTY stand-in (docs/record-replay-and-remote.md).',
  );
}
