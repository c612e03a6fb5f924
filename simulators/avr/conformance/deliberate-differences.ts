/**
 * Where the simulator differs from the real StandardFirmata 2.4 binary ON
 * PURPOSE, one row each, with the reason. Each row also says how to see past
 * it: a rewrite of one side's messages that turns the expected difference
 * into agreement and nothing else (a row that rewrites nothing in a scenario
 * that lists it fails the suite as stale). Any difference no row explains
 * fails the suite. `render-doc.ts` prints this table into
 * docs/firmware-conformance.md.
 */
import { MODE, SYSEX } from '../../../harness/mbot/firmata-constants.ts';
import type { FirmataMessage } from '../../mbot/firmata-parser.ts';
import { capabilityPins, formatMessage, type ReplyMessage } from './reply-messages.ts';

/** Which board a message came from. */
export type Side = 'firmware' | 'simulator';

/** Ids of the rows. */
export type DeliberateDifferenceId =
  | 'protocol-2.5' | 'serial-pins' | 'set-digital-pin-value' | 'a6-a7' | 'pullup-mode' | 'input-pullup-clear' | 'ping-read' | 'sysex-abort' | 'sysex-overflow';

/** One row. */
export interface DeliberateDifference {
  id: DeliberateDifferenceId;
  /** What differs, in one line. */
  what: string;
  /** What the real firmware does. */
  firmware: string;
  /** What the simulator does. */
  simulator: string;
  /** Why the simulator does it anyway. */
  reason: string;
  /**
   * Rewrites one message so the expected difference disappears: a new
   * message, `null` to drop it, `undefined` when the row does not concern it.
   */
  rewrite(side: Side, m: ReplyMessage): ReplyMessage | null | undefined;
}

function withMessage(m: ReplyMessage, message: FirmataMessage): ReplyMessage {
  return { ...m, message, line: formatMessage(message) };
}

function isSysex(m: ReplyMessage, command: number): m is ReplyMessage & { message: { kind: 'sysex'; command: number; data: number[] } } {
  return m.message.kind === 'sysex' && m.message.command === command;
}

/** A capability response without some pins and some modes. */
function trimCapabilities(m: ReplyMessage & { message: { kind: 'sysex'; data: number[] } }, keep: (pin: number, mode: number) => boolean): ReplyMessage | undefined {
  const pins = capabilityPins(m.message.data);
  const data: number[] = [];
  pins.forEach((entries, pin) => {
    if (!keep(pin, -1)) return;
    for (const e of entries) if (keep(pin, e.mode)) data.push(e.mode, e.resolution);
    data.push(127);
  });
  if (data.length === m.message.data.length) return undefined;
  return withMessage(m, { kind: 'sysex', command: SYSEX.CAPABILITY_RESPONSE, data });
}

