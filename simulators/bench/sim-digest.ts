/**
 * Fingerprint of a long virtual run (not a test, not timed). Run:
 * `npx tsx simulators/bench/sim-digest.ts [--minutes 10] [--seed 7]`.
 *
 * Runs the benchmark's workload (soak-workload.ts) and prints, as JSON:
 * - the link trace: SHA-256 digest (every byte both ways with its modelled
 *   time and fate), byte count, and the number of analog reports, digital
 *   reports and ping replies it decodes to;
 * - what the host saw: a SHA-256 over every serialport 'data' event (virtual
 *   ms at which it fired, its bytes), i.e. exactly what firmata-io parsed and
 *   when, and the number of events;
 * - what Johnny-Five reported: a SHA-256 over every component event (virtual
 *   ms, source, value), and the number of events;
 * - the robot's final pose.
 * Two builds of the simulator are equivalent for a seed when every line
 * matches. Compare before and after a change to the simulator, the link or
 * the clock.
 */
import { createHash } from 'node:crypto';
import { SOAK_SEED, startSoak } from './soak-workload.ts';

function argNumber(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value)) throw new Error(`${name} needs a number; got ${String(process.argv[at + 1])}`);
  return value;
}

const minutes = argNumber('--minutes', 10);
const seed = argNumber('--seed', SOAK_SEED);

const hostHash = createHash('sha256');
const componentHash = createHash('sha256');
let hostEvents = 0;
let componentEvents = 0;
const stamp = Buffer.alloc(8);

const run = await startSoak(seed, {
  hostData(atMs, chunk) {
    hostEvents++;
    stamp.writeDoubleLE(atMs);
    hostHash.update(stamp).update(Uint8Array.of(chunk.length & 0xff, chunk.length >> 8)).update(chunk);
  },
  componentData(atMs, source, value) {
    componentEvents++;
    componentHash.update(`${atMs} ${source} ${value}\n`);
  },
});
const { clock, sim } = run;
for (let done = 0; done < minutes * 60_000; done += 1000) await clock.advance(1000);

const count = (kind: 'analog-read' | 'digital-read' | 'ping-response'): number => sim.trace.decoded({ kind }).length;
const pose = sim.world.pose;
const result = {
  seed,
  virtualMs: clock.monotonicMs(),
  traceDigest: sim.trace.digest(),
  traceBytes: sim.trace.totalBytes,
  analogReports: count('analog-read'),
  digitalReports: count('digital-read'),
  pings: count('ping-response'),
  hostDigest: hostHash.digest('hex'),
  hostEvents,
  componentDigest: componentHash.digest('hex'),
  componentEvents,
  pose: { xCm: pose.xCm, yCm: pose.yCm, headingRad: pose.headingRad },
};
await run.stop();
console.log(JSON.stringify(result, null, 2));
