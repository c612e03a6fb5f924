/**
 * Where each spec file and test begins and ends, as the robot fixture tells
 * a target that wants to know. A recording target writes the marks into its
 * recording; a replay target aligns its timeline on them and names the test
 * in a divergence. Targets without a use for them do not have `testMarks`.
 */

/** How a test ended. */
export type TestEndState = 'pass' | 'fail' | 'skip';

/** A test's identity: spec file relative to the project root, and its full name (suites and test joined by ` > `). */
export interface TestIdentity {
  file: string;
  name: string;
}

/** Told by the robot fixture, in order: `testStarted` then `testEnded` for each test. */
export interface TestMarks {
  /**
   * A test begins (the fixture calls it before the per-test reset, or, for
   * the first test of a file, as soon as the target exists). The first call
   * for a file stands for the file's start too.
   */
  testStarted(test: TestIdentity): void;
  /**
   * A test ended (after the per-test stop). May throw the test's failure as
   * the target saw it (a replay target: HIL_REPLAY_DIVERGED, if a
   * divergence found at the end was not yet reported).
   */
  testEnded(test: TestIdentity, state: TestEndState): void;
}
