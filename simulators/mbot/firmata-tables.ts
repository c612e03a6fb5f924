/**
 * The capability and analog-mapping tables the simulated mCore firmware
 * answers with, built from the board's pin facts (harness/mbot/mcore-pins.ts).
 */
import { CMD, MODE, SYSEX } from '../../harness/mbot/firmata-constants.ts';
import { analogChannelOf, isAnalogPin, isDigitalPin, isI2cPin, isPwmPin, isSerialPin, TOTAL_PINS } from '../../harness/mbot/mcore-pins.ts';

/**
 * CAPABILITY_RESPONSE exactly as StandardFirmata 2.5 with SerialFirmata writes
 * it for this board: per pin `(mode, resolution)*` then 127. Digital pins:
 * INPUT 1, PULLUP 1, OUTPUT 1, [ANALOG 10], [PWM 8], SERVO 14, [I2C 1], and
 * PING_READ 1 (a PingFirmata build: firmata-io 2.3 refuses `pingRead` on a pin
 * whose capability lacks mode 0x75). A6/A7 list ANALOG 10 only; 0/1 list
 * SERIAL with RES_RX0/RES_TX0.
 */
export function capabilityResponse(): number[] {
  const out: number[] = [CMD.START_SYSEX, SYSEX.CAPABILITY_RESPONSE];
  for (let pin = 0; pin < TOTAL_PINS; pin++) {
    if (isDigitalPin(pin)) out.push(MODE.INPUT, 1, MODE.PULLUP, 1, MODE.OUTPUT, 1);
    if (isAnalogPin(pin)) out.push(MODE.ANALOG, 10);
    if (isPwmPin(pin)) out.push(MODE.PWM, 8);
    if (isDigitalPin(pin)) out.push(MODE.SERVO, 14);
    if (isI2cPin(pin)) out.push(MODE.I2C, 1);
    if (isDigitalPin(pin)) out.push(MODE.PING_READ, 1);
    if (isSerialPin(pin)) out.push(MODE.SERIAL, pin);
    out.push(127);
  }
  out.push(CMD.END_SYSEX);
  return out;
}

/** ANALOG_MAPPING_RESPONSE: channel per pin, 127 for none (channels 0..7 at pins 14..21). */
export function analogMappingResponse(): number[] {
  const out: number[] = [CMD.START_SYSEX, SYSEX.ANALOG_MAPPING_RESPONSE];
  for (let pin = 0; pin < TOTAL_PINS; pin++) out.push(analogChannelOf(pin));
  out.push(CMD.END_SYSEX);
  return out;
}

