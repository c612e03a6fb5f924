/**
 * Review runner: a PTY stand-in, a child Vitest (review/vitest.config.ts, the hardware
 * project's settings) running the chosen cases of review/cases.scenario.ts against it,
 * actions done to the run once a marker speed shows on the wire, then what the robot
 * received, timed on the stand-in's clock.
 *
 *   npx tsx review/case-run.ts '<json plan>'
 * plan: { cases: string[], trigger?: number, actAfterMs?: number,
 *         actions?: Array<{ signal?: string, to?: 'group'|'main'|'worker'|'workers+main', unplug?: true, replugAfterMs?: number, waitMs?: number }>,
 *         observeMs?: number, vitestArgs?: string[], pipeHead?: boolean }
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realSleep } from '../harness/clock/real-time.ts';
import { startPtyStandIn } from '../simulators/pty/pty-stand-in.ts';
import { childVitestEnv, REPO_ROOT } from '../fixtures/safety/child-vitest.ts';
import { readSafetyEvents, SAFETY_EVENTS_ENV } from '../fixtures/safety/events.ts';
import { epochToStandInMs, sawSpeed, writesOf } from '../fixtures/safety/exit-run.ts';
import { describeLatency, stopLatency } from '../fixtures/safety/stop-latency.ts';

interface Action { signal?: NodeJS.Signals; to?: 'group' | 'main' | 'worker'; unplug?: boolean; replugAfterMs?: number; waitMs?: number }
interface Plan { cases: string[]; trigger?: number; actAfterMs?: number; actions?: Action[]; observeMs?: number; vitestArgs?: string[]; pipeHead?: boolean; sameSession?: boolean; env?: Record<string, string> }

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/u.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}
function groupAlive(pgid: number): boolean {
  try { process.kill(-pgid, 0); return true; } catch { return false; }
}
function groupMembers(pgid: number): string {
  try { return execFileSync('ps', ['-o', 'pid,ppid,pgid,stat,comm', '-e'], { encoding: 'utf8' }).split('\n').filter((l) => l.trim().split(/\s+/u)[2] === String(pgid)).join(' | '); } catch { return '(none)'; }
}

async function main(): Promise<void> {
  const standIn = await startPtyStandIn({ seed: 1, resetDelayMs: 300 });
  const { clock } = standIn;
  const dir = mkdtempSync(join(tmpdir(), 'rev23a-'));
  const eventsFile = join(dir, 'events.jsonl');
  const events: Array<{ name: string; atMs: number }> = [];
  const at = (name: string): void => { events.push({ name, atMs: clock.monotonicMs() }); };
  let output = '';
  let exit: { code: number | null; signal: string | null; atMs: number } | null = null;
  let pid = -1;
  try {
    const vitest = [process.execPath, join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'review/vitest.config.ts', '--reporter=dot', ...(plan.vitestArgs ?? []), 'review/cases.scenario.ts'];
    const q = (a: string): string => `'${a.replace(/'/gu, `'\\''`)}'`;
    const cmd = plan.pipeHead ? `ulimit -c 0; ${vitest.map(q).join(' ')} | head -c 1` : `ulimit -c 0; exec ${vitest.map(q).join(' ')}`;
    // sameSession: a process group of its own in this session (not orphaned: job-control stops work, as in a terminal).
    const child = plan.sameSession
      ? spawn('perl', ['-e', 'setpgrp(0,0); exec @ARGV', '/bin/sh', '-c', cmd], { cwd: REPO_ROOT, env: childVitestEnv(standIn.hostPath, { [SAFETY_EVENTS_ENV]: eventsFile, HIL_REVIEW_CASES: plan.cases.join(','), ...plan.env }), stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', cmd], {
      cwd: REPO_ROOT,
      env: childVitestEnv(standIn.hostPath, { [SAFETY_EVENTS_ENV]: eventsFile, HIL_REVIEW_CASES: plan.cases.join(','), ...plan.env }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pid = child.pid ?? -1;
    child.stdout?.on('data', (b: Buffer) => { output += b.toString(); });
    child.stderr?.on('data', (b: Buffer) => { output += b.toString(); });
    child.once('exit', (code, signal) => { exit = { code, signal, atMs: clock.monotonicMs() }; at('main-exit'); });
    const startMs = clock.monotonicMs();
    let acted = false;
    if (plan.trigger !== undefined) {
      while (exit === null && clock.monotonicMs() - startMs < 40_000 && !sawSpeed(standIn, plan.trigger)) await realSleep(20);
      if (sawSpeed(standIn, plan.trigger)) {
        at('trigger');
        await realSleep(plan.actAfterMs ?? 300);
        for (const a of plan.actions ?? []) {
          if (a.waitMs) await realSleep(a.waitMs);
          if (a.signal) {
            const mainPid = plan.pipeHead ? (childrenOf(pid).find(() => true) ?? pid) : pid;
            const targets = a.to === 'group' ? [-pid] : a.to === 'worker' ? childrenOf(mainPid) : [mainPid];
            process.stderr.write(`signal ${a.signal} to ${a.to}: ${JSON.stringify(targets)}\n${groupMembers(pid)}\n`);
            at(`signal`);
            for (const t of targets) { try { process.kill(t, a.signal); } catch (e) { process.stderr.write(`kill ${t}: ${String(e)}\n`); } }
          }
          if (a.unplug) {
            at('unplug');
            await standIn.unplug();
            await realSleep(a.replugAfterMs ?? 300);
            at('replug');
            await standIn.replug();
            at('back');
          }
        }
        acted = true;
      }
    }
    const watchFrom = clock.monotonicMs();
    const observeMs = plan.observeMs ?? 4000;
    while (groupAlive(pid) && clock.monotonicMs() - startMs < 60_000 && clock.monotonicMs() - watchFrom < observeMs) await realSleep(20);
    const alive = groupAlive(pid);
    const left = alive ? groupMembers(pid) : '';
    at(alive ? 'observe-end (group still alive)' : 'all-gone');
    // Keep watching the wire a little longer when the group is gone, to see whether the robot still runs.
    await realSleep(1000);
    if (alive) { try { process.kill(-pid, 'SIGCONT'); process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
    for (let w = 0; exit === null && w < 3000; w += 20) await realSleep(20);
    await realSleep(100);
    for (const e of readSafetyEvents(eventsFile)) events.push({ name: e.name, atMs: epochToStandInMs(standIn, e.epochMs) });
    events.sort((a, b) => a.atMs - b.atMs);
    const { motorWrites, digitalWrites } = writesOf(standIn);
    const until = clock.monotonicMs();
    const pin8 = digitalWrites.filter((w) => w.pin === 8);
    const res: Record<string, unknown> = { acted, events: events.map((e) => `${e.name}@${e.atMs.toFixed(0)}`), exit, leftAlive: left };
    const mark = events.find((e) => e.name !== 'trigger' && e.name !== 'main-exit' && !e.name.startsWith('observe') && e.name !== 'all-gone' && e.name !== 'test-end')
      ?? events.find((e) => e.name === 'trigger');
    if (mark) {
      const l = stopLatency(motorWrites, mark.atMs);
      res.fromEvent = mark.name;
      res.motors = describeLatency(l, until);
      res.pwmAtEvent = l.pwmAtEvent;
      const after = pin8.filter((w) => w.atMs > mark.atMs);
      const lastHigh = [...pin8].reverse().find((w) => w.value !== 0);
      res.pin8 = { writesBefore: pin8.filter((w) => w.atMs <= mark.atMs).length, writesAfter: after.length, lastWrite: pin8.at(-1) ? `${pin8.at(-1)?.value}@${pin8.at(-1)?.atMs.toFixed(0)}` : null, lastHighAfterEventMs: lastHigh && lastHigh.atMs > mark.atMs ? +(lastHigh.atMs - mark.atMs).toFixed(1) : null };
      res.buzzerHzNow = String(standIn.jig.buzzerHz());
      const dec = standIn.sim.trace.decoded({ dir: 'to-device' });
      const firstZero = motorWrites.find((w) => w.atMs > mark.atMs && w.value === 0);
      const between = dec.filter((e) => e.atMs > mark.atMs && e.atMs < (firstZero?.atMs ?? Infinity));
      const kinds: Record<string, number> = {};
      for (const e of between) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
      res.betweenEventAndFirstZero = kinds;
      res.firstZeroAfterEventMs = firstZero ? +(firstZero.atMs - mark.atMs).toFixed(1) : null;
      const lastBefore = dec.filter((e) => e.atMs <= mark.atMs).at(-1);
      res.lastMsgBeforeEvent = lastBefore ? `${lastBefore.kind}@${lastBefore.atMs.toFixed(0)}` : null;
      res.lastMotor = motorWrites.slice(-4).map((w) => `${w.atMs.toFixed(0)}:p${w.pin}=${w.value}`);
    }
    res.observedUntil = until.toFixed(0);
    process.stdout.write(`${JSON.stringify(res, null, 1)}\n`);
    if (process.env.REV_OUTPUT) process.stdout.write(`--- child output ---\n${output.slice(-4000)}\n`);
  } finally {
    if (pid > 0 && groupAlive(pid)) { try { process.kill(-pid, 'SIGCONT'); process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
    await standIn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
void main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
