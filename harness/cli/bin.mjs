#!/usr/bin/env node
// The `mbot-hil` command. The harness is TypeScript run from source; tsx's
// loader is registered first so ./main.ts (and everything it imports) loads
// without a build step.
//
// Every way this process fails ends with a non-zero exit code and one
// `error HIL_...:` line, never a bare stack trace: an error thrown outside
// the command's own handling (a timer, an event handler) is HIL_UNEXPECTED,
// and so is a command that stopped with nothing left to wait for (Node's
// silent exit code 13). HIL_DEBUG=1 adds the stack.
import { register } from 'tsx/esm/api';

let describe = (err) => `HIL_UNEXPECTED: ${err instanceof Error ? err.message : String(err)}`;
let finished = false;

process.on('uncaughtException', (err) => {
  process.stderr.write(`error ${describe(err)}\n`);
  process.exit(1);
});
process.on('exit', () => {
  if (finished) return;
  process.stderr.write('error HIL_UNEXPECTED: mbot-hil stopped before the command finished (nothing was left to wait for); this is a bug in mbot-hil: please report it\n');
  process.exitCode = 1;
});

register();
const { main } = await import('./main.ts');
({ describeFailure: describe } = await import('./cli-support.ts'));
const code = await main(process.argv.slice(2));
finished = true;
process.exitCode = code;
