import { describe, expect, it } from 'vitest';
import { decodeUartBurst, ratesAgree } from './uart-line.ts';

// StandardFirmata's Serial.begin(57600) on a 16 MHz AVR: UBRR0 16, U2X0 off.
const FIRMWARE_BAUD = 16_000_000 / (16 * 17);
const bytes = [0xf9, 0x02, 0x04, 0xf0, 0x79, 0x00, 0x55, 0xaa, 0xff];

describe('a UART reading another rate', () => {
  it('a host at 57600 reads the firmware\'s 58,824 baud exactly, both ways', () => {
    expect(ratesAgree(FIRMWARE_BAUD, 57_600)).toBe(true);
    expect(ratesAgree(57_600, FIRMWARE_BAUD)).toBe(true);
    expect(decodeUartBurst(bytes, FIRMWARE_BAUD, 57_600)).toEqual(bytes);
  });

  it('a host at 115200 reads garbage from a 57600 board (twice the samples per frame)', () => {
    expect(ratesAgree(FIRMWARE_BAUD, 115_200)).toBe(false);
    const got = decodeUartBurst(bytes, FIRMWARE_BAUD, 115_200);
    expect(got).not.toEqual(bytes);
    expect(got.includes(0xf9)).toBe(false);
  });

  it('a board at 57600 reads garbage from a host at 115200 (fewer bytes than were sent)', () => {
    const got = decodeUartBurst(bytes, 115_200, FIRMWARE_BAUD);
    expect(got.length).toBeLessThan(bytes.length);
    expect(got).not.toEqual(bytes.slice(0, got.length));
  });

  it('4 % apart still decodes, 6 % apart does not (half a bit of drift over 9.5 bits is the limit)', () => {
    expect(ratesAgree(57_600, 57_600 * 1.04)).toBe(true);
    expect(ratesAgree(57_600, 57_600 * 1.06)).toBe(false);
  });
});
