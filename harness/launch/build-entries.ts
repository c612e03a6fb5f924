/**
 * Process entry that builds the bundles of the entries named on its command
 * line (absolute paths) and exits: `bin.mjs` starts it detached, at the
 * lowest CPU priority, after a run from source, so the next run starts from
 * a bundle without this one paying for the build.
 */
import { launchSpec } from './compiled-entry.ts';

for (const entry of process.argv.slice(2)) await launchSpec(entry);
