/**
 * Firmware profiles: what a Firmata build on the mBot's ATmega328P looks like
 * from the serial port (its UART rate, how many pins it describes, the
 * version and name it reports). One table, shared by the simulator (its UART
 * rate), the hardware target (the rate it opens a port at), `mbot-hil doctor`
 * (the rates it tries) and the error messages. Facts, with their sources:
 *
 * - `mbot-usb`, the default: Makeblock's mbot_nodebots firmware
 *   (`interchange install git+https://github.com/Makeblock-official/mbot_nodebots -a uno --firmata=usb`),
 *   firmware/build/usb/mbotFirmata/mbotFirmata.ino: `Firmata.begin(57600)`.
 *   StandardFirmata 2.5.3 plus ping-read (0x75) and node-pixel's WS2812
 *   sysex (0x51); its own Boards.h sets NUM_ANALOG_INPUTS 8, so it describes
 *   22 pins (A6/A7 are the light sensor and the button). Firmata's
 *   setFirmwareVersion() names it after the sketch file: "mbotFirmata.ino".
 * - `mbot-bluetooth`: the same sketch's Bluetooth build
 *   (firmware/build/bluetooth/...): `Firmata.begin(115200)`, the rate of the
 *   mBot's Bluetooth module. The only profile at 115200.
 * - `standard-firmata`: StandardFirmata from firmata/arduino (the Arduino
 *   IDE's File > Examples > Firmata) built for an Uno-class ATmega328P:
 *   `Firmata.begin(57600)`; the Uno variant has 6 analog inputs, so Boards.h
 *   describes 20 pins and A6/A7 do not exist for the host.
 *
 * Johnny-Five opens a port by path at firmata-io's default, 57600 baud
 * (firmata-io lib/firmata.js `serialport: { baudRate: 57600 }`), which is
 * why 57600 is the default here.
 */
import { HilError } from '../errors.ts';

/** Names of the profiles. */
export type FirmwareProfileId = 'mbot-usb' | 'mbot-bluetooth' | 'standard-firmata';

/** One firmware build as the host sees it. */
export interface FirmwareProfile {
  readonly id: FirmwareProfileId;
  /** Human name, e.g. "Makeblock mBot Firmata over USB". */
  readonly title: string;
  /** UART rate the firmware calls `Firmata.begin()` with, bits per second. */
  readonly baudRate: number;
  /** Pins its capability and analog-mapping replies describe. */
  readonly totalPins: number;
  /** Firmware version in its REPORT_FIRMWARE reply. */
  readonly version: { readonly major: number; readonly minor: number };
  /** Name in its REPORT_FIRMWARE reply. */
  readonly firmwareName: string;
  /** How to put it on the board. */
  readonly install: string;
  /** True when the simulator can be this firmware (its pin table is the mCore's 22 pins). */
  readonly simulated: boolean;
}

/** The profiles, by id. */
export const FIRMWARE_PROFILES: Readonly<Record<FirmwareProfileId, FirmwareProfile>> = Object.freeze({
  'mbot-usb': Object.freeze({
    id: 'mbot-usb',
    title: 'Makeblock mBot Firmata over USB',
    baudRate: 57600,
    totalPins: 22,
    version: Object.freeze({ major: 2, minor: 5 }),
    firmwareName: 'mbotFirmata.ino',
    install: 'interchange install git+https://github.com/Makeblock-official/mbot_nodebots -a uno --firmata=usb',
    simulated: true,
  }),
  'mbot-bluetooth': Object.freeze({
    id: 'mbot-bluetooth',
    title: 'Makeblock mBot Firmata over Bluetooth',
    baudRate: 115200,
    totalPins: 22,
    version: Object.freeze({ major: 2, minor: 5 }),
    firmwareName: 'mbotFirmata.ino',
    install: 'interchange install git+https://github.com/Makeblock-official/mbot_nodebots -a uno --firmata=bluetooth',
    simulated: true,
  }),
  'standard-firmata': Object.freeze({
    id: 'standard-firmata',
    title: 'StandardFirmata on an ATmega328P (Uno build)',
    baudRate: 57600,
    totalPins: 20,
    version: Object.freeze({ major: 2, minor: 5 }),
    firmwareName: 'StandardFirmata.ino',
    install: 'Arduino IDE: File > Examples > Firmata > StandardFirmata, board "Arduino Uno", Upload',
    simulated: false,
  }),
});

/** The profile used when none is named: Makeblock's USB build, 57600 baud. */
export const DEFAULT_FIRMWARE_PROFILE_ID: FirmwareProfileId = 'mbot-usb';

/**
 * Rates `mbot-hil doctor` tries, in order, when the board does not answer at
 * the configured one: the profiles' rates first (57600, 115200), then the
 * other rates Firmata sketches and serial Bluetooth modules commonly use.
 */
export const COMMON_BAUD_RATES: readonly number[] = Object.freeze([57600, 115200, 9600, 38400, 19200]);

/** True when `id` names a profile. */
export function isFirmwareProfileId(id: unknown): id is FirmwareProfileId {
  return typeof id === 'string' && Object.hasOwn(FIRMWARE_PROFILES, id);
}

/** The profile called `id`; throws HIL_CONFIG_INVALID listing the names when there is none. */
export function firmwareProfile(id: string = DEFAULT_FIRMWARE_PROFILE_ID): FirmwareProfile {
  if (!isFirmwareProfileId(id)) {
    throw new HilError('HIL_CONFIG_INVALID', `unknown firmware profile ${JSON.stringify(id)}; use one of ${Object.keys(FIRMWARE_PROFILES).join(', ')}`);
  }
  return FIRMWARE_PROFILES[id];
}

/** Profiles whose firmware runs at `baudRate` (e.g. 57600 → mbot-usb, standard-firmata). */
export function profilesAtBaud(baudRate: number): FirmwareProfile[] {
  return Object.values(FIRMWARE_PROFILES).filter((p) => p.baudRate === baudRate);
}

/** Each profile's rate in one line, for error messages: "mbot-usb 57600 (Makeblock mBot Firmata over USB), ...". */
export function baudRateFacts(): string {
  return Object.values(FIRMWARE_PROFILES)
    .map((p) => `${p.id} ${p.baudRate} (${p.title})`)
    .join(', ');
}
