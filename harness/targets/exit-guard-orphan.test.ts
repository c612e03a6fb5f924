// A real orphan: a process that made a hardware target, with no port open
// (the cable was out, the stand-in gone), whose parent is SIGKILLed. It must
// end rather than live on and reconnect to the robot when the device returns.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { processAlive } from '../clock/process-alive.ts';

const CHILD = fileURLToPath(new URL('./testing/orphan-child.ts', import.meta.url));

test('an orphan with no port open ends after its parent\'s death (it polls every 100 ms; 3 s is the hang bound)', async () => {
  // sh is the parent; it starts the child in the background and waits.
  const sh = spawn('sh', ['-c', `"${process.execPath}" --import tsx "${CHILD}" & wait`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    sh.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    sh.once('exit', () => reject(new Error(`the child did not start: ${out}`)));
  });
  try {
    expect(processAlive(pid)).toBe(true);
    sh.kill('SIGKILL');
    const t0 = performance.now();
    while (processAlive(pid) && performance.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(processAlive(pid), 'the orphan was still running 3 s after its parent died').toBe(false);
  } finally {
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}, 30_000);
