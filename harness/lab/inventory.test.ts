import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { currentCapabilities, requireCapability, skipUnlessCapable } from './capabilities.ts';
import { benchPort, currentBench, InventoryLoadError, loadInventory, parseInventory, withBenchPort } from './inventory.ts';

const GOOD = `# the lab
benches:
  - name: bench-a
    port: /dev/ttyUSB0
    capabilities: [pen, ultrasonic, line-follower]
  - name: bench-b
    serial_number: "A6008isP"
    capabilities: [ultrasonic]
    description: no pen arm yet
`;

function lab(text = GOOD): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'hil-lab-'));
  writeFileSync(join(dir, 'benches.yml'), text);
  return { dir, env: { HIL_BENCH_INVENTORY: join(dir, 'benches.yml'), HIL_TARGET: 'hardware' } };
}

function problems(text: string): string[] {
  try {
    parseInventory('benches.yml', text);
  } catch (err) {
    if (err instanceof InventoryLoadError) return err.problems.map((p) => p.message);
    throw err;
  }
  return [];
}

describe('bench inventory', () => {
  test('loads benches with port or serial number, capabilities and where each is declared', () => {
    const inv = parseInventory('benches.yml', GOOD);
    expect(inv.benches.map((b) => [b.name, b.port, b.serialNumber, [...b.capabilities]])).toEqual([
      ['bench-a', '/dev/ttyUSB0', undefined, ['pen', 'ultrasonic', 'line-follower']],
      ['bench-b', undefined, 'A6008isP', ['ultrasonic']],
    ]);
    expect(inv.find('bench-b')?.location).toEqual({ file: 'benches.yml', line: 6, column: 5 });
  });

  test('reports every problem together with file, line and column', () => {
    const text = `benches:
  - name: bench a
    port: /dev/ttyUSB0
    capabilites: [pen]
  - name: ok
    capabilities: [pen, laser]
  - name: dup
    port: /dev/ttyUSB0
`;
    expect(problems(text)).toEqual([
      'HIL_CONFIG_INVALID: benches.yml:2:11: `benches[0].name`: bench name `bench a` may hold only letters, digits, `.`, `_` and `-` (it becomes HIL_BENCH and a report label)',
      'HIL_CONFIG_INVALID: benches.yml:4:18: `benches[0]`: unknown key `capabilites`; a bench has name, port, serial_number, capabilities and description',
      expect.stringMatching(/^HIL_CONFIG_INVALID: benches\.yml:5:5: `benches\[1\]`: this bench has neither `port:` nor `serial_number:`/),
      'HIL_CONFIG_INVALID: benches.yml:6:25: `benches[1].capabilities[1]`: unknown capability `laser`; use one of ultrasonic, light-sensor, button, buzzer, rgb-leds, line-follower, ir-receiver, pen, pose, odometer, obstacle, unplug, noise, line-track, arena, jig, or `x-<name>` for your own',
    ]);
  });

  test('duplicate names, ports and serial numbers point at the second one and name the first', () => {
    const text = 'benches:\n  - { name: a, port: /dev/ttyUSB0 }\n  - { name: a, port: /dev/ttyUSB0 }\n';
    expect(problems(text)).toEqual([
      'HIL_CONFIG_INVALID: benches.yml:3:13: bench name `a` is already used at benches.yml:2:13; each bench needs its own',
      'HIL_CONFIG_INVALID: benches.yml:3:22: port `/dev/ttyUSB0` is already used at benches.yml:2:22; each bench needs its own',
    ]);
  });

  test('YAML syntax errors and an empty list are located too; x- capabilities are allowed', () => {
    expect(problems('benches:\n  - name: [a\n')[0]).toMatch(/^HIL_CONFIG_INVALID: benches\.yml:\d+:\d+: .*fix the YAML syntax here/);
    expect(problems('benches: []\n')).toEqual(['HIL_CONFIG_INVALID: benches.yml:1:10: `benches`: `benches:` is empty; list at least one bench']);
    expect(problems('benches:\n  - { name: a, port: p, capabilities: [x-gripper] }\n')).toEqual([]);
  });

  test('HIL_BENCH selects a bench; an unknown one or a missing file says what to do', () => {
    const { dir, env } = lab();
    expect(currentBench({ ...env, HIL_BENCH: 'bench-b' })?.name).toBe('bench-b');
    expect(currentBench(env)).toBeUndefined();
    expect(() => currentBench({ ...env, HIL_BENCH: 'bench-z' })).toThrow(/HIL_CONFIG_INVALID: HIL_BENCH=bench-z is not in .*benches\.yml; it lists bench-a, bench-b/);
    expect(() => loadInventory(undefined, {}, join(dir, 'elsewhere'))).toThrow(/HIL_CONFIG_INVALID: no bench inventory at .*benches\.yml.*HIL_BENCH_INVENTORY/);
  });

  test('the port comes from the inventory, or from the USB serial number in a port listing; HIL_PORT wins', () => {
    const { env } = lab();
    const listing = { ports: [{ path: '/dev/ttyUSB3', serialNumber: 'A6008isP', byId: '/dev/serial/by-id/usb-FTDI_A6008isP-if00-port0' }] };
    expect(withBenchPort({ ...env, HIL_BENCH: 'bench-a' }).HIL_PORT).toBe('/dev/ttyUSB0');
    expect(withBenchPort({ ...env, HIL_BENCH: 'bench-b' }, listing).HIL_PORT).toBe('/dev/serial/by-id/usb-FTDI_A6008isP-if00-port0');
    expect(withBenchPort({ ...env, HIL_BENCH: 'bench-a', HIL_PORT: '/dev/ttyACM0' }).HIL_PORT).toBe('/dev/ttyACM0');
    expect(withBenchPort({ HIL_BENCH: 'label-only', HIL_BENCH_INVENTORY: '/nowhere/benches.yml' })).toEqual({ HIL_BENCH: 'label-only', HIL_BENCH_INVENTORY: '/nowhere/benches.yml' });
    expect(() => withBenchPort({ ...env, HIL_BENCH: 'bench-z' })).toThrow(/HIL_CONFIG_INVALID: HIL_BENCH=bench-z is not in/);
    expect(() => benchPort(currentBench({ ...env, HIL_BENCH: 'bench-b' })!)).toThrow(/HIL_PORT_NOT_FOUND: bench bench-b: no serial port has USB serial number A6008isP/);
  });
});

