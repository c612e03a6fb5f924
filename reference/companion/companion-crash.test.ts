/**
 * No input crashes a server (issue 11, item 4). Each attack goes to a
 * companion in its own process, as a system under test runs, so a crash
 * shows as the child's exit instead of taking the test runner with it:
 * a 10 KB frame of JSON nested 5,000 deep (a RangeError from
 * JSON.stringify used to kill the companion), and, with a token set, an
 * upgrade request for `GET //a:99999/` (`new URL()` used to throw before
 * authentication). A bystander connected throughout sees no gap in its
 * sequence numbers.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnCompanion, type CompanionProcess } from './spawn-companion.ts';
import { connectTestClient } from './test-client.ts';
import { connectBystander, type Bystander } from './testing/bystander.ts';
import { rawRequest, upgradeRequest } from './testing/raw-http.ts';

const TOKEN = 'crash-test-token';
let companion: CompanionProcess;
let bystander: Bystander;

beforeAll(async () => {
  companion = await spawnCompanion({ args: ['--token', TOKEN] });
  bystander = await connectBystander(companion.url);
}, 30_000);

afterAll(async () => {
  bystander?.close();
  await companion?.stop();
});

const alive = (): boolean => companion.child.exitCode === null && companion.child.signalCode === null;
const portOf = (url: string): number => Number(new URL(url).port);

/** JSON nested `depth` deep inside a ping's payload: `{"version":2,"type":"ping","payload":[[[...]]]}`. */
const deepPing = (depth: number): string => `{"version":2,"type":"ping","timestamp":1,"payload":${'['.repeat(depth)}${']'.repeat(depth)}}`;

describe('the companion survives hostile input', () => {
  test('a 10 KB frame of JSON nested 5,000 deep gets HIL_PROTOCOL_TOO_DEEP; the companion and its other clients carry on', async () => {
    bystander.window();
    const sender = await connectTestClient(companion.url);
    const frame = deepPing(5000);
    expect(frame.length).toBeGreaterThan(10_000);
    sender.send(frame);
    const error = await sender.next((m) => (m.payload as { event?: string }).event === 'protocol_error', 3000).catch(() => null);
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(), 'the companion process died').toBe(true);
    expect((error?.payload as { data?: { code?: string } } | undefined)?.data?.code).toBe('HIL_PROTOCOL_TOO_DEEP');
    // The sender is still served: a ping of ordinary depth is answered.
    const before = sender.messages.length;
    sender.send({ version: 2, type: 'ping', payload: { n: 1 }, timestamp: Date.now() });
    await sender.next((m) => m.type === 'pong', 2000, before);
    sender.close();
    const w = bystander.window();
    expect(w.gaps).toBe(0);
    expect(w.closeCode).toBeNull();
    expect(w.telemetry).toBeGreaterThan(0);
  }, 20_000);

  test('an upgrade for GET //a:99999/ is a 400 before authentication, and the companion lives', async () => {
    bystander.window();
    const port = portOf(companion.url);
    const reply = await rawRequest(port, upgradeRequest('//a:99999/', `127.0.0.1:${port}`));
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(), 'the companion process died').toBe(true);
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/HIL_PROTOCOL_BAD_REQUEST/);
    // A plain GET with the same path is answered too (426 or 400), never a crash.
    const plain = await rawRequest(port, `GET //a:99999/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(plain.status).not.toBeNull();
    expect(alive()).toBe(true);
    const w = bystander.window();
    expect(w.gaps).toBe(0);
    expect(w.closeCode).toBeNull();
  }, 20_000);
});
