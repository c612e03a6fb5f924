/**
 * Finding the mBot's serial port.
 *
 * `serialport`'s `SerialPort.list()` asks udev (`udevadm info -e`) on Linux;
 * containers and minimal CI images have no udev and it fails with
 * `spawn udevadm ENOENT`. Then the listing falls back to what the kernel shows
 * directly: /dev/serial/by-id, /dev/ttyUSB*, /dev/ttyACM*, and the USB ids in
 * /sys/class/tty/<name>/device/../idVendor|idProduct where sysfs has them.
 * The listing says which method produced it, so an error can tell the user.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HilError } from '../errors.ts';
import { MBOT_USB_IDS, type UsbId } from '../mbot/usb-ids.ts';

/** One serial port as listed; ids are lower-case 4-digit hex without `0x`, absent when unknown. */
export interface SerialPortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
  /** Stable alias under /dev/serial/by-id, when there is one. */
  byId?: string;
}

/** A port listing and how it was obtained. */
export interface PortListing {
  ports: SerialPortInfo[];
  /** `serialport`: SerialPort.list() (udev); `sysfs`: the fallback scan. */
  method: 'serialport' | 'sysfs';
  /** Why the fallback was used (e.g. `spawn udevadm ENOENT`), when it was. */
  fallbackReason?: string;
}

/** A USB-serial adapter the mBot family is known to ship with. */
/** Normalises `0x1A86` / `1A86` / `6790` to `1a86` style ids. */
export function normaliseUsbId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const s = id.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(s) ? s.padStart(4, '0') : undefined;
}

/** Where the fallback scan looks; tests point these at a fake tree. */
export interface SysfsRoots {
  /** Default `/dev`. */
  devDir: string;
  /** Default `/sys/class/tty`. */
  sysTtyDir: string;
}

const DEFAULT_ROOTS: SysfsRoots = { devDir: '/dev', sysTtyDir: '/sys/class/tty' };

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The USB device directory above a tty's `device` link: for ttyACM the link
 * is the USB interface and its parent holds idVendor; for ttyUSB (usb-serial)
 * the link is the serial port below the interface, one level deeper. Walks up
 * at most three levels; undefined when there is no USB device (a UART).
 */
function findUsbDevice(deviceLink: string): string | undefined {
  let dir: string;
  try {
    dir = realpathSync(deviceLink);
  } catch {
    return undefined;
  }
  for (let i = 0; i < 3; i++) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'idVendor'))) return dir;
  }
  return undefined;
}

/**
 * Lists serial ports from /dev and /sys without udev. Never throws: an
 * unreadable directory just contributes nothing.
 */
