/**
 * What `bin.mjs` runs: the command line and the one-line description of a
 * failure, in one module so both come from the same bundle (see
 * `harness/launch/compiled-entry.ts`) or, before one is built, from source.
 */
export { main } from './main.ts';
export { describeFailure } from './cli-support.ts';
