import { beforeAll, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import { createHardwareTarget } from '../targets/hardware-target.ts';
import { servePort } from '../targets/serve-port.ts';
import { createTcpBinding } from '../targets/tcp-binding.ts';
import { main } from './main.ts';
import { preloadCommands } from './testing/preload-commands.ts';

// The commands this file runs in-process, loaded before any test's timeout starts (main.ts loads them on use).
beforeAll(() => preloadCommands('serve-port'), 60_000);

function sinks(): { io: { out: { write(s: string): void }; err: { write(s: string): void } }; text: () => string } {
  let text = '';
  const sink = { write: (s: string) => { text += s; } };
  return { io: { out: sink, err: sink }, text: () => text };
}

test('serve-port: bad options are HIL_CLI_USAGE (exit 2) and start nothing', async () => {
  for (const argv of [['serve-port'], ['serve-port', '--device', '/dev/x', '--sim-pty'], ['serve-port', '--sim-pty', '--port', '70000'], ['serve-port', '--device', '/dev/x', '--baud', 'fast']]) {
    const s = sinks();
    expect(await main(argv, s.io), argv.join(' ')).toBe(2);
    expect(s.text()).toMatch(/HIL_CLI_USAGE/);
  }
  const help = sinks();
  expect(await main(['serve-port', '--help'], help.io)).toBe(0);
  expect(help.text()).toMatch(/Serves a serial port as raw TCP[\s\S]*safe\s+stop/);
});

test('a device the bridge cannot open: the client is closed, the host fails the handshake, the bridge says why', async () => {
  const lines: string[] = [];
  const server = await servePort({ device: '/dev/ttyDOESNOTEXIST7', baudRate: 57_600, log: (l) => lines.push(l) });
  const target = createHardwareTarget({ port: server.url, binding: createTcpBinding(), firmwareTimeoutMs: 3000, versionQueryAfterMs: 100 });
  try {
    const err = await target.connect().catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_PORT_DISCONNECTED') || isHilError(err, 'HIL_FIRMWARE_TIMEOUT')).toBe(true);
    expect(lines.join('\n')).toMatch(/cannot open \/dev\/ttyDOESNOTEXIST7/);
    expect(server.busy).toBe(false);
  } finally {
    await target.dispose();
    await server.close();
  }
});
