/**
 * Importing `mbot-hil/matchers` (in a spec or a Vitest setup file) registers
 * `toMeetInvariant` and `toMeetContract` on `expect` and types them.
 */
import { expect } from 'vitest';
import { toMeetContract, toMeetInvariant, type MeetOptions } from './to-meet-invariant.ts';

export { configureMatchers } from './contracts-source.ts';
export { skipNotEvaluated, type SkipContext } from './not-evaluated.ts';
export type { MeetOptions } from './to-meet-invariant.ts';

expect.extend({ toMeetInvariant, toMeetContract });

/** The matchers mbot-hil adds to `expect`. */
export interface HilMatchers<R = unknown> {
  /** Passes when every check of the invariant holds for the received metrics; see README "Matchers". */
  toMeetInvariant(invariantId: string, options?: MeetOptions): R;
  /** Passes when every invariant of the contract (file stem or contract name) holds. */
  toMeetContract(contractName: string, options?: MeetOptions): R;
}

declare module 'vitest' {
  // Vitest's own declaration has this shape: `any` and an empty body are how a module augments it.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends HilMatchers<T> {}
}
