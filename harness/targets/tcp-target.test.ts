// Remote benches: HIL_PORT=tcp://host:port through `mbot-hil serve-port`'s bridge, on loopback, to the
// simulator behind a PTY (needs python3 or socat; skipped with the reason when both are missing).
import { createConnection, createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import { ptyPairAvailable } from '../../simulators/pty/pty-pair.ts';
import { startPtyStandIn, type PtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { writeStopSync } from './exit-guard.ts';
import { MBOT_SAFE_STOP_PINS, safeStopBytes } from '../mbot/firmata-bytes.ts';
import { createHardwareTarget } from './hardware-target.ts';
import { driveBoth } from './testing/drive-both.ts';
import { createTarget, readTargetSettings } from './select-target.ts';
import { servePort, type PortServer } from './serve-port.ts';
import { createTcpBinding, parseTcpAddress, type TcpPortBinding } from './tcp-binding.ts';
import type { Target } from './target.ts';
import { realWaitUntil } from '../clock/real-time.ts';

const until = (pred: () => boolean, ms = 2000): Promise<boolean> => realWaitUntil(pred, ms, 10);

test('tcp:// addresses are checked: HIL_CONFIG_INVALID says how to write one', () => {
  expect(parseTcpAddress('tcp://bench-3.lab:4001')).toEqual({ host: 'bench-3.lab', port: 4001 });
  expect(parseTcpAddress('tcp://[::1]:4001')).toEqual({ host: '::1', port: 4001 });
  for (const bad of ['tcp://bench', 'tcp://:4001', 'tcp://h:99999', 'tcp://h:1/x', 'tcp://a b:1']) {
    expect(() => parseTcpAddress(bad), bad).toThrow(/HIL_CONFIG_INVALID: HIL_PORT=.* write tcp:\/\/<host>:<port>/);
  }
  expect(() => readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'tcp://nohost' })).not.toThrow();
});

test('nothing listening: HIL_PORT_OPEN_FAILED naming the address and ser2net/serve-port', async () => {
  // A port that was free a moment ago: listen, note it, close.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: `tcp://127.0.0.1:${port}` }));
  try {
    const err = await target.connect().catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_PORT_OPEN_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`tcp://127.0.0.1:${port}.*ECONNREFUSED.*serve-port`));
  } finally {
    await target.dispose();
  }
});

describe.skipIf(!ptyPairAvailable())('remote bench on loopback: tcp:// -> serve-port -> PTY stand-in (needs python3 or socat)', () => {
  let standIn: PtyStandIn | undefined;
  let server: PortServer | undefined;
  let target: Target | undefined;
  afterEach(async () => {
    await target?.dispose();
    await server?.close();
    await standIn?.close();
    target = server = standIn = undefined;
  });

  async function remoteBench(stopOnDisconnect = true): Promise<{ standIn: PtyStandIn; server: PortServer; target: Target }> {
    standIn = await startPtyStandIn({ seed: 4, resetDelayMs: 300 });
    server = await servePort({ device: standIn.hostPath, baudRate: 57_600, stopOnDisconnect });
    target = createHardwareTarget({ port: server.url, binding: createTcpBinding(), firmwareTimeoutMs: 5000, versionQueryAfterMs: 100, jig: standIn.jig });
    return { standIn, server, target };
  }

  test('the robot answers and drives over tcp://; close() stops it before the socket closes', async () => {
    // The bridge does not stop here: what stops the robot is the host's own stop, sent before its socket closes.
    const { standIn: s, server: srv, target: t } = await remoteBench(false);
    const live = await t.connect();
    expect(live.firmware.name).toContain('StandardFirmata');
    expect(t.info.port).toBe(srv.url);
    driveBoth(live, 180);
    expect(await until(() => s.sim.world.wheels.left !== 0 && s.sim.world.wheels.right !== 0)).toBe(true);
    await t.close();
    expect(await until(() => !srv.busy)).toBe(true);
    // The bytes still cross the relay and the simulated UART after the bridge let go of the device.
    expect(await until(() => s.sim.world.wheels.left === 0 && s.sim.world.wheels.right === 0)).toBe(true);
    // A second client is served after the first left (the device is opened per client).
    const again = await t.connect();
    expect(again.io.isReady).toBe(true);
    expect(srv.served).toBe(2);
  }, 20_000);

  test('a cut connection fails with HIL_PORT_DISCONNECTED within 1 s, and the bridge stops the robot', async () => {
    const { standIn: s, server: srv, target: t } = await remoteBench();
    const live = await t.connect();
    driveBoth(live, 150);
    expect(await until(() => s.sim.world.wheels.left !== 0)).toBe(true);
    const heard = new Promise<unknown>((resolve) => t.onDisconnect(resolve));
    const t0 = performance.now();
    await srv.cutClient();
    const err = await heard;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(isHilError(err, 'HIL_PORT_DISCONNECTED')).toBe(true);
    expect((err as Error).message).toContain(srv.url);
    expect(t.connected).toBeNull();
    expect(await until(() => s.sim.world.wheels.left === 0 && s.sim.world.wheels.right === 0)).toBe(true);
  }, 20_000);

  test('the check above can fail: a bridge told not to stop (--no-stop, as ser2net) leaves the robot driving after a cut', async () => {
    const { standIn: s, server: srv, target: t } = await remoteBench(false);
    const live = await t.connect();
    driveBoth(live, 150);
    expect(await until(() => s.sim.world.wheels.left !== 0)).toBe(true);
    await srv.cutClient();
    await new Promise((r) => setTimeout(r, 300));
    expect(s.sim.world.wheels.left).not.toBe(0);
  }, 20_000);

  test("the exit guard's last synchronous stop reaches the robot through the socket's descriptor", async () => {
    const { standIn: s, target: t } = await remoteBench();
    const live = await t.connect();
    driveBoth(live, 120);
    expect(await until(() => s.sim.world.wheels.right !== 0)).toBe(true);
    const fd = (live.port.port as unknown as TcpPortBinding).fd;
    expect(typeof fd).toBe('number');
    expect(writeStopSync(fd, safeStopBytes(MBOT_SAFE_STOP_PINS, live.io.ports))).toBe(true);
    expect(await until(() => s.sim.world.wheels.left === 0 && s.sim.world.wheels.right === 0)).toBe(true);
  }, 20_000);

  test('the bridge serves one client at a time: a second is refused while the first holds the robot', async () => {
    const { server: srv, target: t } = await remoteBench();
    await t.connect();
    const { port } = parseTcpAddress(srv.url);
    const closed = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: '127.0.0.1', port });
      c.on('close', () => resolve(true));
      c.on('error', () => {});
      setTimeout(() => { c.destroy(); resolve(false); }, 2000).unref();
    });
    expect(closed).toBe(true);
    expect(t.connected).not.toBeNull();
    expect(srv.served).toBe(1);
  }, 20_000);

  test('HIL_PORT=sim-tcp: the stand-in over a loopback bridge, with its jig, as one target', async () => {
    target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'sim-tcp', HIL_SEED: '2' }));
    const live = await target.connect();
    expect(target.info.port).toMatch(/^sim-tcp:tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(target.info.bench).toMatch(/over a loopback TCP bridge/);
    expect(live.firmware.version).toMatch(/^2\./);
    target.jig?.setLightLevel(700);
    expect(target.jig?.capabilities.has('unplug')).toBe(true);
  }, 20_000);
});
