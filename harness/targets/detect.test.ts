import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import { describePorts, detectMbotPort, listPorts, normaliseUsbId, requireExistingPort, scanSysfs, type PortListing } from './detect.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake /dev and /sys/class/tty with USB devices, as the kernel lays them out. */
function fakeTree(devices: Array<{ name: string; vid?: string; pid?: string; byId?: string; manufacturer?: string }>): { devDir: string; sysTtyDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'hil-detect-'));
  dirs.push(root);
  const devDir = join(root, 'dev');
  const sysTtyDir = join(root, 'sys', 'class', 'tty');
  mkdirSync(join(devDir, 'serial', 'by-id'), { recursive: true });
  mkdirSync(sysTtyDir, { recursive: true });
  devices.forEach((d, i) => {
    writeFileSync(join(devDir, d.name), '');
    const usbDev = join(root, 'sys', 'devices', `usb1`, `1-${i + 1}`);
    const iface = join(usbDev, `1-${i + 1}:1.0`);
    mkdirSync(iface, { recursive: true });
    if (d.vid) writeFileSync(join(usbDev, 'idVendor'), `${d.vid}\n`);
    if (d.pid) writeFileSync(join(usbDev, 'idProduct'), `${d.pid}\n`);
    if (d.manufacturer) writeFileSync(join(usbDev, 'manufacturer'), `${d.manufacturer}\n`);
    // usb-serial (ttyUSB) hangs a port device below the interface; cdc-acm (ttyACM) links the interface itself.
    const deviceDir = d.name.startsWith('ttyUSB') ? join(iface, d.name) : iface;
    mkdirSync(deviceDir, { recursive: true });
    mkdirSync(join(sysTtyDir, d.name), { recursive: true });
    symlinkSync(deviceDir, join(sysTtyDir, d.name, 'device'));
    if (d.byId) symlinkSync(join(devDir, d.name), join(devDir, 'serial', 'by-id', d.byId));
  });
  return { devDir, sysTtyDir };
}

const udevMissing = (): Promise<never> => Promise.reject(new Error('spawn udevadm ENOENT'));

