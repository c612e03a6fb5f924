import { expect, test } from 'vitest';
import { avrDelayMicrosecondsUs, avrPulseInTimeoutUs, pingTiming } from './ping-timing.ts';

test('delayMicroseconds: 16-bit argument, (us << 2) - 5 quarter-µs loops in 16 bits plus its overhead', () => {
  expect(avrDelayMicrosecondsUs(0)).toBe(0);
  expect(avrDelayMicrosecondsUs(1)).toBe(1);
  expect(avrDelayMicrosecondsUs(5)).toBe(5);
  expect(avrDelayMicrosecondsUs(16_383)).toBe(16_383);
  expect(avrDelayMicrosecondsUs(0xffff)).toBe(16_383);
  expect(avrDelayMicrosecondsUs(0xffffffff)).toBe(16_383);
  // 16,387 << 2 wraps in 16 bits: 7 loops.
  expect(avrDelayMicrosecondsUs(16_387)).toBe(3);
});

test('pulseIn timeout: timeout * 16 wraps in 32 bits, so timeout mod 2^28 µs; a wrap to 0 counts as the longest', () => {
  expect(avrPulseInTimeoutUs(1_000_000)).toBe(1_000_000);
  expect(avrPulseInTimeoutUs(0xffffffff)).toBe(2 ** 28 - 1);
  expect(avrPulseInTimeoutUs(2 ** 28 + 5)).toBe(5);
  expect(avrPulseInTimeoutUs(0)).toBe(2 ** 28 - 1);
  expect(avrPulseInTimeoutUs(2 ** 28)).toBe(2 ** 28 - 1);
});

test('a ping-read measures the echo when it ends in time, else 0 after the whole timeout', () => {
  // Johnny-Five's HC-SR04: 5 µs trigger, 1 s timeout, 89 cm away.
  expect(pingTiming(5, 1_000_000, 5190)).toEqual({ measuredUs: 5190, blockedUs: 2 + 5 + 250 + 5190 });
  expect(pingTiming(5, 3000, 5190)).toEqual({ measuredUs: 0, blockedUs: 2 + 5 + 3000 });
  expect(pingTiming(0, 1000, 0)).toEqual({ measuredUs: 0, blockedUs: 1002 });
  expect(pingTiming(0, 1000, Number.NaN)).toEqual({ measuredUs: 0, blockedUs: 1002 });
  expect(pingTiming(0xffffffff, 0xffffffff, 0).blockedUs).toBe(2 + 16_383 + 2 ** 28 - 1);
});
