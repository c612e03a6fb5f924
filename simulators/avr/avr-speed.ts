/**
 * Prints how fast the emulated ATmega328P runs a firmware image on this
 * machine: emulated ms per wall ms (the real-time factor), for the bare chip
 * and for the clocked mBot (world wired to the pins, 1 ms input refresh,
 * a host reading analog reports every 19 ms through the serialport binding on
 * a virtual clock). The load average is printed beside: the figure is only
 * as quiet as the machine.
 *
 *   npx tsx simulators/avr/avr-speed.ts [image] [emulated seconds]
 */
import { loadavg } from 'node:os';
import { createVirtualClock } from '../../harness/clock/index.ts';
import { openRawHost } from '../mbot/test-support.ts';
import { Atmega328p, CYCLES_PER_MS } from './atmega328p.ts';
import { createAvrMbot } from './avr-mbot.ts';
import { loadFirmware } from './load-firmware.ts';

const image = process.argv[2] ?? 'standard-firmata';
const seconds = Number(process.argv[3] ?? 5);
const firmware = await loadFirmware(image);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

{
  const chip = new Atmega328p(firmware.image);
  const t0 = performance.now();
  chip.runUntil(seconds * 1000 * CYCLES_PER_MS);
  const wallMs = performance.now() - t0;
  console.log(`bare chip (${image}): ${seconds * 1000} emulated ms in ${wallMs.toFixed(0)} wall ms = ${((seconds * 1000) / wallMs).toFixed(2)}x real time (load ${load()})`);
}
{
  const clock = createVirtualClock();
  const avr = createAvrMbot({ firmware, clock });
  const host = openRawHost(avr.binding, avr.path, 57_600);
  const t0 = performance.now();
  await clock.advance(2000); // the boot and announce
  host.write([0xc0, 1, 0xc1, 1]); // A0, A1 reported at the default 19 ms
  await clock.advance(seconds * 1000 - 2000);
  const wallMs = performance.now() - t0;
  const reports = host.messages.filter((m) => m.kind === 'analog').length;
  console.log(
    `clocked mBot on a virtual clock (${image}): ${seconds * 1000} virtual ms in ${wallMs.toFixed(0)} wall ms = ${((seconds * 1000) / wallMs).toFixed(2)}x ` +
      `(chip ${avr.speed.wallMs.toFixed(0)} ms of it), ${reports} analog reports received (load ${load()})`,
  );
  await host.close();
  await avr.close();
  clock.dispose();
}
