/**
 * Every attack of issue 11 against one companion in its own process (with
 * a token, a connection cap of 64, unfinished messages closed after 1 s), while a well-behaved client stays
 * connected: the companion survives each, answers it as documented, and
 * the bystander sees no gap in its sequence numbers and is never closed.
 * The bystander's worst latency per attack is printed by
 * `npx tsx harness/bench/run.ts attack` (figures in docs/security.md).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnCompanion, type CompanionProcess } from './spawn-companion.ts';
import { ATTACKS, type AttackOutcome, type AttackTarget } from './testing/attacks.ts';
import { connectBystander, type Bystander } from './testing/bystander.ts';

const TOKEN = 'attack-test-token';
const MAX_CONNECTIONS = 64;
/** 1 s instead of the default 5 s: the attack waits this long for its closes (4 s less real time; the rule is the same). */
const MESSAGE_TIMEOUT_MS = 1000;
let companion: CompanionProcess;
let bystander: Bystander;
let target: AttackTarget;

beforeAll(async () => {
  companion = await spawnCompanion({ args: ['--token', TOKEN, '--max-connections', String(MAX_CONNECTIONS), '--message-timeout-ms', String(MESSAGE_TIMEOUT_MS)] });
  const publicUrl = companion.url.replace(/\?.*$/, '');
  target = { publicUrl, port: Number(new URL(publicUrl).port), token: TOKEN, maxConnections: MAX_CONNECTIONS, unfinishedMessageTimeoutMs: MESSAGE_TIMEOUT_MS };
  bystander = await connectBystander(publicUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
}, 30_000);

afterAll(async () => {
  bystander?.close();
  await companion?.stop();
});

/** What each attack's outcome must show. */
const EXPECT: Record<string, (o: AttackOutcome) => void> = {
  'deep JSON': (o) => expect(o.counts.tooDeep).toBe(20),
  'bad request target': (o) => expect(o.counts.status400).toBe(200),
  'cross-site origin': (o) => expect(o.counts.status403).toBe(200),
  // Burst 400 + 200/s over ~2.3 s; before the fix one client got 19,000 msg/s through.
  'batch flood': (o) => { expect(o.counts.pongs).toBeLessThan(1000); expect(o.counts.closedCode).toBe(1008); },
  'ping flood x4': (o) => expect(o.counts.pongs).toBeLessThan(4 * (400 + 200 * 2.5)),
  'rate 5x': (o) => { expect(o.counts.closedCode).toBe(1008); expect(o.counts.rateLimitedReason).toBe(1); expect(o.counts.closedAfterMs).toBeLessThan(4500); },
  'oversize frames': (o) => expect(o.counts.labelled).toBe(o.counts.clients),
  'unfinished fragments': (o) => { expect(o.counts.timedOut).toBe(o.counts.opened); expect((o.counts.opened ?? 0) + (o.counts.refused ?? 0)).toBe(o.counts.tried); },
  'connection cap': (o) => { expect(o.counts.accepted).toBeLessThanOrEqual(MAX_CONNECTIONS - 1); expect(o.counts.refused).toBeGreaterThanOrEqual(20); },
};

describe('a bystander loses nothing while the companion is attacked', () => {
  test.each(ATTACKS.map((a) => [a.name, a] as const))('%s', async (name, attack) => {
    bystander.window();
    const outcome = await attack.run(target, 0.05);
    // Let the bystander's in-flight telemetry land before the window closes.
    await new Promise((r) => setTimeout(r, 300));
    const w = bystander.window();
    expect(companion.child.exitCode, `the companion died during "${name}"`).toBeNull();
    expect(w.gaps, `${name}: ${outcome.summary}`).toBe(0);
    expect(w.closeCode).toBeNull();
    expect(w.telemetry).toBeGreaterThan(0);
    EXPECT[name]?.(outcome);
  }, 30_000);

  test('every attack has its expectations', () => {
    expect(Object.keys(EXPECT).sort()).toEqual(ATTACKS.map((a) => a.name).sort());
  });
});
