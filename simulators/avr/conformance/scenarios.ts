/**
 * What the conformance suite sends: host byte streams as Johnny-Five and
 * firmata-io write them (and a few they never would), grouped into named
 * scenarios. Both boards receive the whole timeline, scenario after scenario
 * on one boot, at the same times; each scenario's replies are those that
 * arrive inside its window. A scenario lists the deliberate differences
 * (`deliberate-differences.ts`) it is expected to show, and no others.
 */
import { CMD, MODE, SYSEX } from '../../../harness/mbot/firmata-constants.ts';
import type { DeliberateDifferenceId } from './deliberate-differences.ts';

/** Bytes the host writes at `atMs` after the scenario's start. */
export interface HostStep {
  atMs: number;
  bytes: readonly number[];
  /** What the host means, for failure messages. */
  note: string;
}

/** One scenario. */
export interface Scenario {
  name: string;
  /** One line: what it exercises. */
  summary: string;
  steps: readonly HostStep[];
  /** Replies arriving this many ms after the start belong to it. */
  durationMs: number;
  /** Deliberate differences this scenario shows; every one must occur, no other difference may. */
  differences: readonly DeliberateDifferenceId[];
}

const sysex = (...body: number[]): number[] => [CMD.START_SYSEX, ...body, CMD.END_SYSEX];
const lsbMsb = (v: number): number[] => [v & 0x7f, (v >> 7) & 0x7f];
const pinMode = (pin: number, mode: number): number[] => [CMD.SET_PIN_MODE, pin, mode];
const pinState = (pin: number): number[] => sysex(SYSEX.PIN_STATE_QUERY, pin);
const analogWrite = (pin: number, v: number): number[] => [CMD.ANALOG_MESSAGE | pin, ...lsbMsb(v)];
const digitalPort = (port: number, v: number): number[] => [CMD.DIGITAL_MESSAGE | port, ...lsbMsb(v)];
const reportAnalog = (ch: number, on: boolean): number[] => [CMD.REPORT_ANALOG | ch, on ? 1 : 0];
const reportDigital = (port: number, on: boolean): number[] => [CMD.REPORT_DIGITAL | port, on ? 1 : 0];
const samplingInterval = (ms: number): number[] => sysex(SYSEX.SAMPLING_INTERVAL, ...lsbMsb(ms));
const servoConfig = (pin: number, minUs: number, maxUs: number): number[] => sysex(SYSEX.SERVO_CONFIG, pin, ...lsbMsb(minUs), ...lsbMsb(maxUs));
/** firmata-io `pingRead` bytes: pin, level, pulse and timeout as 32-bit big-endian values in 7-bit pairs. */
const pingRead = (pin: number, pulseUs: number, timeoutUs: number): number[] => {
  const be = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].flatMap(lsbMsb);
  return sysex(SYSEX.PING_READ, pin, 1, ...be(pulseUs), ...be(timeoutUs));
};

/** Queries of each pin's state, `gapMs` apart from `fromMs`. */
function queries(pins: readonly number[], fromMs: number, gapMs = 4): HostStep[] {
  return pins.map((pin, i) => ({ atMs: fromMs + i * gapMs, bytes: pinState(pin), note: `PIN_STATE_QUERY ${pin}` }));
}

