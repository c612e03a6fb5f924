/**
 * The ATmega328P of an Arduino Uno (and of the mCore) at 16 MHz, emulated
 * instruction by instruction with avr8js: the CPU, timers 0/1/2 (millis(),
 * PWM on 5/6, 9/10, 3/11), USART0, GPIO ports B/C/D, the ADC (channels 0..7:
 * A0..A5 and the TQFP package's analog-only A6/A7) and the clock prescaler.
 * A firmware image runs from its reset vector; nothing of it is modelled by
 * hand, which is the point: the bytes on the serial line are the firmware's.
 *
 * Time is the CPU's cycle count: `cycles` since this object was made, monotonic
 * across resets (a reset rebuilds the chip, as a power-on-reset clears it).
 */
import { createRequire } from 'node:module';
import type * as Avr8js from 'avr8js';
import type { FlashImage } from './intel-hex.ts';

// avr8js's ESM build imports without file extensions, which Node cannot load; its CommonJS build works everywhere.
const avr = createRequire(import.meta.url)('avr8js') as typeof Avr8js;

/** CPU clock of the Uno and the mCore, Hz. */
export const CPU_HZ = 16_000_000;
/** Cycles per millisecond at {@link CPU_HZ}. */
export const CYCLES_PER_MS = CPU_HZ / 1000;
/** Digital pins as Arduino numbers them on the ATmega328P: D0..D13, A0..A5 = 14..19. */
export const ARDUINO_PIN_COUNT = 20;

/** Which port and bit an Arduino pin number is on the ATmega328P. */
export function portBitOf(pin: number): { port: 'B' | 'C' | 'D'; bit: number } {
  if (!Number.isInteger(pin) || pin < 0 || pin >= ARDUINO_PIN_COUNT) throw new RangeError(`no Arduino pin ${pin} on the ATmega328P (0..19)`);
  if (pin < 8) return { port: 'D', bit: pin };
  if (pin < 14) return { port: 'B', bit: pin - 8 };
  return { port: 'C', bit: pin - 14 };
}

/** Level a pin is driven to: 0/1 when an output, undefined when an input. */
export type DriveLevel = 0 | 1 | undefined;

/** A change of an output pin's level, at `cycle` (see `Atmega328p.onPinChange`). */
export type PinChangeListener = (pin: number, level: 0 | 1, cycle: number) => void;

/** Register addresses of timer 0's PWM outputs (OC0A = D6, OC0B = D5). */
const TCCR0A = 0x44;
const OCR0A = 0x47;
const OCR0B = 0x48;
const COM0A1 = 0x80;
const COM0B1 = 0x20;

interface Chip {
  cpu: Avr8js.CPU;
  ports: { B: Avr8js.AVRIOPort; C: Avr8js.AVRIOPort; D: Avr8js.AVRIOPort };
  usart: Avr8js.AVRUSART;
  adc: Avr8js.AVRADC;
}

/** One emulated ATmega328P. Not thread-safe; drive it from one place. */
export class Atmega328p {
  private chip!: Chip;
  private cycleBase = 0;
  /** Levels set from outside on input pins, kept across resets (the world does not reset with the chip). */
  private readonly inputLevels = new Map<number, boolean>();
  /** Bytes the firmware writes to UDR0, with the cycle the frame starts and the firmware's baud rate. */
  onTransmit: ((byte: number, cycle: number, baud: number) => void) | undefined;
  /** Output pin level changes (GPIO writes and timer compare outputs). */
  onPinChange: PinChangeListener | undefined;
  /** Raw 10-bit reading of ADC channel 0..7 when the firmware converts it (default 0). */
  analogInput: (channel: number) => number = () => 0;
  /** Resets so far (power-on counts as none). */
  resetCount = 0;

  constructor(private readonly image: FlashImage) {
    this.build();
  }

  /** CPU cycles since this chip was made (monotonic across resets). */
  get cycles(): number {
    return this.cycleBase + this.chip.cpu.cycles;
  }

  /** Emulated milliseconds since this chip was made. */
  get timeMs(): number {
    return this.cycles / CYCLES_PER_MS;
  }

  /** The USART0 baud rate the firmware configured (F_CPU / (16 or 8 × (UBRR0 + 1))), or 0 while the receiver is off. */
  get baudRate(): number {
    return this.chip.usart.rxEnable ? this.chip.usart.baudRate : 0;
  }

  /** UBRR0 and the U2X0 bit as the firmware set them (the facts behind `baudRate`). */
  get uartSetting(): { ubrr: number; u2x: boolean } {
    const d = this.chip.cpu.data;
    return { ubrr: ((d[0xc5] ?? 0) << 8) | (d[0xc4] ?? 0), u2x: ((d[0xc0] ?? 0) & 0x02) !== 0 };
  }

  /** CPU cycles one 8N1 character takes at the firmware's UART setting. */
  get cyclesPerChar(): number {
    const { ubrr, u2x } = this.uartSetting;
    return (ubrr + 1) * (u2x ? 8 : 16) * 10;
  }

  /** Hardware reset (the DTR pulse or the reset button): the chip restarts from its reset vector with cleared RAM and registers. */
  reset(): void {
    this.cycleBase = this.cycles;
    this.resetCount++;
    this.build();
  }

