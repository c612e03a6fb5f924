/**
 * The socat provider of the PTY pair, kept under its old names for callers
 * that ask for socat by name (see `pty-pair.ts` for both providers):
 *
 *   socat -d -d pty,raw,echo=0,link=<dir>/host pty,raw,echo=0,link=<dir>/sim
 *
 * run under `child-watchdog.mjs`, so socat never outlives this process.
 */
import { ptyProviderAvailable, startPtyPair, type PtyPair, type PtyPairOptions } from './pty-pair.ts';

/** How to install socat, for error messages. */
export const SOCAT_INSTALL_HINT =
  'install socat (Debian/Ubuntu: sudo apt-get install -y socat; Fedora: sudo dnf install socat; macOS: brew install socat)';

/** True when a `socat` executable is on PATH. */
export function socatAvailable(): boolean {
  return ptyProviderAvailable('socat');
}

/** A running socat pair. */
export type SocatPair = PtyPair;

/** Options of {@link startSocatPair}. */
export type SocatPairOptions = Omit<PtyPairOptions, 'provider'>;

/**
 * Starts socat (under the watchdog) and resolves once both link paths point
 * at their /dev/pts device. Rejects with HIL_PTY_UNAVAILABLE when socat is
 * missing or fails to start (with its output).
 */
export function startSocatPair(opts: SocatPairOptions): Promise<SocatPair> {
  return startPtyPair({ ...opts, provider: 'socat' });
}