/** The rows, in the order the docs show them. */
export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [
  {
    id: 'protocol-2.5',
    what: 'protocol and firmware version',
    firmware: 'REPORT_VERSION 2.4, REPORT_FIRMWARE 2.4 "StandardFirmata.ino"',
    simulator: 'REPORT_VERSION 2.5, REPORT_FIRMWARE 2.5 (name configurable)',
    reason:
      'The simulator models StandardFirmata 2.5, what the Arduino IDE and Makeblock\'s mbot_nodebots builds install today; the only Uno build of StandardFirmata on the npm registry is 2.4. The rows below that are 2.5 features (PULLUP) follow from this one.',
    rewrite(side, m) {
      if (side !== 'simulator') return undefined;
      const msg = m.message;
      if (msg.kind === 'report-version' && msg.major === 2 && msg.minor === 5) return withMessage(m, { ...msg, minor: 4 });
      if (isSysex(m, SYSEX.REPORT_FIRMWARE) && m.message.data[0] === 2 && m.message.data[1] === 5) {
        return withMessage(m, { ...m.message, data: [2, 4, ...m.message.data.slice(2)] });
      }
      return undefined;
    },
  },
  {
    id: 'serial-pins',
    what: 'the serial pins D0/D1 in the capability table',
    firmware: 'no modes listed for pins 0 and 1',
    simulator: 'SERIAL (0x0A) with RX0/TX0 on pins 0 and 1',
    reason: 'The simulator models StandardFirmata 2.5 built with SerialFirmata, which lists the hardware UART pins as SERIAL (RX0/TX0); 2.4 has no serial feature (and node-pixel\'s 2.5 build leaves it out).',
    rewrite(side, m) {
      if (side !== 'simulator' || !isSysex(m, SYSEX.CAPABILITY_RESPONSE)) return undefined;
      return trimCapabilities(m, (pin, mode) => !(pin < 2 && mode === MODE.SERIAL));
    },
  },
  {
    id: 'set-digital-pin-value',
    what: 'SET_DIGITAL_PIN_VALUE (0xF5)',
    firmware: 'ignored: the pin keeps its level',
    simulator: 'sets the one pin high or low',
    reason: 'SET_DIGITAL_PIN_VALUE is a Firmata 2.5 message, and the simulator models 2.5. firmata-io 2.3 and Johnny-Five 2.1 never send it (their digitalWrite is always a DIGITAL_MESSAGE port write), so only a host that writes 0xF5 itself meets this row.',
    rewrite(side, m) {
      // The simulator's read-back shows the level F5 set; the 2.4 firmware's shows the level before.
      if (side !== 'simulator' || !isSysex(m, SYSEX.PIN_STATE_RESPONSE) || m.message.data[0] !== 12 || m.message.data[1] !== MODE.OUTPUT) return undefined;
      return m.message.data[2] === 1 ? withMessage(m, { ...m.message, data: [12, MODE.OUTPUT, 0] }) : undefined;
    },
  },
  {
    id: 'a6-a7',
    what: "the mCore's analog-only A6/A7 (light sensor, button)",
    firmware: '20 pins: capability and analog mapping end at A5 (pin 19); PIN_STATE_QUERY 20/21 says "no such pin"; REPORT_ANALOG 6/7 is ignored',
    simulator: '22 pins: A6 (pin 20) and A7 (pin 21) are ANALOG-only pins with channels 6 and 7, reported like A0..A5',
    reason:
      'The mCore\'s ATmega328P is the TQFP package with ADC6/ADC7 wired to the light sensor and the button, and DESIGN.md has the simulator describe 22 pins (StandardFirmata\'s Boards.h gives 22 when the core variant declares 8 analog inputs, 20 when it declares 6, as the Uno variant does). The registry image is the Uno build: it cannot read the light sensor or the button at all.',
    rewrite(side, m) {
      if (side !== 'simulator') return undefined;
      const msg = m.message;
      if (isSysex(m, SYSEX.CAPABILITY_RESPONSE)) return trimCapabilities(m, (pin) => pin < 20);
      if (isSysex(m, SYSEX.ANALOG_MAPPING_RESPONSE) && m.message.data.length === 22) {
        return withMessage(m, { ...m.message, data: m.message.data.slice(0, 20) });
      }
      if (isSysex(m, SYSEX.PIN_STATE_RESPONSE) && (m.message.data[0] === 20 || m.message.data[0] === 21) && m.message.data.length > 1) {
        return withMessage(m, { ...m.message, data: m.message.data.slice(0, 1) });
      }
      if (msg.kind === 'analog' && (msg.channel === 6 || msg.channel === 7)) return null;
      return undefined;
    },
  },
  {
    id: 'pullup-mode',
    what: 'PIN_MODE_PULLUP (0x0B)',
    firmware: 'not in the capability table; SET_PIN_MODE PULLUP answers STRING_DATA "Unknown pin mode"',
    simulator: 'PULLUP listed for every digital pin and accepted (the internal pull-up turns on)',
    reason: 'PULLUP is a Firmata 2.5 mode (StandardFirmata 2.5.0 on), and firmata-io lists it in its MODES for a program that sets it. Johnny-Five 2.1\'s Button with isPullup does not use it: it sets INPUT and writes the pin\'s bit (scenario input-pullup).',
    rewrite(side, m) {
      if (side === 'simulator' && isSysex(m, SYSEX.CAPABILITY_RESPONSE)) return trimCapabilities(m, (_pin, mode) => mode !== MODE.PULLUP);
      if (side === 'firmware' && m.line === 'string "Unknown pin mode"') return null;
      return undefined;
    },
  },
  {
    id: 'input-pullup-clear',
    what: "a port write that clears an INPUT pin's bit after a write set it (the pull-up)",
    firmware: 'turns the pull-up off: the 2.4 sketch writes INPUT pins\' bits to the port register, so a 0 clears it (in `input-pullup` pin 12 then reads low)',
    simulator: 'leaves the pull-up on until SET_PIN_MODE changes the pin (pin 12 keeps reading high); the pin state still reads 0',
    reason:
      'StandardFirmata 2.5 turns the pull-up on with pinMode(INPUT_PULLUP) when a 1 is written to an INPUT pin and never writes INPUT pins\' bits to the port, so a 0 leaves it on; node-pixel\'s 2.5 build, run in the emulator, does exactly what the simulator does. Johnny-Five\'s Button with isPullup sets the bit; both agree on that part.',
    rewrite(side, m) {
      // Only the report taken after the 0 write differs: 9 still pulled up, 12 cleared on the firmware alone.
      if (side === 'firmware' && m.message.kind === 'digital-port' && m.message.port === 1 && m.message.value === 0b0000_0010) {
        return withMessage(m, { ...m.message, value: 0b0001_0010 });
      }
      return undefined;
    },
  },
  {
    id: 'ping-read',
    what: "PingFirmata's PING_READ (sysex 0x75) for the ultrasonic",
    firmware: 'no PING_READ mode in the capability table; the sysex is ignored (no reply)',
    simulator: 'PING_READ (0x75) listed for every digital pin; the request blocks the loop for the echo and answers with the pulse length',
    reason:
      'Johnny-Five reads the mBot\'s HC-SR04-style ultrasonic with firmata-io pingRead, which refuses a pin without mode 0x75; mBot Firmata builds (mbot_nodebots, interchange\'s hc-sr04 firmata) include PingFirmata for it.',
    rewrite(side, m) {
      if (side !== 'simulator') return undefined;
      if (isSysex(m, SYSEX.CAPABILITY_RESPONSE)) return trimCapabilities(m, (_pin, mode) => mode !== MODE.PING_READ);
      if (isSysex(m, SYSEX.PING_READ)) return null;
      return undefined;
    },
  },
  {
    id: 'sysex-abort',
    what: 'a command byte inside a sysex',
    firmware: 'kept as sysex data: F0 6D F9 F7 is answered as PIN_STATE_QUERY of "pin" 0xF9 with F0 6E F9 F7, a reply that itself carries a command byte',
    simulator: 'aborts the sysex and runs the command (as firmata-io\'s host-side parser does)',
    reason:
      'A corrupted END_SYSEX would otherwise make the firmware swallow every command until the next 0xF7, which turns one flipped bit of a fault-injection run into seconds of chaos; the simulator resynchronises at the next command byte, as the host does (firmata-parser.ts).',
    rewrite(side, m) {
      // The firmware's F0 6E F9 F7 reaches a host parser as broken pieces; the simulator answers the F9 instead.
      if (side === 'firmware' && m.message.kind === 'dropped') return null;
      if (side === 'simulator' && m.message.kind === 'report-version') return null;
      return undefined;
    },
  },
  {
    id: 'sysex-overflow',
    what: 'a sysex longer than the 64-byte buffer',
    firmware: 'stores every byte with no bound check (StandardFirmata 2.4), overwriting the RAM after its buffer, then runs the command from the first bytes (here: PIN_STATE_QUERY 3); later commands can misbehave or get no answer',
    simulator: 'drops the whole sysex (firmata-parser.ts, Firmata\'s MAX_DATA_BYTES)',
    reason: 'Memory corruption cannot be modelled faithfully and no host should rely on it (node-pixel\'s 2.5 build misbehaved after the same input too). The suite runs this scenario last so the corrupted board cannot spoil the others.',
    rewrite(side, m) {
      if (side === 'firmware' && isSysex(m, SYSEX.PIN_STATE_RESPONSE)) return null;
      return undefined;
    },
  },
];

/** The row with `id`. */
export function deliberateDifference(id: DeliberateDifferenceId): DeliberateDifference {
  const row = DELIBERATE_DIFFERENCES.find((d) => d.id === id);
  if (row === undefined) throw new RangeError(`no deliberate difference ${id}`);
  return row;
}