  /** Runs instructions until `cycles >= cycle` (an instruction in flight finishes). */
  runUntil(cycle: number): void {
    const { cpu } = this.chip;
    const target = cycle - this.cycleBase;
    const step = avr.avrInstruction;
    while (cpu.cycles < target) {
      step(cpu);
      cpu.tick();
    }
  }

  /** Runs `callback` when the CPU reaches `cycle` (absolute); dropped by a reset, as a byte in flight would be. */
  at(cycle: number, callback: () => void): void {
    const { cpu } = this.chip;
    cpu.addClockEvent(callback, Math.max(1, Math.ceil(cycle - this.cycleBase - cpu.cycles)));
  }

  /** A received byte completes in the UART (the stop bit ends): sets RXC0 for the firmware's ISR. False when the receiver is off (the byte is lost). */
  receiveByte(byte: number): boolean {
    const { usart } = this.chip;
    if (!usart.rxEnable) return false;
    usart.writeByte(byte & 0xff, true);
    return true;
  }

  /** Sets the level an external circuit puts on input `pin` (a sensor); kept across resets. */
  setInputLevel(pin: number, high: boolean): void {
    this.inputLevels.set(pin, high);
    const { port, bit } = portBitOf(pin);
    this.chip.ports[port].setPin(bit, high);
  }

  /** The level `pin` is driven to, or undefined while it is an input. */
  driveLevel(pin: number): DriveLevel {
    const { port, bit } = portBitOf(pin);
    const state = this.chip.ports[port].pinState(bit);
    if (state === avr.PinState.High) return 1;
    if (state === avr.PinState.Low) return 0;
    return undefined;
  }

  /** True while `pin` is an input with its internal pull-up on. */
  pullupOn(pin: number): boolean {
    const { port, bit } = portBitOf(pin);
    return this.chip.ports[port].pinState(bit) === avr.PinState.InputPullUp;
  }

  /**
   * The PWM duty `analogWrite` left on D5 or D6 (timer 0), 0..255: the compare
   * register while the compare output drives the pin, else 255/0 for a pin
   * driven high/low, 0 for an input. Any other pin: its digital drive × 255.
   */
  pwmDuty(pin: number): number {
    const d = this.chip.cpu.data;
    if (pin === 6 && ((d[TCCR0A] ?? 0) & COM0A1) !== 0) return d[OCR0A] ?? 0;
    if (pin === 5 && ((d[TCCR0A] ?? 0) & COM0B1) !== 0) return d[OCR0B] ?? 0;
    return this.driveLevel(pin) === 1 ? 255 : 0;
  }

  private build(): void {
    const progMem = new Uint16Array(this.image.flash.buffer.slice(0), 0, this.image.flash.length / 2);
    const cpu = new avr.CPU(progMem);
    new avr.AVRTimer(cpu, avr.timer0Config);
    new avr.AVRTimer(cpu, avr.timer1Config);
    new avr.AVRTimer(cpu, avr.timer2Config);
    new avr.AVRClock(cpu, CPU_HZ, avr.clockConfig);
    const usart = new avr.AVRUSART(cpu, avr.usart0Config, CPU_HZ);
    const ports = {
      B: new avr.AVRIOPort(cpu, avr.portBConfig),
      C: new avr.AVRIOPort(cpu, avr.portCConfig),
      D: new avr.AVRIOPort(cpu, avr.portDConfig),
    };
    const adc = new avr.AVRADC(cpu, avr.adcConfig);
    adc.onADCRead = (input) => {
      const channel = input.type === avr.ADCMuxInputType.SingleEnded ? input.channel : -1;
      const raw = channel >= 0 ? Math.max(0, Math.min(1023, Math.round(this.analogInput(channel)))) : 0;
      cpu.addClockEvent(() => adc.completeADCRead(raw), adc.sampleCycles);
    };
    usart.onByteTransmit = (byte) => this.onTransmit?.(byte, this.cycles, usart.baudRate);
    const firstPin = { B: 8, C: 14, D: 0 } as const;
    const ddrOf = { B: avr.portBConfig.DDR, C: avr.portCConfig.DDR, D: avr.portDConfig.DDR } as const;
    for (const name of ['B', 'C', 'D'] as const) {
      let lastDriven = 0;
      let lastLevels = 0;
      // avr8js calls this on every PORT/DDR/PIN write and timer compare output with the pins' new output latch.
      ports[name].addListener((value) => {
        const driven = cpu.data[ddrOf[name]] ?? 0;
        const levels = value & driven;
        const changed = ((levels ^ lastLevels) | (driven & ~lastDriven)) & driven;
        lastDriven = driven;
        lastLevels = levels;
        if (changed === 0 || this.onPinChange === undefined) return;
        for (let bit = 0; bit < 8; bit++) {
          if ((changed & (1 << bit)) !== 0) this.onPinChange(firstPin[name] + bit, ((levels >> bit) & 1) as 0 | 1, this.cycles);
        }
      });
    }
    this.chip = { cpu, ports, usart, adc };
    for (const [pin, high] of this.inputLevels) {
      const { port, bit } = portBitOf(pin);
      ports[port].setPin(bit, high);
    }
  }
}