describe('port listing', () => {
  test('uses SerialPort.list() when it works and normalises the ids', async () => {
    const listing = await listPorts({ list: async () => [{ path: '/dev/ttyUSB0', vendorId: '1A86', productId: '7523', manufacturer: 'wch.cn' }] });
    expect(listing).toEqual({ method: 'serialport', ports: [{ path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523', manufacturer: 'wch.cn' }] });
  });

  test('falls back to /dev and /sys when udevadm is missing, and says why', async () => {
    const roots = fakeTree([
      { name: 'ttyUSB0', vid: '1a86', pid: '7523', byId: 'usb-1a86_USB_Serial-if00-port0', manufacturer: 'QinHeng' },
      { name: 'ttyACM0', vid: '2341', pid: '0043' },
    ]);
    const listing = await listPorts({ list: udevMissing, roots });
    expect(listing.method).toBe('sysfs');
    expect(listing.fallbackReason).toBe('spawn udevadm ENOENT');
    expect(listing.ports).toEqual([
      { path: join(roots.devDir, 'ttyACM0'), vendorId: '2341', productId: '0043' },
      { path: join(roots.devDir, 'ttyUSB0'), vendorId: '1a86', productId: '7523', manufacturer: 'QinHeng', byId: join(roots.devDir, 'serial', 'by-id', 'usb-1a86_USB_Serial-if00-port0') },
    ]);
  });

  test('a tty without sysfs ids is still listed, with unknown ids', () => {
    const roots = fakeTree([{ name: 'ttyUSB3' }]);
    expect(scanSysfs(roots)).toEqual([{ path: join(roots.devDir, 'ttyUSB3') }]);
  });

  test('normaliseUsbId accepts 0x-prefixed, upper-case and short ids, rejects junk', () => {
    expect(normaliseUsbId('0x1A86')).toBe('1a86');
    expect(normaliseUsbId('403')).toBe('0403');
    expect(normaliseUsbId('usb')).toBeUndefined();
    expect(normaliseUsbId(undefined)).toBeUndefined();
  });
});

describe('detecting the mBot by USB id', () => {
  const listing = (ports: PortListing['ports']): PortListing => ({ method: 'serialport', ports });

  test('picks the CH340 among other serial devices', () => {
    const found = detectMbotPort(listing([
      { path: '/dev/ttyACM0', vendorId: '2341', productId: '0043' },
      { path: '/dev/ttyUSB1', vendorId: '1a86', productId: '7523' },
    ]));
    expect(found).toMatchObject({ path: '/dev/ttyUSB1', adapter: { chip: expect.stringContaining('CH340') }, alsoMatching: [] });
  });

  test.each([
    ['0403', '6001', 'FTDI'],
    ['10c4', 'ea60', 'CP210x'],
    ['1a86', '5523', 'CH341'],
  ])('recognises %s:%s (%s)', (vendorId, productId, chip) => {
    expect(detectMbotPort(listing([{ path: '/dev/ttyUSB0', vendorId, productId }])).adapter.chip).toContain(chip);
  });

  test('prefers the stable by-id alias and reports other matching robots', () => {
    const found = detectMbotPort(listing([
      { path: '/dev/ttyUSB2', vendorId: '1a86', productId: '7523' },
      { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523', byId: '/dev/serial/by-id/usb-1a86-port0' },
    ]));
    expect(found.path).toBe('/dev/serial/by-id/usb-1a86-port0');
    expect(found.alsoMatching).toEqual(['/dev/ttyUSB2']);
  });

  test("prefers the mCore's own CH340 to an FTDI or CP210x adapter that sorts first (another device on the bench)", () => {
    const found = detectMbotPort(listing([
      { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001' },
      { path: '/dev/ttyUSB1', vendorId: '10c4', productId: 'ea60' },
      { path: '/dev/ttyUSB2', vendorId: '1a86', productId: '7523' },
    ]));
    expect(found.path).toBe('/dev/ttyUSB2');
    expect(found.alsoMatching).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB1']);
  });

  test('orders device numbers as numbers: ttyUSB2 before ttyUSB10', () => {
    const found = detectMbotPort(listing([
      { path: '/dev/ttyUSB10', vendorId: '1a86', productId: '7523' },
      { path: '/dev/ttyUSB2', vendorId: '1a86', productId: '7523' },
    ]));
    expect(found.path).toBe('/dev/ttyUSB2');
  });

  test('HIL_PORT_NOT_FOUND lists every port with its ids and how to fix it', () => {
    let caught: unknown;
    try {
      detectMbotPort({ method: 'sysfs', fallbackReason: 'spawn udevadm ENOENT', ports: [
        { path: '/dev/ttyACM0', vendorId: '2341', productId: '0043', manufacturer: 'Arduino' },
        { path: '/dev/ttyS0' },
      ] });
    } catch (err) {
      caught = err;
    }
    expect(isHilError(caught, 'HIL_PORT_NOT_FOUND')).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('/dev/ttyACM0 2341:0043 (Arduino)');
    expect(message).toContain('/dev/ttyS0 ?:?');
    expect(message).toContain('SerialPort.list() failed (spawn udevadm ENOENT)');
    expect(message).toContain('1a86:7523');
    expect(message).toContain('HIL_PORT=');
  });

  test('an empty listing says there are no ports at all', () => {
    expect(describePorts({ method: 'serialport', ports: [] })).toContain('no serial ports at all');
  });

  test('an explicit HIL_PORT that does not exist fails with the ports that do', async () => {
    const roots = fakeTree([{ name: 'ttyUSB0', vid: '1a86', pid: '7523' }]);
    await expect(requireExistingPort('/dev/ttyUSB9', { list: udevMissing, roots })).rejects.toMatchObject({
      code: 'HIL_PORT_NOT_FOUND',
      message: expect.stringContaining(`${join(roots.devDir, 'ttyUSB0')} 1a86:7523`),
    });
  });
});
