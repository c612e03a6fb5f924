// Runs one command so that it never outlives the process that started this
// watchdog, even when that process is killed with SIGKILL:
//
//   node child-watchdog.mjs [--cleanup-dir DIR] -- COMMAND [ARGS...]
//
// The parent keeps this watchdog's stdin open (a pipe) and never writes to it.
// When the pipe reaches end-of-file (the parent closed it or died), or on
// SIGTERM, SIGINT or SIGHUP, the command gets SIGTERM, then SIGKILL after 1 s.
// The command's stderr is this process's stderr; its stdin and stdout are
// /dev/null. The watchdog ends as the command did (its exit status, or the
// same signal when it was killed), after removing DIR when given and empty.
// Plain JavaScript with no imports from the project, so it starts quickly.
import { spawn } from 'node:child_process';
import { rmdirSync } from 'node:fs';
import { constants } from 'node:os';

const args = process.argv.slice(2);
let cleanupDir = null;
if (args[0] === '--cleanup-dir') {
  cleanupDir = args[1] ?? null;
  args.splice(0, 2);
}
if (args[0] !== '--' || args.length < 2) {
  process.stderr.write('usage: child-watchdog.mjs [--cleanup-dir DIR] -- COMMAND [ARGS...]\n');
  process.exit(2);
}
const [command, ...commandArgs] = args.slice(1);
const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'inherit'] });

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 1000).unref();
};

const cleanUp = () => {
  if (cleanupDir === null) return;
  try {
    rmdirSync(cleanupDir);
  } catch {
    // not empty, or already gone
  }
};

const finish = (status) => {
  cleanUp();
  process.exit(status);
};

child.once('error', (err) => {
  process.stderr.write(`child-watchdog: cannot run ${command}: ${err.message}\n`);
  finish(127);
});
child.once('exit', (code, signal) => {
  if (signal === null || stopping) return finish(code ?? 128 + (constants.signals[signal] ?? 0));
  // Killed from outside: end the same way, so whoever watches this process sees the signal.
  cleanUp();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.removeAllListeners(sig);
  process.kill(process.pid, signal);
});
process.stdin.on('data', () => {});
process.stdin.once('end', stop);
process.stdin.once('error', stop);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, stop);
