/**
 * The companion under attack, with a well-behaved client watching (not a
 * test; the test is `reference/companion/companion-attacks.test.ts`):
 * the companion in its own process on the simulated mBot, as shipped
 * (reference profile, default limits: 1,024 connections, 200 msg/s, 5 s
 * for an unfinished message), with a token. A bystander stays connected
 * throughout, in a process of its own; it reads all telemetry (50 Hz, two
 * events a tick) and pings every 100 ms. Each attack of `attacks.ts` runs once at full scale (the
 * figures of issue 11: 2,000 unfinished fragments, 19,000-msg/s batch
 * floods, ...); for each, the bystander's gaps, worst telemetry latency
 * (receive time minus the reading's due time) and worst ping round trip
 * are printed, with the companion's peak RSS (Linux) and what it did.
 * A quiet window first gives the figures without an attack.
 *
 * Run: `npx tsx harness/bench/companion-attack-bench.ts` (or `npm run bench attack`).
 * About a minute. Companion, attacker (this process) and bystander share
 * the machine's cores: on the 2-core machine an attack that keeps the
 * attacker busy also takes CPU from the other two.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PROFILES } from '../../reference/companion/profiles.ts';
import { spawnCompanion } from '../../reference/companion/spawn-companion.ts';
import { ATTACKS, type AttackTarget } from '../../reference/companion/testing/attacks.ts';
import { spawnBystander } from '../../reference/companion/testing/bystander-process.ts';
import { formatTable, type BenchRow } from './bench-util.ts';

const TOKEN = 'attack-bench-token';
const QUIET_MS = 3000;

/** RSS of `pid` in MB from /proc (null off Linux). */
function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples RSS every 100 ms until stopped; resolves with the peak. */
function peakRss(pid: number): { stop(): number | null } {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    const now = rssMb(pid);
    if (now !== null) peak = Math.max(peak ?? 0, now);
  }, 100);
  return { stop() { clearInterval(timer); return peak; } };
}

const fmt = (x: number | null, digits = 1): string => (x === null ? 'n/a' : x.toFixed(digits));

/** Runs every attack once; one row per attack (the bystander's worst telemetry latency, ms). */
export async function run(): Promise<BenchRow[]> {
  const companion = await spawnCompanion({ args: ['--token', TOKEN] });
  const rows: BenchRow[] = [];
  const lines: string[] = [];
  try {
    const publicUrl = companion.url.replace(/\?.*$/, '');
    const config = PROFILES.reference;
    const target: AttackTarget = {
      publicUrl, port: Number(new URL(publicUrl).port), token: TOKEN,
      maxConnections: config.maxConnections, unfinishedMessageTimeoutMs: config.unfinishedMessageTimeoutMs,
    };
    const bystander = await spawnBystander(publicUrl, { authorization: `Bearer ${TOKEN}` });
    const idleRss = rssMb(companion.pid);
    const windows: Array<{ name: string; what: string; summary: string; peak: number | null }> = [];
    const measure = async (name: string, what: string, work: () => Promise<string>): Promise<void> => {
      await bystander.window();
      const rss = peakRss(companion.pid);
      const summary = await work();
      await new Promise((r) => setTimeout(r, 300));
      const peak = rss.stop();
      const w = await bystander.window();
      windows.push({ name, what, summary, peak });
      const alive = companion.child.exitCode === null;
      lines.push(`${name.padEnd(22)} gaps ${w.gaps}  closed ${String(w.closeCode)}  telemetry ${String(w.telemetry).padStart(4)}  worst latency ${fmt(w.worstTelemetryMs).padStart(6)} ms  worst ping ${fmt(w.worstPingMs).padStart(6)} ms  peak RSS ${fmt(peak, 0)} MB  ${alive ? '' : 'COMPANION DIED  '}${summary}`);
      rows.push({ name: `bystander worst latency: ${name}`, unit: 'ms', median: w.worstTelemetryMs, min: w.worstTelemetryMs, max: w.worstTelemetryMs, repetitions: 1, workload: `${what}; gaps ${w.gaps}; ${summary}` });
    };
    await measure('no attack', `quiet ${QUIET_MS / 1000} s`, async () => {
      await new Promise((r) => setTimeout(r, QUIET_MS));
      return 'nothing sent';
    });
    for (const attack of ATTACKS) {
      await measure(attack.name, attack.what, async () => (await attack.run(target, 1)).summary);
      if (companion.child.exitCode !== null) break;
    }
    await bystander.close();
    console.log(`\ncompanion under attack (node ${process.version}; companion pid ${companion.pid}, idle RSS ${fmt(idleRss, 0)} MB; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at end; ${new Date().toISOString()})`);
    console.log(lines.join('\n'));
  } finally {
    await companion.stop();
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await run();
  console.log(`\n${formatTable(rows)}`);
}
