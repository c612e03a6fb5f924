// A process holding an exit guard that, as a background job, writes to its
// terminal (`write`) or reads from it (`read`): the kernel answers with
// SIGTTOU (under `stty tostop`) or SIGTTIN. The "stop" bytes go to the file
// named by the second argument, so the test sees whether the guard ran.
import { openSync } from 'node:fs';
import { installExitGuard } from '../exit-guard.ts';

const [mode, stopsFile] = process.argv.slice(2);
const fd = openSync(stopsFile!, 'a');
installExitGuard({ fd: () => fd, stopBytes: () => Buffer.from('S'), close: async () => {} }, { parentPollMs: 0 });
if (mode === 'read') process.stdin.on('data', () => {});
else setInterval(() => process.stdout.write('tick\n'), 50);
