/**
 * The clock seam: `createClock('wall' | 'virtual')`, the `Clock` interface and
 * the virtual clock's extra controls.
 */
import type { Clock, ClockKind, VirtualClock, VirtualClockOptions } from './clock.ts';
import { HilError } from '../errors.ts';
import { createVirtualClock } from './virtual-clock.ts';
import { createWallClock } from './wall-clock.ts';

export type { Clock, ClockKind, ClockTimer, VirtualClock, VirtualClockOptions, WaitForOptions } from './clock.ts';
export { createWallClock, WALL_WAIT_STEP_MS } from './wall-clock.ts';
export {
  createVirtualClock,
  DEFAULT_VIRTUAL_START_EPOCH_MS,
  FAKED_GLOBALS,
  installedVirtualClock,
  VIRTUAL_WAIT_STEP_MS,
} from './virtual-clock.ts';

/**
 * A clock of the given kind. `opts` applies to `virtual` only (start epoch,
 * install now); passing it with `wall` throws HIL_CLOCK_MISUSE, as does an
 * unknown kind.
 */
export function createClock(kind: 'virtual', opts?: VirtualClockOptions): VirtualClock;
export function createClock(kind: 'wall'): Clock;
export function createClock(kind: ClockKind, opts?: VirtualClockOptions): Clock;
export function createClock(kind: ClockKind, opts?: VirtualClockOptions): Clock {
  if (kind === 'virtual') return createVirtualClock(opts);
  if (kind === 'wall') {
    if (opts !== undefined && Object.keys(opts).length > 0) {
      throw new HilError('HIL_CLOCK_MISUSE', `createClock('wall'): options apply to the virtual clock only; drop them.`);
    }
    return createWallClock();
  }
  throw new HilError('HIL_CLOCK_MISUSE', `createClock: kind must be 'wall' or 'virtual'; got ${String(kind)}.`);
}