/** The scenarios, in the order they run. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'handshake',
    summary: "firmata-io's handshake after the announce (capabilities, analog mapping) and the harness's re-query (REPORT_VERSION, QUERY_FIRMWARE)",
    steps: [
      { atMs: 0, bytes: sysex(SYSEX.CAPABILITY_QUERY), note: 'CAPABILITY_QUERY' },
      { atMs: 25, bytes: sysex(SYSEX.ANALOG_MAPPING_QUERY), note: 'ANALOG_MAPPING_QUERY' },
      { atMs: 40, bytes: [CMD.REPORT_VERSION], note: 'REPORT_VERSION' },
      { atMs: 45, bytes: sysex(SYSEX.REPORT_FIRMWARE), note: 'QUERY_FIRMWARE' },
    ],
    durationMs: 70,
    differences: ['protocol-2.5', 'serial-pins', 'a6-a7', 'pullup-mode', 'ping-read'],
  },
  {
    name: 'robot-rig-setup',
    summary: "the robot fixture's Johnny-Five parts on a 20-pin board: motors, buzzer, line follower (digital reporting on), pen servo, then every pin's state",
    steps: [
      { atMs: 0, bytes: [...pinMode(6, MODE.PWM), ...pinMode(7, MODE.OUTPUT), ...pinMode(5, MODE.PWM), ...pinMode(4, MODE.OUTPUT)], note: 'Motor x2 pin modes' },
      { atMs: 3, bytes: pinMode(8, MODE.OUTPUT), note: 'Piezo pin mode' },
      { atMs: 5, bytes: [...pinMode(16, MODE.INPUT), ...reportDigital(2, true), ...pinMode(17, MODE.INPUT), ...reportDigital(2, true)], note: 'Sensor(type digital) x2' },
      { atMs: 10, bytes: [...servoConfig(11, 600, 2400), ...pinMode(11, MODE.SERVO), ...analogWrite(11, 0)], note: 'Servo({ startAt: 0 })' },
      ...queries([4, 5, 6, 7, 8, 11, 16, 17], 20),
      { atMs: 60, bytes: reportDigital(2, false), note: 'REPORT_DIGITAL port 2 off' },
    ],
    durationMs: 75,
    differences: [],
  },
  {
    name: 'pin-modes',
    summary: 'SET_PIN_MODE to INPUT, OUTPUT, PWM, ANALOG on digital, PWM and analog pins; PIN_STATE_QUERY of each, of the serial pins 0/1 and of a PWM mode on a pin without PWM',
    steps: [
      { atMs: 0, bytes: [...pinMode(2, MODE.INPUT), ...pinMode(3, MODE.OUTPUT), ...pinMode(9, MODE.PWM), ...pinMode(12, MODE.PWM), ...pinMode(15, MODE.ANALOG), ...pinMode(14, MODE.OUTPUT)], note: 'pin modes' },
      ...queries([0, 1, 2, 3, 9, 12, 14, 15], 5),
      { atMs: 45, bytes: [...pinMode(14, MODE.ANALOG), ...reportAnalog(0, false), ...reportAnalog(1, false)], note: 'A0 back to ANALOG (which turns its reporting on), A0 and A1 reporting off' },
    ],
    durationMs: 60,
    differences: [],
  },
  {
    name: 'unknown-pin-mode',
    summary: 'SET_PIN_MODE with a mode number no firmware knows (0x55), then the pin state',
    steps: [{ atMs: 0, bytes: pinMode(12, 0x55), note: 'mode 0x55' }, ...queries([12], 5)],
    durationMs: 20,
    differences: [],
  },
  {
    name: 'pullup-mode',
    summary: "SET_PIN_MODE PULLUP (0x0B), Firmata 2.5's pull-up mode (in firmata-io's MODES; Johnny-Five 2.1's Button with isPullup uses INPUT and a port write instead, see input-pullup)",
    steps: [{ atMs: 0, bytes: pinMode(12, MODE.PULLUP), note: 'PULLUP on 12' }, { atMs: 5, bytes: pinMode(12, MODE.OUTPUT), note: 'back to OUTPUT' }],
    durationMs: 20,
    differences: ['pullup-mode'],
  },
  {
    name: 'input-pullup',
    summary: "Johnny-Five's Button with isPullup (SET_PIN_MODE INPUT, then a port write with the pin's bit set) on 9 and 12, read back by PIN_STATE_QUERY and REPORT_DIGITAL; then 12's bit cleared by a port write; then SET_PIN_MODE INPUT again",
    steps: [
      { atMs: 0, bytes: [...pinMode(9, MODE.INPUT), ...pinMode(12, MODE.INPUT), ...digitalPort(1, (1 << 1) | (1 << 4))], note: 'Button({ pin: 9/12, isPullup: true }): INPUT, then digitalWrite HIGH' },
      ...queries([9, 12], 5),
      { atMs: 15, bytes: reportDigital(1, true), note: 'REPORT_DIGITAL port 1 on (both pull-ups on)' },
      { atMs: 25, bytes: reportDigital(1, false), note: 'REPORT_DIGITAL port 1 off' },
      { atMs: 30, bytes: digitalPort(1, 1 << 1), note: "port write with 12's bit cleared (digitalWrite(12, LOW))" },
      ...queries([12], 35),
      { atMs: 40, bytes: reportDigital(1, true), note: 'REPORT_DIGITAL port 1 on (is 12 still pulled up?)' },
      { atMs: 50, bytes: [...reportDigital(1, false), ...pinMode(9, MODE.INPUT), ...pinMode(12, MODE.INPUT)], note: 'off; SET_PIN_MODE INPUT again on 9 and 12' },
      { atMs: 55, bytes: reportDigital(1, true), note: 'REPORT_DIGITAL port 1 on (pull-ups off)' },
      { atMs: 65, bytes: [...reportDigital(1, false), ...pinMode(9, MODE.OUTPUT), ...pinMode(12, MODE.OUTPUT)], note: 'off; back to OUTPUT' },
    ],
    durationMs: 80,
    differences: ['input-pullup-clear'],
  },
  {
    name: 'digital-writes',
    summary: 'DIGITAL_MESSAGE port writes (pin 13 high, then the port low), read back with PIN_STATE_QUERY',
    steps: [
      { atMs: 0, bytes: [...pinMode(13, MODE.OUTPUT), ...pinMode(12, MODE.OUTPUT), ...digitalPort(1, 1 << 5)], note: 'pin 13 high by port write' },
      ...queries([13, 12], 5),
      { atMs: 15, bytes: digitalPort(1, (1 << 5) | (1 << 4)), note: 'pins 12 and 13 high' },
      ...queries([12], 20),
      { atMs: 25, bytes: digitalPort(1, 0), note: 'port 1 low' },
      ...queries([13, 12], 30),
    ],
    durationMs: 45,
    differences: [],
  },
  {
    name: 'set-digital-pin-value',
    summary: 'SET_DIGITAL_PIN_VALUE (0xF5) on an output, read back with PIN_STATE_QUERY',
    steps: [
      { atMs: 0, bytes: [...pinMode(12, MODE.OUTPUT), CMD.SET_DIGITAL_PIN_VALUE, 12, 1], note: 'SET_DIGITAL_PIN_VALUE 12 high' },
      ...queries([12], 5),
      { atMs: 10, bytes: [CMD.SET_DIGITAL_PIN_VALUE, 12, 0], note: 'SET_DIGITAL_PIN_VALUE 12 low' },
      ...queries([12], 15),
    ],
    durationMs: 30,
    differences: ['set-digital-pin-value'],
  },
  {
    name: 'analog-writes',
    summary: 'PWM writes with ANALOG_MESSAGE (0, 200, 255, an over-range 300) and EXTENDED_ANALOG, read back with PIN_STATE_QUERY',
    steps: [
      { atMs: 0, bytes: [...pinMode(9, MODE.PWM), ...analogWrite(9, 200), ...pinMode(6, MODE.PWM), ...analogWrite(6, 255), ...pinMode(5, MODE.PWM), ...analogWrite(5, 0)], note: 'PWM 9=200 6=255 5=0' },
      ...queries([9, 6, 5], 5),
      { atMs: 20, bytes: sysex(SYSEX.EXTENDED_ANALOG, 9, ...lsbMsb(100)), note: 'EXTENDED_ANALOG 9=100' },
      { atMs: 22, bytes: analogWrite(10, 300), note: 'ANALOG_MESSAGE 10=300 on an OUTPUT pin' },
      ...queries([9, 10], 25),
      { atMs: 35, bytes: [...analogWrite(9, 0), ...analogWrite(6, 0)], note: 'PWM off' },
    ],
    durationMs: 45,
    differences: [],
  },
  {
    name: 'analog-reporting',
    summary: 'REPORT_ANALOG on for A0 at a 100 ms sampling interval for 450 ms, then off: the value at once, then one report per interval on the firmware\'s grid',
    steps: [
      { atMs: 0, bytes: samplingInterval(100), note: 'SAMPLING_INTERVAL 100' },
      { atMs: 7, bytes: reportAnalog(0, true), note: 'REPORT_ANALOG A0 on' },
      { atMs: 457, bytes: reportAnalog(0, false), note: 'REPORT_ANALOG A0 off' },
    ],
    durationMs: 700,
    differences: [],
  },
  {
    name: 'sampling-intervals',
    summary: 'SAMPLING_INTERVAL changes while A1 is reported: 100 → 10 (a catch-up burst), 5 (below the minimum), a one-byte body, back to 19',
    steps: [
      { atMs: 0, bytes: reportAnalog(1, true), note: 'REPORT_ANALOG A1 on (interval 100)' },
      { atMs: 250, bytes: samplingInterval(10), note: 'SAMPLING_INTERVAL 10' },
      { atMs: 300, bytes: samplingInterval(5), note: 'SAMPLING_INTERVAL 5' },
      { atMs: 350, bytes: sysex(SYSEX.SAMPLING_INTERVAL, 50), note: 'SAMPLING_INTERVAL with one byte' },
      { atMs: 400, bytes: samplingInterval(19), note: 'SAMPLING_INTERVAL 19' },
      { atMs: 450, bytes: reportAnalog(1, false), note: 'REPORT_ANALOG A1 off' },
    ],
    durationMs: 480,
    differences: [],
  },
  {
    name: 'digital-reporting',
    summary: 'REPORT_DIGITAL on for port 0 with the IR receiver (D2, idle high) and a floating input (D3): the port value at once, then off',
    steps: [
      { atMs: 0, bytes: [...pinMode(2, MODE.INPUT), ...pinMode(3, MODE.INPUT)], note: 'D2, D3 inputs' },
      { atMs: 5, bytes: reportDigital(0, true), note: 'REPORT_DIGITAL port 0 on' },
      { atMs: 40, bytes: reportDigital(0, false), note: 'REPORT_DIGITAL port 0 off' },
      { atMs: 45, bytes: [...pinMode(2, MODE.OUTPUT), ...pinMode(3, MODE.OUTPUT)], note: 'back to OUTPUT' },
    ],
    durationMs: 60,
    differences: [],
  },
  {
    name: 'servo',
    summary: 'SERVO_CONFIG, servo writes in degrees (ANALOG_MESSAGE) and microseconds (EXTENDED_ANALOG), detach by SET_PIN_MODE OUTPUT',
    steps: [
      { atMs: 0, bytes: servoConfig(11, 544, 2400), note: 'SERVO_CONFIG 11 544..2400' },
      ...queries([11], 5),
      { atMs: 10, bytes: analogWrite(11, 90), note: 'servo 11 to 90 deg' },
      ...queries([11], 15),
      { atMs: 20, bytes: sysex(SYSEX.EXTENDED_ANALOG, 11, ...lsbMsb(1500)), note: 'servo 11 to 1500 us' },
      ...queries([11], 25),
      { atMs: 30, bytes: pinMode(11, MODE.OUTPUT), note: 'detach' },
      ...queries([11], 35),
    ],
    durationMs: 50,
    differences: [],
  },
  {
    name: 'ping-read',
    summary: "PingFirmata's PING_READ on the ultrasonic's pin (10), as Johnny-Five's HCSR04 Proximity sends it",
    steps: [{ atMs: 0, bytes: pingRead(10, 10, 25_000), note: 'PING_READ 10' }, { atMs: 40, bytes: [CMD.REPORT_VERSION], note: 'REPORT_VERSION (still alive)' }],
    durationMs: 60,
    differences: ['ping-read', 'protocol-2.5'],
  },
  {
    name: 'unknown-sysex',
    summary: 'a sysex command no firmware implements (0x42), and node-pixel\'s 0x51 with an unknown sub-command',
    steps: [
      { atMs: 0, bytes: sysex(0x42, 1, 2), note: 'sysex 0x42' },
      { atMs: 10, bytes: sysex(SYSEX.PIXEL_COMMAND, 0x7e), note: 'pixel sub-command 0x7e' },
    ],
    durationMs: 30,
    differences: [],
  },
  {
    name: 'malformed',
    summary: 'stray data bytes, a command cut short, an unknown command byte, a lone END_SYSEX, an empty sysex; REPORT_VERSION after each shows the parser recovered',
    steps: [
      { atMs: 0, bytes: [0x12, 0x34, CMD.REPORT_VERSION], note: 'stray data' },
      { atMs: 5, bytes: [CMD.DIGITAL_MESSAGE | 1, 0x01, CMD.REPORT_VERSION], note: 'DIGITAL_MESSAGE cut short' },
      { atMs: 10, bytes: [0xf1, 0x05, CMD.REPORT_VERSION], note: 'unknown command 0xF1' },
      { atMs: 15, bytes: [CMD.END_SYSEX, CMD.REPORT_VERSION], note: 'lone END_SYSEX' },
      { atMs: 20, bytes: [CMD.START_SYSEX, CMD.END_SYSEX, CMD.REPORT_VERSION], note: 'empty sysex' },
    ],
    durationMs: 35,
    differences: ['protocol-2.5'],
  },
  {
    name: 'command-inside-sysex',
    summary: 'a command byte (REPORT_VERSION) inside an unterminated PIN_STATE_QUERY sysex',
    steps: [{ atMs: 0, bytes: [CMD.START_SYSEX, SYSEX.PIN_STATE_QUERY, CMD.REPORT_VERSION, CMD.END_SYSEX], note: 'F0 6D F9 F7' }],
    durationMs: 20,
    differences: ['sysex-abort'],
  },
  {
    name: 'out-of-range',
    summary: 'pins, ports and channels beyond the board: PIN_STATE_QUERY 19/30/127, SET_PIN_MODE 40, DIGITAL_MESSAGE port 5, ANALOG_MESSAGE channel 15, REPORT_ANALOG 15, REPORT_DIGITAL 7',
    steps: [
      ...queries([19, 30, 127], 0),
      { atMs: 15, bytes: [...pinMode(40, MODE.OUTPUT), ...digitalPort(5, 1), ...analogWrite(15, 1), ...reportAnalog(15, true), ...reportDigital(7, true)], note: 'out-of-range writes' },
      { atMs: 25, bytes: [...reportAnalog(15, false), ...reportDigital(7, false)], note: 'reporting off again' },
    ],
    durationMs: 60,
    differences: [],
  },
  {
    name: 'analog-a6-a7',
    summary: "the mCore's light sensor (A6) and button (A7): PIN_STATE_QUERY 20/21 and REPORT_ANALOG 6/7",
    steps: [
      ...queries([20, 21], 0),
      { atMs: 10, bytes: [...reportAnalog(6, true), ...reportAnalog(7, true)], note: 'REPORT_ANALOG A6, A7 on' },
      { atMs: 60, bytes: [...reportAnalog(6, false), ...reportAnalog(7, false)], note: 'REPORT_ANALOG A6, A7 off' },
    ],
    durationMs: 80,
    differences: ['a6-a7'],
  },
  {
    name: 'system-reset',
    summary: 'SYSTEM_RESET while pin 13 is high and A0 reported: reports stop, pins return to their defaults',
    steps: [
      { atMs: 0, bytes: [...pinMode(13, MODE.OUTPUT), ...digitalPort(1, 1 << 5), ...reportAnalog(0, true)], note: 'pin 13 high, A0 reported' },
      { atMs: 30, bytes: [CMD.SYSTEM_RESET], note: 'SYSTEM_RESET' },
      ...queries([13, 14, 3], 35),
      { atMs: 120, bytes: samplingInterval(19), note: 'SAMPLING_INTERVAL 19 (the default back)' },
    ],
    durationMs: 140,
    differences: [],
  },
  {
    // Last on purpose: StandardFirmata 2.4 stores every sysex byte without a bound check, so this
    // overwrites RAM past its 64-byte buffer; the board answers at once but misbehaves later.
    name: 'sysex-overflow',
    summary: 'a PIN_STATE_QUERY sysex padded to 71 bytes (Firmata\'s buffer holds 64); runs last because it corrupts the real firmware\'s RAM',
    steps: [
      { atMs: 0, bytes: sysex(SYSEX.PIN_STATE_QUERY, ...new Array<number>(70).fill(3)), note: 'PIN_STATE_QUERY padded to 71 bytes' },
      { atMs: 20, bytes: [CMD.REPORT_VERSION], note: 'REPORT_VERSION' },
    ],
    durationMs: 35,
    differences: ['sysex-overflow', 'protocol-2.5'],
  },
];

/** Gap between two scenarios' windows, ms (replies in it would belong to neither and fail the suite). */
export const SCENARIO_GAP_MS = 20;

/** Absolute start (ms after reset) of each scenario when the timeline starts at `firstMs`. */
export function scenarioStarts(firstMs: number, scenarios: readonly Scenario[] = SCENARIOS): number[] {
  const starts: number[] = [];
  let at = firstMs;
  for (const s of scenarios) {
    starts.push(at);
    at += s.durationMs + SCENARIO_GAP_MS;
  }
  return starts;
}
