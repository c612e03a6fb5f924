/**
 * Progress of a long measurement (a memory soak: ten virtual minutes, or
 * an hour on a bench) as a Vitest test artifact, so it reaches the reporter
 * while the test still runs. The test side records it with
 * `recordProgress` (`fixtures/progress.ts`); the reporter side
 * (`progress-reporter.ts`) shows it on the terminal, throttled. Artifacts,
 * not annotations: Vitest's GitHub Actions reporter turns every annotation
 * into a notice on the pull request, and the JUnit reporter into a property.
 * This file holds only the shape, so the reporter process never loads the
 * test runtime.
 */
import type { TestArtifactBase } from 'vitest';

/** The artifact's `type`. */
export const PROGRESS_ARTIFACT_TYPE = 'mbot-hil:progress' as const;

/** One progress report of a measurement inside a test. Plain JSON. */
export interface ProgressArtifact extends TestArtifactBase {
  type: typeof PROGRESS_ARTIFACT_TYPE;
  /** Which measurement of the test, e.g. `soak (degraded)`; progress is throttled per test and label. */
  label: string;
  /** How much is done, in the unit of `total` (e.g. clock ms of the soak), 0..total. */
  done: number;
  /** How much there is to do, > 0. */
  total: number;
  /** The line to show, e.g. `soak 3/10 min virtual, heap 42.1 MB`. */
  message: string;
}

declare module 'vitest' {
  interface TestArtifactRegistry {
    'mbot-hil:progress': ProgressArtifact;
  }
}

/** True for an artifact recorded by `recordProgress`. */
export function isProgressArtifact(artifact: { type: string }): artifact is ProgressArtifact {
  return artifact.type === PROGRESS_ARTIFACT_TYPE;
}
