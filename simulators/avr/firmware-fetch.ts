/**
 * Gets a bundled firmware image (`firmware-images.ts`) onto this machine:
 * from the project's cache when a verified copy is there, otherwise with
 * `npm pack <package>@<version>` (the ordinary npm client, which checks the
 * tarball against the registry's integrity hash and keeps it in npm's own
 * cache, so a second machine state or an offline run is served from there)
 * and by extracting the one .hex file from the tarball. The file must match
 * the pinned SHA-256 or it is refused; the cache is written atomically, so
 * two test workers fetching at once cannot see half a file.
 *
 * Failure is a HIL_AVR_FIRMWARE_UNAVAILABLE that says what to do (run once
 * with registry access, or give a .hex path), never a silent skip.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { HilError } from '../../harness/errors.ts';
import { BUNDLED_FIRMWARE, type BundledFirmware, type BundledFirmwareName } from './firmware-images.ts';

/** Where verified images are kept: `HIL_AVR_CACHE_DIR`, else `<cwd>/node_modules/.cache/mbot-hil/avr-firmware`. */
export function firmwareCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.HIL_AVR_CACHE_DIR) return env.HIL_AVR_CACHE_DIR;
  const modules = join(process.cwd(), 'node_modules');
  return existsSync(modules) ? join(modules, '.cache', 'mbot-hil', 'avr-firmware') : join(tmpdir(), 'mbot-hil-avr-firmware');
}

/** SHA-256 of `bytes`, hex digits. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The regular file at `path` inside a (gunzipped) ustar archive, or undefined. */
export function readTarEntry(tar: Uint8Array, path: string): Uint8Array | undefined {
  const text = (from: number, len: number): string => {
    let end = from;
    while (end < from + len && tar[end] !== 0) end++;
    return Buffer.from(tar.subarray(from, end)).toString('latin1');
  };
  let at = 0;
  while (at + 512 <= tar.length) {
    const name = text(at, 100);
    if (name === '') return undefined; // two zero blocks end the archive
    const size = parseInt(text(at + 124, 12).trim() || '0', 8);
    const prefix = text(at + 345, 155);
    const type = text(at + 156, 1);
    const full = prefix ? `${prefix}/${name}` : name;
    const body = at + 512;
    if ((type === '0' || type === '') && full === path) return tar.slice(body, body + size);
    at = body + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

function unavailable(fw: BundledFirmware, why: string, cause?: unknown): HilError {
  return new HilError(
    'HIL_AVR_FIRMWARE_UNAVAILABLE',
    `cannot get the ${fw.name} firmware image (${fw.pathInTarball} in ${fw.packageName}@${fw.packageVersion}): ${why}. ` +
      'Run once with access to the npm registry (npm keeps the tarball in its cache afterwards), ' +
      'or use HIL_PORT=avr:/path/to/firmware.hex with an image of your own.',
    cause === undefined ? undefined : { cause },
  );
}

function npmPack(spec: string, dest: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // --prefer-offline: a tarball already in npm's cache is used without asking the registry.
    // One retry and a 20 s fetch timeout: an unreachable registry fails in under a minute, not after npm's default backoff.
    const args = ['pack', spec, '--pack-destination', dest, '--prefer-offline', '--loglevel=error', '--fetch-retries=1', '--fetch-timeout=20000'];
    execFile('npm', args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = String(stderr).trim().split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' ') || (err.killed ? `no answer within ${timeoutMs} ms` : err.message);
        reject(new Error(`npm pack ${spec} failed: ${why}`));
      } else resolve(stdout.trim());
    });
  });
}

/** Options of {@link fetchBundledFirmware}. */
export interface FetchOptions {
  /** Cache directory. Default {@link firmwareCacheDir}. */
  cacheDir?: string;
  /** Longest `npm pack` may take, ms. Default 120,000. */
  timeoutMs?: number;
  /** Replaces `npm pack` (tests): writes the tarball into `dest` and resolves its file name. */
  pack?: (spec: string, dest: string) => Promise<string>;
}

/**
 * The text of bundled image `name`, verified against its pinned SHA-256.
 * Rejects with HIL_AVR_FIRMWARE_UNAVAILABLE when it is neither cached nor
 * obtainable, or when what the registry gave does not match the pin.
 */
export function fetchBundledFirmware(name: BundledFirmwareName, opts: FetchOptions = {}): Promise<{ text: string; path: string; sha256: string }> {
  return fetchFirmwareImage(BUNDLED_FIRMWARE[name], opts);
}

/** {@link fetchBundledFirmware} for any catalogue entry (tests use their own). */
export async function fetchFirmwareImage(fw: BundledFirmware, opts: FetchOptions = {}): Promise<{ text: string; path: string; sha256: string }> {
  const cacheDir = opts.cacheDir ?? firmwareCacheDir();
  const cached = join(cacheDir, `${fw.name}-${fw.sha256.slice(0, 16)}.hex`);
  if (existsSync(cached)) {
    const text = readFileSync(cached, 'latin1');
    if (sha256Hex(text) === fw.sha256) return { text, path: cached, sha256: fw.sha256 };
    rmSync(cached, { force: true }); // damaged: fetch again
  }
  const work = mkdtempSync(join(tmpdir(), 'mbot-hil-fw-'));
  try {
    const spec = `${fw.packageName}@${fw.packageVersion}`;
    try {
      await (opts.pack ?? ((s, d) => npmPack(s, d, opts.timeoutMs ?? 120_000)))(spec, work);
    } catch (err) {
      throw unavailable(fw, err instanceof Error ? err.message : String(err), err);
    }
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (tgz === undefined) throw unavailable(fw, `npm pack ${spec} left no tarball`);
    let entry: Uint8Array | undefined;
    try {
      entry = readTarEntry(gunzipSync(readFileSync(join(work, tgz))), fw.pathInTarball);
    } catch (err) {
      throw unavailable(fw, `the tarball of ${spec} could not be unpacked (${err instanceof Error ? err.message : String(err)})`, err);
    }
    if (entry === undefined) throw unavailable(fw, `${spec} has no ${fw.pathInTarball}`);
    const got = sha256Hex(entry);
    if (got !== fw.sha256) throw unavailable(fw, `its SHA-256 is ${got}, not the pinned ${fw.sha256}: the package changed; refusing to run it`);
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(partial, entry);
    renameSync(partial, cached);
    return { text: Buffer.from(entry).toString('latin1'), path: cached, sha256: got };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
