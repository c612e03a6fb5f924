#!/usr/bin/env node
// The `mbot-hil` command. The harness is TypeScript run from source; tsx's
// loader is registered first so ./main.ts (and everything it imports) loads
// without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
