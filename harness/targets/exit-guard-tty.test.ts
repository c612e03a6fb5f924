// Job control at a real terminal: a background job that writes to it (under
// `stty tostop`) or reads from it is sent SIGTTOU / SIGTTIN by the kernel,
// which fails the call with ERESTARTSYS. With any handler installed (libuv's
// only notes the signal for later), the call restarts at once and the signal
// comes again: the main thread never gets back to JavaScript, so no
// listener runs, the robot is not stopped, and the process spins at 100% CPU
// and heeds no signal but SIGKILL. The guard must leave those two signals to
// their default action (the process stops, as it would without the guard).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { knownPython3, probePython3 } from '../../simulators/pty/python3.ts';

const CHILD = fileURLToPath(new URL('./testing/background-tty-child.ts', import.meta.url));
const python3 = knownPython3() ?? probePython3();
const linux = process.platform === 'linux';

// pty.fork makes a session whose terminal is the pty; its leader turns on TOSTOP, puts the child in a
// process group of its own (a background job: the leader's group stays in the foreground) and waits;
// the launcher types a line every 0.5 s.
const LAUNCHER = `
import os, pty, select, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    a = termios.tcgetattr(1); a[3] |= termios.TOSTOP; termios.tcsetattr(1, termios.TCSANOW, a)
    g = os.fork()
    if g == 0:
        os.setpgid(0, 0)
        os.execv(sys.argv[1], sys.argv[1:])
    os.setpgid(g, g)
    sys.stderr.write('PID %d\\n' % g); sys.stderr.flush()
    os.waitpid(g, 0)
    os._exit(0)
end = time.time() + 20
typed = 0
while time.time() < end:
    if time.time() > typed + 0.5:
        os.write(fd, b'x\\n'); typed = time.time()  # a key press: the job's read meets the terminal
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try: sys.stdout.write(os.read(fd, 4096).decode(errors='replace')); sys.stdout.flush()
        except OSError: break
`;

function stateOf(pid: number): string | null {
  try {
    // "pid (comm) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

test.skipIf(!linux || python3 === null).each(['write', 'read'] as const)('a background job that %ss its terminal is stopped by the kernel, not spun in a restart loop', async (mode) => {
  const stops = join(mkdtempSync(join(tmpdir(), 'hil-tty-')), 'stops');
  const launcher = spawn(python3!, ['-c', LAUNCHER, process.execPath, '--import', 'tsx', CHILD, mode, stops], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  launcher.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  let pid = 0;
  try {
    pid = await new Promise<number>((resolve, reject) => {
      launcher.stdout.on('data', () => {
        const m = /PID (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      launcher.once('exit', () => reject(new Error(`the launcher ended: ${out}`)));
    });
    // tsx needs about a second to load the child; then its first write or read meets the terminal.
    let state: string | null = null;
    const t0 = performance.now();
    while (performance.now() - t0 < 8000) {
      await new Promise((r) => setTimeout(r, 100));
      state = stateOf(pid);
      if (state === 'T' || state === null) break;
    }
    expect(state, `the background job's state (R: spinning in the ${mode} call)`).toBe('T');
  } finally {
    if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    launcher.kill('SIGKILL');
  }
}, 30_000);
