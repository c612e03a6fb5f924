/**
 * The Chromium that ships inside an npm package: `@sparticuz/chromium`'s
 * headless shell, brotli-compressed in the package's tarball, so `npm ci`
 * alone gives a machine a browser (no apt, no download at run time).
 *
 * The binary is unpacked once per package version into a folder of the
 * system's temp directory and reused; the unpack writes a temporary file and
 * renames it, so two processes unpacking at once both end with a whole
 * binary. Only the binary is unpacked: the probe runs with `--disable-gpu`
 * (no SwiftShader needed) and the machine's own fonts.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

/** The npm package that carries the browser. */
export const BUNDLED_CHROMIUM_PACKAGE = '@sparticuz/chromium';

/** Where the bundled browser is, or why it is not there. */
export type BundledChromium =
  | { found: true; executablePath: string; packageVersion: string; unpackedMs: number }
  | { found: false; reason: string };

/** The package's folder and version, or undefined when it is not installed. */
function locatePackage(): { dir: string; version: string } | undefined {
  let dir: string;
  try {
    // The package's `exports` hide package.json: resolve its entry, then walk up to its manifest.
    dir = dirname(createRequire(import.meta.url).resolve(BUNDLED_CHROMIUM_PACKAGE));
  } catch {
    return undefined;
  }
  for (; dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === BUNDLED_CHROMIUM_PACKAGE && typeof manifest.version === 'string') return { dir, version: manifest.version };
    } catch {
      // no manifest at this level (or a nested one without a name): keep walking up
    }
  }
  return undefined;
}

/** The folder the binary is unpacked into: one per package version and user. */
export function bundledChromiumCacheDir(version: string, env: Record<string, string | undefined> = process.env): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return env.HIL_CHROMIUM_CACHE || join(tmpdir(), `mbot-hil-chromium-${version}-${uid}`);
}

/**
 * Finds the packaged browser and unpacks it when needed (about 1.5 s the first
 * time on a 2-core machine, nothing afterwards). Never throws: a missing
 * package or a failed unpack is a reason.
 */
export function bundledChromium(env: Record<string, string | undefined> = process.env): BundledChromium {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { found: false, reason: `${BUNDLED_CHROMIUM_PACKAGE} carries a Linux x64 browser only (this is ${process.platform} ${process.arch})` };
  }
  const pkg = locatePackage();
  if (!pkg) return { found: false, reason: `${BUNDLED_CHROMIUM_PACKAGE} is not installed (it is an optional dependency: npm ci without --omit=optional)` };
  const executablePath = join(bundledChromiumCacheDir(pkg.version, env), 'chromium');
  const source = join(pkg.dir, 'bin', 'chromium.br');
  try {
    if (existsSync(executablePath) && statSync(executablePath).size > 0) {
      return { found: true, executablePath, packageVersion: pkg.version, unpackedMs: 0 };
    }
    const started = Date.now();
    mkdirSync(dirname(executablePath), { recursive: true, mode: 0o700 });
    const partial = `${executablePath}.${process.pid}.partial`;
    writeFileSync(partial, brotliDecompressSync(readFileSync(source)), { mode: 0o755 });
    chmodSync(partial, 0o755);
    renameSync(partial, executablePath);
    return { found: true, executablePath, packageVersion: pkg.version, unpackedMs: Date.now() - started };
  } catch (err) {
    return { found: false, reason: `${BUNDLED_CHROMIUM_PACKAGE} ${pkg.version} could not be unpacked from ${source} to ${executablePath}: ${(err as Error).message}` };
  }
}
