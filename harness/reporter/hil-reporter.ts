/**
 * The reporter `vitest.config.ts` registers (`harness/reporter/index.ts`'s
 * default export, `mbot-hil/reporter` for users): the compliance reporter,
 * plus the progress lines of long measurements on the terminal. One entry
 * in `reporters` gives both, so `npx vitest`, `npm test` and
 * `mbot-hil run` all show a soak moving.
 */
import type { TestArtifact } from 'vitest';
import type { TestCase, Vitest } from 'vitest/node';
import { ComplianceReporter, type ComplianceReporterOptions } from './compliance-reporter.ts';
import { ProgressReporter, type ProgressReporterOptions } from './progress-reporter.ts';

/** The compliance reporter's options, plus `progress`: its options, or `false` for no progress lines. */
export interface HilReporterOptions extends ComplianceReporterOptions {
  progress?: ProgressReporterOptions | false;
}

/** {@link ComplianceReporter} with a {@link ProgressReporter} beside it. */
export class HilReporter extends ComplianceReporter {
  /** The progress part; null when turned off. */
  readonly progress: ProgressReporter | null;

  constructor(options: HilReporterOptions = {}) {
    const { progress, ...compliance } = options;
    super(compliance);
    this.progress = progress === false ? null : new ProgressReporter(progress);
  }

  override onInit(vitest: Vitest): void {
    super.onInit(vitest);
    this.progress?.onInit(vitest);
  }

  onTestCaseArtifactRecord(testCase: TestCase, artifact: TestArtifact): void {
    this.progress?.onTestCaseArtifactRecord(testCase, artifact);
  }
}