describe('requireCapability', () => {
  const { env } = lab();

  test('the simulator and the PTY stand-in have every capability', () => {
    expect(requireCapability('pen', { HIL_TARGET: 'sim' })).toBeUndefined();
    expect(requireCapability(['pen', 'line-follower'], {})).toBeUndefined();
    expect(requireCapability('pen', { HIL_TARGET: 'hardware', HIL_PORT: 'sim-pty' })).toBeUndefined();
    expect(currentCapabilities({}).has('arena')).toBe(true);
  });

  test('a bench with the capability runs; one without it skips, naming the bench, the file and where it runs', () => {
    expect(requireCapability('pen', { ...env, HIL_BENCH: 'bench-a' })).toBeUndefined();
    expect(requireCapability('pen', { ...env, HIL_BENCH: 'bench-b' })).toMatch(/^bench bench-b has no pen \(.*benches\.yml:6\); runs on bench bench-a and the simulator$/);
    expect(requireCapability(['ultrasonic', 'line-follower'], { ...env, HIL_BENCH: 'bench-b' })).toMatch(/has no line-follower/);
    expect([...currentCapabilities({ ...env, HIL_BENCH: 'bench-b' })]).toEqual(['ultrasonic']);
  });

  test('real hardware without a known bench skips with the variable to set; a typo in a spec throws', () => {
    expect(requireCapability('pen', { HIL_TARGET: 'hardware', HIL_PORT: '/dev/ttyUSB0' })).toMatch(/the bench is unknown \(set HIL_BENCH to a bench of benches\.yml that has it\)/);
    expect(requireCapability('pen', { HIL_TARGET: 'hardware', HIL_BENCH: 'x', HIL_BENCH_INVENTORY: '/nowhere/benches.yml' })).toMatch(/HIL_BENCH=x but there is no bench inventory at \/nowhere\/benches\.yml/);
    expect(() => requireCapability('pens', {})).toThrow(/HIL_CONFIG_INVALID: unknown capability "pens"/);
  });

  test('skipUnlessCapable calls the context\'s skip with the reason', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, env, { HIL_BENCH: 'bench-b' });
      const calls: string[] = [];
      const ctx = { skip: (note?: string): never => { calls.push(note ?? ''); throw new Error('skipped'); } };
      expect(() => skipUnlessCapable(ctx, 'pen')).toThrow('skipped');
      expect(calls[0]).toMatch(/bench bench-b has no pen/);
      expect(() => skipUnlessCapable(ctx, 'ultrasonic')).not.toThrow();
    } finally {
      for (const k of ['HIL_BENCH', 'HIL_BENCH_INVENTORY', 'HIL_TARGET']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
