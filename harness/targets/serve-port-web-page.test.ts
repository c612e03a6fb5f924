// No web page drives the robot through `mbot-hil serve-port`. A browser cannot open a raw TCP socket, but any
// page can POST to any loopback port (`fetch(url, { method: 'POST', mode: 'no-cors', body: bytes })`): the request
// line and headers are ASCII, which Firmata ignores as stray data bytes, and the body is whatever bytes the page
// likes. Before the bridge looked at a client's first bytes, such a body reached the board as Firmata, and a page
// from another loopback origin in a real headless Chromium drove both wheels at PWM 180.
// Needs python3 or socat for the PTY stand-in (skipped with the reason otherwise); the browser case also Chromium.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, test } from 'vitest';
import { realWaitUntil } from '../clock/real-time.ts';
import { findChromium } from '../probes/chromium-find.ts';
import { CHROMIUM_FLAGS } from '../probes/chromium-launch.ts';
import { ptyPairAvailable } from '../../simulators/pty/pty-pair.ts';
import { startPtyStandIn, type PtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { analogWriteBytes, digitalPortBytes, FIRMATA } from '../mbot/firmata-bytes.ts';
import { looksLikeWebRequest, servePort, type PortServer } from './serve-port.ts';

const PWM = 3;
const OUTPUT = 1;
/** Both motors forward at PWM 180, as raw Firmata: direction pins 7 and 4 OUTPUT and high, PWM pins 6 and 5 at 180. */
const DRIVE = [
  FIRMATA.SET_PIN_MODE, 7, OUTPUT, FIRMATA.SET_PIN_MODE, 4, OUTPUT,
  ...digitalPortBytes(0, (1 << 7) | (1 << 4)),
  FIRMATA.SET_PIN_MODE, 6, PWM, FIRMATA.SET_PIN_MODE, 5, PWM,
  ...analogWriteBytes(6, 180), ...analogWriteBytes(5, 180),
];

const where = findChromium();
const pty = ptyPairAvailable();
let standIn: PtyStandIn | undefined;
let server: PortServer | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
  await standIn?.close();
  server = standIn = undefined;
});

async function bench(): Promise<{ standIn: PtyStandIn; server: PortServer; log: string[] }> {
  const log: string[] = [];
  standIn = await startPtyStandIn({ seed: 4, resetDelayMs: 300 });
  server = await servePort({ device: standIn.hostPath, baudRate: 57_600, log: (line) => log.push(line) });
  return { standIn, server, log };
}

const moving = (s: PtyStandIn): boolean => s.sim.world.wheels.left !== 0 || s.sim.world.wheels.right !== 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Connects; sends `head` at once and `body` once the board is past its reset; resolves with what came back and whether the socket closed. */
async function client(port: number, head: Buffer, body: Buffer): Promise<{ closed: boolean; received: string }> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  cleanups.push(() => { socket.destroy(); });
  let closed = false;
  let received = '';
  socket.on('data', (d: Buffer) => { received += d.toString('latin1'); });
  socket.on('close', () => { closed = true; });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  if (head.length > 0) socket.write(head);
  await sleep(700);
  if (!socket.destroyed) socket.write(body);
  await sleep(800);
  return { closed, received };
}

test('a client is a web request when it starts as one (an HTTP method or a TLS handshake), never when it starts as Firmata or STK500', () => {
  for (const s of ['GET / HTTP/1.1', 'POST / HTTP/1.1', 'OPTIONS * HTTP/1.1', 'PRI * HTTP/2.0', 'custom / HTTP/1.1']) expect(looksLikeWebRequest(Buffer.from(s)), s).toBe(true);
  expect(looksLikeWebRequest(Buffer.from([0x16, 0x03, 0x01]))).toBe(true);
  for (const b of [[0xf9], [0xf0, 0x79, 0xf7], [0xe6, 0x34, 0x01], [0x30, 0x20], [0xff, 0x55]]) expect(looksLikeWebRequest(Buffer.from(b)), String(b)).toBe(false);
});

describe.skipIf(!pty)('serve-port refuses web requests (needs python3 or socat)', () => {
  test('raw Firmata from a client drives the robot (the check below can fail)', async () => {
    const { standIn: s, server: srv } = await bench();
    await client(srv.port, Buffer.alloc(0), Buffer.from(DRIVE));
    expect(moving(s)).toBe(true);
  }, 20_000);

  test('the same bytes as the body of an HTTP POST reach nothing: the client is cut, answered 400 with the code, and told why in the log', async () => {
    const { standIn: s, server: srv, log } = await bench();
    const body = Buffer.from(DRIVE);
    const head = Buffer.from(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`);
    const got = await client(srv.port, head, body);
    expect(moving(s), `wheels ${JSON.stringify(s.sim.world.wheels)}`).toBe(false);
    expect(got.closed).toBe(true);
    expect(got.received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*HIL_PORT_FOREIGN_PROTOCOL/);
    expect(log.join('\n')).toMatch(/refused .*HTTP or TLS request/);
    // The slot is free again for a real host.
    expect(await realWaitUntil(() => !srv.busy, 2000, 10)).toBe(true);
  }, 20_000);

  test.skipIf(!where.found)(`a page from another loopback origin in a real Chromium cannot drive the robot with fetch()${where.found ? '' : ` [skipped: ${where.found ? '' : where.reason}]`}`, async () => {
    const { standIn: s, server: srv } = await bench();
    // The body repeats the drive 4,000 times (60 KB) so that some of it lands after the board's reset, as an attacker would.
    const page = `<!doctype html><script>
      const cmd = ${JSON.stringify(DRIVE)};
      const body = new Uint8Array(cmd.length * 4000);
      for (let i = 0; i < 4000; i++) body.set(cmd, i * cmd.length);
      window.__sent = fetch('http://127.0.0.1:${srv.port}/', { method: 'POST', mode: 'no-cors', body }).then(() => 'answered', (e) => 'failed ' + e);
    </script>`;
    const pages: Server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end(page); });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => { pages.closeAllConnections(); pages.close(() => resolve()); }));
    const browser = await chromium.launch({ executablePath: where.found ? where.executablePath : '', headless: true, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
    cleanups.push(() => browser.close());
    const tab = await browser.newPage();
    let sawMotion = false;
    const watch = setInterval(() => { sawMotion ||= moving(s); }, 10);
    cleanups.push(() => clearInterval(watch));
    await tab.goto(`http://127.0.0.1:${(pages.address() as AddressInfo).port}/`, { waitUntil: 'load' });
    // Until the page's POST has had its answer (or its failure), then long enough for a drive to show.
    const outcome = await tab.evaluate(() => (window as unknown as { __sent: Promise<string> }).__sent);
    await sleep(500);
    expect(sawMotion, `the wheels turned while the page posted to serve-port (its fetch: ${outcome})`).toBe(false);
    expect(srv.served).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
