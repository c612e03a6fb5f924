import { describe, expect, it } from 'vitest';
import { FirmataParser, MAX_STRAY_RUN, type FirmataMessage } from './firmata-parser.ts';
import { ToneMeter } from './tone-meter.ts';

function parse(bytes: number[], direction: 'to-device' | 'to-host' = 'to-device', maxSysexBytes?: number): FirmataMessage[] {
  const out: FirmataMessage[] = [];
  new FirmataParser({ direction, maxSysexBytes }, (m) => out.push(m)).pushAll(bytes);
  return out;
}

describe('FirmataParser', () => {
  it('joins 7-bit pairs and reads channels from the command byte', () => {
    expect(parse([0xe6, 0x48, 0x01, 0x91, 0x03, 0x00, 0xf4, 13, 1, 0xc7, 1])).toEqual([
      { kind: 'analog', channel: 6, value: 200 },
      { kind: 'digital-port', port: 1, value: 3 },
      { kind: 'pin-mode', pin: 13, mode: 1 },
      { kind: 'report-analog', channel: 7, enable: 1 },
    ]);
  });

  it('REPORT_VERSION has data bytes only towards the host', () => {
    expect(parse([0xf9])).toEqual([{ kind: 'report-version' }]);
    expect(parse([0xf9, 2, 5], 'to-host')).toEqual([{ kind: 'report-version', major: 2, minor: 5 }]);
  });

  it('resynchronises on the next command byte after garbage, never throwing', () => {
    const msgs = parse([0x01, 0x02, 0xe6, 0x10, 0xf4, 6, 3, 0xf1, 0x55, 0xf9]);
    expect(msgs).toEqual([
      { kind: 'dropped', reason: 'stray-data', bytes: [1, 2] },
      { kind: 'dropped', reason: 'incomplete', bytes: [0xe6, 0x10] },
      { kind: 'pin-mode', pin: 6, mode: 3 },
      { kind: 'dropped', reason: 'stray-data', bytes: [0xf1] },
      { kind: 'dropped', reason: 'stray-data', bytes: [0x55] },
      { kind: 'report-version' },
    ]);
  });

  it('aborts a sysex on a command byte, drops over-long and empty ones', () => {
    expect(parse([0xf0, 0x79, 1, 0xf9])).toEqual([
      { kind: 'dropped', reason: 'sysex-aborted', bytes: [0xf0, 0x79, 1] },
      { kind: 'report-version' },
    ]);
    const long = parse([0xf0, 0x71, ...Array(70).fill(0x20), 0xf7, 0xf0, 0x79, 0xf7]);
    expect(long[0]).toMatchObject({ kind: 'dropped', reason: 'sysex-overflow' });
    expect(long[1]).toEqual({ kind: 'sysex', command: 0x79, data: [] });
    expect(parse([0xf0, 0xf7])).toEqual([{ kind: 'dropped', reason: 'sysex-empty', bytes: [0xf0, 0xf7] }]);
    // Exactly MAX_DATA_BYTES (command byte included) still fits.
    expect(parse([0xf0, 0x71, ...Array(63).fill(1), 0xf7])[0]).toMatchObject({ kind: 'sysex', command: 0x71 });
  });

  it('handles SYSTEM_RESET immediately, even mid-command', () => {
    expect(parse([0xe6, 0x10, 0xff, 0xf9])).toEqual([
      { kind: 'dropped', reason: 'incomplete', bytes: [0xe6, 0x10] },
      { kind: 'system-reset' },
      { kind: 'report-version' },
    ]);
  });
});

describe('ToneMeter', () => {
  it('reads the frequency from edge times and goes silent after a quiet spell', () => {
    const m = new ToneMeter();
    // 250 Hz: an edge every 2 ms.
    for (let t = 0; t <= 100; t += 2) m.edge(t);
    expect(m.frequencyHz(100)).toBe(250);
    expect(m.frequencyHz(140)).toBe(250);
    expect(m.frequencyHz(151)).toBe(0);
    expect(new ToneMeter().frequencyHz(0)).toBe(0);
  });
});

describe('FirmataParser memory', () => {
  it('a flood of data bytes without a command is reported in runs of at most MAX_STRAY_RUN (memory stays flat)', () => {
    const drops: number[] = [];
    const p = new FirmataParser({ direction: 'to-device' }, (m) => {
      if (m.kind === 'dropped') drops.push(m.bytes.length);
    });
    for (let i = 0; i < 10_000; i++) p.push(0);
    expect(Math.max(...drops)).toBe(MAX_STRAY_RUN);
    expect(drops.reduce((a, b) => a + b, 0)).toBe(10_000 - (10_000 % MAX_STRAY_RUN));
    p.push(0xf9);
    expect(drops.reduce((a, b) => a + b, 0)).toBe(10_000);
  });
});
