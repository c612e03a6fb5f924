/**
 * What each hardware spec file pays to connect through the PTY stand-in
 * (issue 13 item 4). Not a test. Run:
 *
 *   npx tsx harness/bench/pty-connect.ts [runs]
 *
 * Prints one JSON line per run and a median line, wall ms:
 * - `simPtyFileMs`: `HIL_PORT=sim-pty`, what the robot fixture does per spec
 *   file: `createTarget` (PTY pair + a fresh simulator) and `connect()` (open,
 *   Firmata handshake, Johnny-Five ready);
 * - `runningPathFileMs`: `HIL_PORT=<device of a running stand-in>` (a
 *   `mbot-hil sim --pty` left running, whose board booted long ago):
 *   `createTarget` + `connect()` with the hardware defaults;
 * - `plainJohnnyFiveMs`: a Johnny-Five program with its defaults (firmata-io's
 *   5 s `reportVersionTimeout`) opening that running stand-in's device, ms to `ready`.
 * `HIL_PTY_PROVIDER` (socat, python) picks the PTY pair as for the specs.
 */
import { createRequire } from 'node:module';
import { createTarget, readTargetSettings } from '../targets/select-target.ts';
import { startPtyStandIn } from '../../simulators/pty/pty-stand-in.ts';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const five: any = require('johnny-five');
const runs = Number(process.argv[2] ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function fileConnect(env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const target = await createTarget(readTargetSettings({ ...process.env, HIL_TARGET: 'hardware', ...env }));
  try {
    await target.connect();
    return performance.now() - t0;
  } finally {
    await target.close();
    await target.dispose();
  }
}

async function plainJohnnyFive(path: string): Promise<number> {
  const t0 = performance.now();
  const board = new five.Board({ port: path, repl: false, debug: false, sigint: false, timeout: 30_000 });
  await new Promise<void>((resolve, reject) => {
    board.once('ready', () => resolve());
    board.once('error', reject);
  });
  const ms = performance.now() - t0;
  await new Promise<void>((resolve) => board.io.transport.close(() => resolve()));
  return ms;
}

// A stand-in left running, as `mbot-hil sim --pty` is: its board booted before anyone connects.
const running = await startPtyStandIn({ seed: 1 });
await new Promise((r) => setTimeout(r, 2500));
const rows: Array<Record<string, number>> = [];
for (let i = 0; i < runs; i++) {
  const row = {
    simPtyFileMs: await fileConnect({ HIL_PORT: 'sim-pty' }),
    runningPathFileMs: await fileConnect({ HIL_PORT: running.hostPath }),
    plainJohnnyFiveMs: await plainJohnnyFive(running.hostPath),
  };
  rows.push(row);
  console.log(JSON.stringify({ run: i + 1, ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Math.round(v)])) }));
}
await running.close();
const keys = ['simPtyFileMs', 'runningPathFileMs', 'plainJohnnyFiveMs'];
console.log(JSON.stringify({ median: true, runs, pty: running.jig.name, ...Object.fromEntries(keys.map((k) => [k, Math.round(median(rows.map((r) => r[k] ?? NaN)))])) }));
process.exit(0);
