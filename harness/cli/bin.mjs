#!/usr/bin/env node
// The `mbot-hil` command. The harness is TypeScript: the command runs from
// a bundle of ./cli-entry.ts when one matches the sources (about 1 CPU-s
// less to start), else from source through tsx's loader, building the bundle
// for the next run meanwhile (harness/launch/compiled-entry.ts;
// HIL_COMPILED_ENTRIES=0 always runs from source).
//
// Every way this process fails ends with a non-zero exit code and one
// `error HIL_...:` line, never a bare stack trace: an error thrown outside
// the command's own handling (a timer, an event handler) is HIL_UNEXPECTED,
// and so is a command that stopped with nothing left to wait for (Node's
// silent exit code 13). HIL_DEBUG=1 adds the stack.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { compiledEntriesOff, ENTRIES_DIR, entryName, freshBundle } from '../launch/bundle-manifest.mjs';

let describe = (err) => `HIL_UNEXPECTED: ${err instanceof Error ? err.message : String(err)}`;
let finished = false;

process.on('uncaughtException', (err) => {
  process.stderr.write(`error ${describe(err)}\n`);
  finished = true; // said once: the exit below is not "stopped before the command finished"
  process.exit(1);
});

/**
 * Builds the bundle for the next run in a detached child at the lowest CPU
 * priority: this run neither waits for it nor shares a core with it. A
 * failed build only means the next run starts from source too.
 */
function buildForNextRun() {
  try {
    const builder = fileURLToPath(new URL('../launch/build-entries.ts', import.meta.url));
    // tsx as this package resolves it (the working directory may be anywhere).
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), builder, ENTRY], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    if (child.pid !== undefined) setPriority(child.pid, 19);
  } catch {
    // no build: the next run starts from source
  }
}
process.on('exit', () => {
  if (finished) return;
  process.stderr.write('error HIL_UNEXPECTED: mbot-hil stopped before the command finished (nothing was left to wait for); this is a bug in mbot-hil: please report it\n');
  process.exitCode = 1;
});

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));
const compiledOff = compiledEntriesOff(process.env);
const bundle = compiledOff ? null : freshBundle(ENTRIES_DIR, entryName(ENTRY), ENTRY);
let cli = null;
if (bundle) {
  try {
    process.setSourceMapsEnabled(true); // stack traces (HIL_DEBUG=1) name the TypeScript sources
    cli = await import(pathToFileURL(bundle).href);
  } catch {
    cli = null; // a damaged bundle: run from source, as without one
  }
}
if (!cli) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('./cli-entry.ts');
  if (!compiledOff) buildForNextRun();
}
describe = cli.describeFailure;
const code = await cli.main(process.argv.slice(2));
finished = true;
process.exitCode = code;
