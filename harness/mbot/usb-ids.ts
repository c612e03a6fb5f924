/**
 * USB ids of the serial adapters on Makeblock boards: the mCore (mBot) uses a
 * WCH CH340; some batches and clones use a CH341 in serial mode; FTDI and
 * CP210x adapters appear on older/third-party cables and Bluetooth-serial
 * adapters. The 2.4G dongle (0416:ffff) is a HID device, not a serial port,
 * and cannot carry Firmata, so it is not listed.
 */

/** A USB serial adapter, ids as lower-case 4-digit hex. */
export interface UsbId {
  vendorId: string;
  productId: string;
  chip: string;
}

/** Every adapter a port is detected as an mBot by (see harness/targets/detect.ts). */
export const MBOT_USB_IDS: readonly UsbId[] = Object.freeze([
  { vendorId: '1a86', productId: '7523', chip: 'WCH CH340 (mCore / mBot)' },
  { vendorId: '1a86', productId: '5523', chip: 'WCH CH341 (serial mode)' },
  { vendorId: '0403', productId: '6001', chip: 'FTDI FT232R' },
  { vendorId: '10c4', productId: 'ea60', chip: 'Silicon Labs CP210x' },
]);

/** The mCore's own adapter (the first of {@link MBOT_USB_IDS}); the simulator's port announces it. */
export const MCORE_USB_ID: UsbId = MBOT_USB_IDS[0]!;
