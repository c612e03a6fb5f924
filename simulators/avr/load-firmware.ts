/**
 * Resolves what follows `avr:` in `HIL_PORT` to a flash image: a bundled
 * image's name (`standard-firmata`, `node-pixel-firmata`; fetched and
 * verified on first use) or a path to an Intel HEX file of one's own.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HilError } from '../../harness/errors.ts';
import { fetchBundledFirmware, sha256Hex, type FetchOptions } from './firmware-fetch.ts';
import { BUNDLED_FIRMWARE, isBundledFirmwareName, type BundledFirmware } from './firmware-images.ts';
import { parseIntelHex, type FlashImage } from './intel-hex.ts';

/** A firmware image ready to run. */
export interface LoadedFirmware {
  readonly image: FlashImage;
  /** The bundled name, or the file's path. */
  readonly label: string;
  readonly sha256: string;
  /** The catalogue entry when bundled. */
  readonly bundled: BundledFirmware | undefined;
}

/** Largest .hex file accepted, bytes: a full 32 KiB flash is ≈ 90 KB of Intel HEX text. */
export const MAX_HEX_FILE_BYTES = 1 << 20;

/** The default image of `HIL_PORT=avr:` with nothing after the colon. */
export const DEFAULT_AVR_FIRMWARE = 'standard-firmata';

/**
 * Loads `spec` (a bundled name or a .hex path). Rejects with
 * HIL_AVR_FIRMWARE_UNAVAILABLE (bundled image not obtainable),
 * HIL_CONFIG_INVALID (no such file; the message lists the bundled names)
 * or HIL_AVR_HEX_INVALID (not a valid image).
 */
export async function loadFirmware(spec: string, fetchOptions: FetchOptions = {}): Promise<LoadedFirmware> {
  const name = spec === '' ? DEFAULT_AVR_FIRMWARE : spec;
  if (isBundledFirmwareName(name)) {
    const got = await fetchBundledFirmware(name, fetchOptions);
    return { image: parseIntelHex(got.text, got.path), label: name, sha256: got.sha256, bundled: BUNDLED_FIRMWARE[name] };
  }
  const path = resolve(name);
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_HEX_FILE_BYTES) {
      throw new HilError('HIL_AVR_HEX_INVALID', `${path}: ${size} bytes is larger than any ATmega328P image (a full 32 KiB flash is about 90 KB of Intel HEX); give the .hex avrdude would flash`);
    }
    text = readFileSync(path, 'latin1');
  } catch (err) {
    if (err instanceof HilError) throw err;
    throw new HilError(
      'HIL_CONFIG_INVALID',
      `HIL_PORT=avr:${spec}: no readable file at ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); ` +
        `give a path to an Intel HEX file or one of the bundled images: ${Object.keys(BUNDLED_FIRMWARE).join(', ')}`,
      { cause: err },
    );
  }
  return { image: parseIntelHex(text, path), label: path, sha256: sha256Hex(text), bundled: undefined };
}