export function scanSysfs(roots: SysfsRoots = DEFAULT_ROOTS): SerialPortInfo[] {
  const byName = new Map<string, SerialPortInfo>();
  const add = (name: string): SerialPortInfo => {
    let info = byName.get(name);
    if (!info) {
      info = { path: join(roots.devDir, name) };
      byName.set(name, info);
    }
    return info;
  };
  const byIdDir = join(roots.devDir, 'serial', 'by-id');
  try {
    for (const alias of readdirSync(byIdDir)) {
      try {
        const target = realpathSync(join(byIdDir, alias));
        add(basename(target)).byId = join(byIdDir, alias);
      } catch {
        // a dangling link: the device went away while we looked
      }
    }
  } catch {
    // no by-id directory (no udev): the glob below still finds the devices
  }
  try {
    for (const name of readdirSync(roots.devDir)) {
      if (/^tty(USB|ACM)\d+$/.test(name)) add(name);
    }
  } catch {
    // no /dev listing: nothing to add
  }
  for (const [name, info] of byName) {
    const usbDevice = findUsbDevice(join(roots.sysTtyDir, name, 'device'));
    if (!usbDevice) continue;
    const vendorId = normaliseUsbId(readTrimmed(join(usbDevice, 'idVendor')));
    const productId = normaliseUsbId(readTrimmed(join(usbDevice, 'idProduct')));
    if (vendorId) info.vendorId = vendorId;
    if (productId) info.productId = productId;
    const manufacturer = readTrimmed(join(usbDevice, 'manufacturer'));
    if (manufacturer) info.manufacturer = manufacturer;
    const serialNumber = readTrimmed(join(usbDevice, 'serial'));
    if (serialNumber) info.serialNumber = serialNumber;
  }
  return [...byName.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** What `listPorts` needs; tests replace both. */
export interface ListDeps {
  /** serialport's list (udev on Linux). Default: `SerialPort.list` from `serialport`. */
  list?: () => Promise<Array<{ path: string; vendorId?: string; productId?: string; manufacturer?: string; serialNumber?: string }>>;
  roots?: SysfsRoots;
}

async function defaultList(): Promise<Array<{ path: string; vendorId?: string; productId?: string; manufacturer?: string; serialNumber?: string }>> {
  const { SerialPort } = await import('serialport');
  return SerialPort.list();
}

/**
 * Lists serial ports: `SerialPort.list()` first; when it fails (no udevadm in
 * containers) the sysfs scan, with the failure kept in `fallbackReason`.
 */
export async function listPorts(deps: ListDeps = {}): Promise<PortListing> {
  try {
    const raw = await (deps.list ?? defaultList)();
    const ports = raw.map((p): SerialPortInfo => {
      const info: SerialPortInfo = { path: p.path };
      const vendorId = normaliseUsbId(p.vendorId);
      const productId = normaliseUsbId(p.productId);
      if (vendorId) info.vendorId = vendorId;
      if (productId) info.productId = productId;
      if (p.manufacturer) info.manufacturer = p.manufacturer;
      if (p.serialNumber) info.serialNumber = p.serialNumber;
      return info;
    });
    return { ports, method: 'serialport' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ports: scanSysfs(deps.roots ?? DEFAULT_ROOTS), method: 'sysfs', fallbackReason: reason };
  }
}

/** The known adapter a port's ids match, or undefined. */
export function matchMbotAdapter(port: SerialPortInfo, ids: readonly UsbId[] = MBOT_USB_IDS): UsbId | undefined {
  return ids.find((id) => id.vendorId === port.vendorId && id.productId === port.productId);
}

/** One line per port: `/dev/ttyUSB0 1a86:7523 (wch.cn)`, ids `?:?` when unknown. */
export function describePorts(listing: PortListing): string {
  const how = listing.method === 'serialport'
    ? 'listed by SerialPort.list()'
    : `listed from /dev and /sys because SerialPort.list() failed (${listing.fallbackReason ?? 'unknown reason'})`;
  if (listing.ports.length === 0) return `no serial ports at all (${how})`;
  const lines = listing.ports.map((p) => {
    const ids = `${p.vendorId ?? '?'}:${p.productId ?? '?'}`;
    const extra = [p.manufacturer, p.byId].filter(Boolean).join(', ');
    return `  - ${p.path} ${ids}${extra ? ` (${extra})` : ''}`;
  });
  return `${listing.ports.length} serial port(s) ${how}:\n${lines.join('\n')}`;
}

/** A detection result: the chosen port and why. */
export interface DetectedPort {
  path: string;
  adapter: UsbId;
  /** Other matching ports that were not chosen (several robots plugged in). */
  alsoMatching: string[];
}

/**
 * Picks the mBot's port from a listing by USB vendor/product id. With several
 * matches the adapter listed first in `ids` wins (the mCore's CH340), then the
 * lowest device number; the others are returned in `alsoMatching`. Throws
 * HIL_PORT_NOT_FOUND listing every port with its ids when none matches.
 */
export function detectMbotPort(listing: PortListing, ids: readonly UsbId[] = MBOT_USB_IDS): DetectedPort {
  const matches = listing.ports
    .map((p) => ({ port: p, adapter: matchMbotAdapter(p, ids) }))
    .filter((m): m is { port: SerialPortInfo; adapter: UsbId } => m.adapter !== undefined)
    // The mCore's own adapter first (FTDI and CP210x cables often belong to other devices on a bench), then
    // by path with device numbers compared as numbers (ttyUSB2 before ttyUSB10).
    .sort((a, b) => ids.indexOf(a.adapter) - ids.indexOf(b.adapter) || a.port.path.localeCompare(b.port.path, 'en', { numeric: true }));
  const first = matches[0];
  if (!first) {
    const known = ids.map((id) => `${id.vendorId}:${id.productId} ${id.chip}`).join(', ');
    throw new HilError(
      'HIL_PORT_NOT_FOUND',
      `no serial port has the USB id of an mBot adapter (${known}); ${describePorts(listing)}\n` +
        'Plug the mBot in over USB and switch it on, or set HIL_PORT to its device (e.g. HIL_PORT=/dev/ttyUSB0), ' +
        'or HIL_PORT=sim-pty to run the hardware project against the simulator behind a PTY.',
    );
  }
  return { path: first.port.byId ?? first.port.path, adapter: first.adapter, alsoMatching: matches.slice(1).map((m) => m.port.path) };
}

/**
 * Checks that an explicitly configured port exists. Throws HIL_PORT_NOT_FOUND
 * listing the ports that do exist when the path is missing.
 */
export async function requireExistingPort(path: string, deps: ListDeps = {}): Promise<void> {
  if (existsSync(path)) return;
  const listing = await listPorts(deps);
  throw new HilError(
    'HIL_PORT_NOT_FOUND',
    `HIL_PORT=${path} does not exist; ${describePorts(listing)}\n` +
      'Set HIL_PORT to one of these, unset it to auto-detect the mBot by USB id, or use HIL_PORT=sim-pty for the simulator behind a PTY.',
  );
}
