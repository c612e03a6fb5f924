/**
 * Regenerates the drift fixtures (fixtures/recordings/): the calibration
 * spec recorded on the PTY stand-in, once with a simulator of KNOWN,
 * DIFFERENT parameters (fixtures/recordings/known-robot.profile.json) and
 * once with the default simulator, then prints what `mbot-hil drift --fit`
 * makes of each. Real time: about 30 s per recording.
 *
 *   npm run drift:fixtures
 *
 * Needs python3 or socat (the PTY stand-in). The recordings differ from run
 * to run in their timing (a wall clock); the tests' bounds allow for that.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runDrift } from './drift-run.ts';

const dir = resolve('fixtures/recordings');
const knownProfile = join(dir, 'known-robot.profile.json');
const runs = [
  { file: join(dir, 'calibration-pty-known.hilrec'), env: { HIL_SIM_PROFILE: knownProfile } },
  { file: join(dir, 'calibration-pty-default.hilrec'), env: {} },
];

for (const run of runs) {
  // Sessions append to a recording: start from an empty file.
  rmSync(run.file, { force: true });
  const result = spawnSync('npx', ['vitest', 'run', '--project', 'hardware', 'specs/robot/calibration.spec.ts'], {
    stdio: 'inherit',
    env: { ...process.env, HIL_PORT: 'sim-pty', HIL_TARGET: 'hardware', HIL_CALIBRATE: '1', HIL_RECORD: run.file, ...run.env },
  });
  if (result.status !== 0) {
    process.stderr.write(`recording ${run.file} failed (vitest exit ${String(result.status)})\n`);
    process.exit(1);
  }
  const drift = await runDrift(run.file, { fit: true });
  process.stdout.write(`\n${run.file}: ${drift.rows.filter((r) => r.verdict === 'drift').length} quantities drift; after the fit ${drift.fit?.rowsAfterFit.filter((r) => r.verdict === 'drift').length}\n`);
  for (const p of drift.fit?.parameters ?? []) {
    process.stdout.write(`  ${p.name.padEnd(24)} fitted ${p.fitted?.toFixed(3) ?? '—'}  known ${p.known ?? '—'}  error ${p.error?.toFixed(3) ?? '—'}\n`);
  }
}
