/**
 * What a measurement ran against, as every snapshot and report carries it:
 * plain data, part of the target seam.
 */

/** What the measurement ran against. Plain JSON. */
export interface TargetInfo {
  /** `sim`: the simulator; `hardware`: a real serial port (or the PTY stand-in); `external`: a user's own system under test; `none`: values given by hand. */
  kind: 'sim' | 'hardware' | 'external' | 'none';
  port?: string;
  firmware?: { name: string; version: string };
  bench?: string;
}
