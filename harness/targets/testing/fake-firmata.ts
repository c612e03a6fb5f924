/**
 * A minimal Firmata board on serialport's mock binding, for the targets'
 * own unit tests: answers the handshake (REPORT_VERSION, QUERY_FIRMWARE,
 * CAPABILITY_QUERY, ANALOG_MAPPING_QUERY) and records every byte the host
 * writes and when the host closed the port. It has no physics; the
 * simulator (`simulators/`) is the real stand-in. `silent: true` makes a
 * port that never answers (firmware-timeout tests).
 */
import { SerialPortStream } from '@serialport/stream';
// The simulator's typed handle on @serialport/binding-mock (its own types do not resolve under NodeNext).
import { MockBinding, type MockPortBinding } from '../../../simulators/mbot/serial-types.ts';

/** One thing the fake board saw: a host write or the host closing the port. */
export type FakeBoardEvent = { kind: 'write'; bytes: number[] } | { kind: 'close' };

/** Options of {@link createFakeFirmataPort}. */
export interface FakeFirmataOptions {
  /** Never answer anything. */
  silent?: boolean;
  /** Bytes sent as soon as the host opens the port (e.g. line noise). */
  greeting?: number[];
  /** Firmware name reported. Default `FakeFirmata.ino`. */
  firmwareName?: string;
  /** Protocol major version reported. Default 2. */
  protocolMajor?: number;
}

/** A fake board's port and its log. */
export interface FakeFirmataPort {
  path: string;
  /** Makes a new, unopened stream on the fake device (as a target's `makePort` must). */
  makePort(): SerialPortStream;
  /** Everything the host did, in order. */
  events: FakeBoardEvent[];
  /** All host-written bytes, concatenated. */
  written(): number[];
  /** Simulates the cable being pulled: the host's pending read fails as a disconnect. */
  unplug(): void;
}

const PIN_COUNT = 22;

function capabilityResponse(): number[] {
  const out = [0xf0, 0x6c];
  for (let pin = 0; pin < PIN_COUNT; pin++) {
    if (pin >= 14) out.push(0x02, 10); // analog input, 10 bits
    if (pin < 20) out.push(0x00, 1, 0x01, 1); // digital in/out
    if ([3, 5, 6, 9, 10, 11].includes(pin)) out.push(0x03, 8); // PWM
    if (pin < 20) out.push(0x04, 14); // servo
    out.push(0x7f);
  }
  out.push(0xf7);
  return out;
}

function analogMappingResponse(): number[] {
  const out = [0xf0, 0x6a];
  for (let pin = 0; pin < PIN_COUNT; pin++) out.push(pin >= 14 ? pin - 14 : 0x7f);
  out.push(0xf7);
  return out;
}

function firmwareResponse(name: string): number[] {
  const out = [0xf0, 0x79, 2, 5];
  for (const ch of Buffer.from(name, 'ascii')) out.push(ch & 0x7f, 0);
  out.push(0xf7);
  return out;
}

let counter = 0;

/**
 * Creates a fake board at a fresh mock path. The mock binding is global to
 * the process; each call uses its own path so tests do not collide.
 */
export function createFakeFirmataPort(opts: FakeFirmataOptions = {}): FakeFirmataPort {
  counter += 1;
  const path = `/dev/fake-firmata-${process.pid}-${counter}`;
  MockBinding.createPort(path, { echo: false, record: false });
  const events: FakeBoardEvent[] = [];
  let current: MockPortBinding | null = null;

  const answer = (port: MockPortBinding, bytes: number[]): void => {
    if (opts.silent) return;
    const send = (b: number[]): void => { setImmediate(() => { if (port.isOpen) port.emitData(Buffer.from(b)); }); };
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0xf9) send([0xf9, opts.protocolMajor ?? 2, 5]);
      if (b === 0xf0) {
        const cmd = bytes[i + 1];
        if (cmd === 0x79) send(firmwareResponse(opts.firmwareName ?? 'FakeFirmata.ino'));
        if (cmd === 0x6b) send(capabilityResponse());
        if (cmd === 0x69) send(analogMappingResponse());
      }
    }
  };

  const makePort = (): SerialPortStream => {
    const stream = new SerialPortStream({ binding: MockBinding, path, baudRate: 57600, autoOpen: false });
    stream.once('open', () => {
      const port = stream.port as unknown as MockPortBinding;
      current = port;
      const write = port.write.bind(port);
      port.write = async (buffer: Buffer): Promise<void> => {
        events.push({ kind: 'write', bytes: [...buffer] });
        await write(buffer);
        answer(port, [...buffer]);
      };
      const close = port.close.bind(port);
      port.close = async (): Promise<void> => {
        events.push({ kind: 'close' });
        await close();
      };
      if (opts.greeting) port.emitData(Buffer.from(opts.greeting));
    });
    return stream;
  };

  return {
    path,
    makePort,
    events,
    written: () => events.flatMap((e) => (e.kind === 'write' ? e.bytes : [])),
    unplug() {
      const port = current as unknown as { pendingRead: null | ((err: Error | null) => void) } | null;
      // The mock binding rejects a pending read with this error; a non-canceled error is a disconnect.
      port?.pendingRead?.(new Error('fake cable pulled'));
    },
  };
}
