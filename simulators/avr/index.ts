/**
 * The emulated ATmega328P running real firmware images: the chip, the mBot
 * around it behind a serialport binding, the bundled images and how they are
 * fetched. See docs/firmware-conformance.md.
 */
export { Atmega328p, CPU_HZ, CYCLES_PER_MS } from './atmega328p.ts';
export { AVR_STEP_MS, createAvrMbot } from './avr-mbot.ts';
export type { AvrMbot, AvrMbotOptions } from './avr-mbot.ts';
export { BUNDLED_FIRMWARE, isBundledFirmwareName } from './firmware-images.ts';
export type { BundledFirmware, BundledFirmwareName } from './firmware-images.ts';
export { fetchBundledFirmware, firmwareCacheDir } from './firmware-fetch.ts';
export { DEFAULT_AVR_FIRMWARE, loadFirmware } from './load-firmware.ts';
export type { LoadedFirmware } from './load-firmware.ts';
export { parseIntelHex } from './intel-hex.ts';
export type { FlashImage } from './intel-hex.ts';
