/**
 * How long PingFirmata's ping-read holds the ATmega328P's loop, with the
 * AVR Arduino core's arithmetic (facts from the core's `delayMicroseconds`
 * and `pulseIn` at 16 MHz; no code of theirs): a trigger pulse, then
 * `pulseIn` until the echo ends or the timeout passes. Whatever 32-bit values
 * a host sends, the loop is held at most 16.4 ms + 268.4 s.
 */

// HC-SR04 style modules raise the echo line ≈ 0.2 ms after the trigger (8-cycle 40 kHz burst).
const ECHO_START_US = 250;

/**
 * How long AVR `delayMicroseconds(us)` waits at 16 MHz (the trigger pulse of
 * PingFirmata's ping-read): its argument is an `unsigned int` (16 bits); it
 * counts `(us << 2) - 5` quarter-µs loops in those 16 bits, the 5 loops
 * it leaves out paying for its own ≈ 1.25 µs of overhead, so any `us` from 2
 * to 16,383 takes `us` µs. 0 and 1 return at once (taken as `us`); larger
 * values wrap, so no request waits longer than 16,385 µs.
 */
export function avrDelayMicrosecondsUs(requestedUs: number): number {
  const us = (requestedUs >>> 0) & 0xffff;
  if (us <= 1) return us;
  return (((us << 2) - 5) & 0xffff) / 4 + 1.25;
}

/**
 * The longest AVR `pulseIn(pin, state, timeout)` waits at 16 MHz: it turns the
 * timeout into `timeout * 16 / 16` loop counts in 32-bit unsigned arithmetic,
 * so the product wraps and the effective timeout is `timeout mod 2^28` µs
 * (at most 268,435,455 µs ≈ 268.4 s). A timeout that wraps to 0 would make
 * the chip's counter run through all 2^32 values (≈ 71.6 min); that one case
 * is taken as the longest countable timeout instead, so no host input blocks
 * the emulated loop longer than 268.4 s.
 */
export function avrPulseInTimeoutUs(requestedUs: number): number {
  const t = (requestedUs >>> 0) % 2 ** 28;
  return t === 0 ? 2 ** 28 - 1 : t;
}

/** What one ping-read measures and how long it holds the loop, µs. */
export interface PingTiming {
  /** The echo pulse `pulseIn` returns: the echo, or 0 when it did not end within the timeout (or there was none). */
  measuredUs: number;
  /** 2 µs low, the trigger pulse, then the wait for the echo (or the whole timeout). */
  blockedUs: number;
}

/**
 * A ping-read of `pulseOutUs` and `timeoutUs` as the host sent them (any
 * 32-bit values) against an echo of `echoUs` (0 or anything not finite: no
 * echo).
 */
export function pingTiming(pulseOutUs: number, timeoutUs: number, echoUs: number): PingTiming {
  const pulseUs = avrDelayMicrosecondsUs(pulseOutUs);
  const waitUs = avrPulseInTimeoutUs(timeoutUs);
  const echo = Number.isFinite(echoUs) ? Math.max(0, Math.round(echoUs)) : 0;
  // pulseIn() returns 0 when the echo does not end within the timeout.
  const measuredUs = echo > 0 && ECHO_START_US + echo <= waitUs ? echo : 0;
  return { measuredUs, blockedUs: 2 + pulseUs + (measuredUs > 0 ? ECHO_START_US + measuredUs : waitUs) };
}
