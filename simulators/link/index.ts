/** The simulated serial link: timing, faults, unplug. */
export type { LinkDirection, LinkOptions, ResolvedLinkOptions } from './link-options.ts';
export { BITS_PER_BYTE, byteTimeMs, DEFAULT_LINK_OPTIONS, resolveLinkOptions } from './link-options.ts';
export type { LineSpeedMismatch, LinkListener, LinkTap } from './serial-link.ts';
export { SerialLink } from './serial-link.ts';
export type { UartReception } from './uart-framing.ts';
export { receiveAtRate } from './uart-framing.ts';
