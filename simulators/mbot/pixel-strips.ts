/**
 * WS2812 strips driven the way node-pixel's Firmata extension does it
 * (ajfisher/node-pixel: lib/constants.js, lib/pixel.js, firmware/libs/protocol.md),
 * sysex PIXEL_COMMAND 0x51 followed by a sub-command:
 *
 * - CONFIG 0x01, then per strip: `(colorOrder << 5) | pin`, length LSB7, length MSB7
 * - SET_PIXEL 0x03: index LSB7, index MSB7, colour as four 7-bit groups (LSB first)
 * - SET_STRIP 0x04: colour as four 7-bit groups
 * - SHOW 0x02: latch the frame onto the LEDs
 * - SHIFT 0x05: one byte `amount | 0x20 (forward) | 0x40 (wrap)`
 * - OFF 0x00: all black, shown
 *
 * Colours are packed 0xRRGGBB (after node-pixel's gamma table); the colour
 * order only matters on the LED wire, so it is recorded but not applied.
 * Pixel indexes run across all configured strips in order.
 */
import { PIXEL } from '../../harness/mbot/firmata-constants.ts';

/** One configured strip. */
export interface PixelStripConfig {
  pin: number;
  colorOrder: number;
  length: number;
  /** Index of the strip's first pixel in the combined buffer. */
  offset: number;
}

/** Receives a latched frame: the strip's pin and one packed 0xRRGGBB colour per pixel. */
export type PixelShowListener = (pin: number, colors: readonly number[]) => void;

/** node-pixel's firmware caps the combined length (216 pixels over Firmata). */
export const MAX_PIXELS = 216;

/** The pixel buffer of node-pixel's firmware. */
export class PixelStrips {
  private strips: PixelStripConfig[] = [];
  private colors: number[] = [];

  constructor(private readonly onShow: PixelShowListener) {}

  /** Configured strips (copies). */
  get config(): PixelStripConfig[] {
    return this.strips.map((s) => ({ ...s }));
  }

  /** Forgets the configuration (board reset). */
  reset(): void {
    this.strips = [];
    this.colors = [];
  }

  /** Handles the bytes after PIXEL_COMMAND; returns false for an unknown sub-command. */
  handle(data: readonly number[]): boolean {
    const sub = data[0];
    const at = (i: number): number => data[i] ?? 0;
    const color = (i: number): number => (at(i) | (at(i + 1) << 7) | (at(i + 2) << 14) | (at(i + 3) << 21)) & 0xffffff;
    switch (sub) {
      case PIXEL.CONFIG: {
        this.strips = [];
        let offset = 0;
        for (let i = 1; i + 2 < data.length; i += 3) {
          const length = at(i + 1) | (at(i + 2) << 7);
          if (offset + length > MAX_PIXELS) break;
          this.strips.push({ pin: at(i) & 0x1f, colorOrder: at(i) >> 5, length, offset });
          offset += length;
        }
        this.colors = new Array<number>(offset).fill(0);
        return true;
      }
      case PIXEL.SET_PIXEL: {
        const index = at(1) | (at(2) << 7);
        if (index < this.colors.length) this.colors[index] = color(3);
        return true;
      }
      case PIXEL.SET_STRIP:
        this.colors.fill(color(1));
        return true;
      case PIXEL.SHOW:
        this.show();
        return true;
      case PIXEL.OFF:
        this.colors.fill(0);
        this.show();
        return true;
      case PIXEL.SHIFT:
        this.shift(at(1) & 0x1f, (at(1) & PIXEL.SHIFT_FORWARD) !== 0, (at(1) & PIXEL.SHIFT_WRAP) !== 0);
        return true;
      default:
        return false;
    }
  }

  private show(): void {
    for (const s of this.strips) this.onShow(s.pin, this.colors.slice(s.offset, s.offset + s.length));
  }

  private shift(amount: number, forward: boolean, wrap: boolean): void {
    const n = this.colors.length;
    if (n === 0 || amount === 0) return;
    const k = amount % n;
    const out = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      const j = forward ? i + k : i - k;
      if (j >= 0 && j < n) out[j] = this.colors[i] ?? 0;
      else if (wrap) out[(j + n) % n] = this.colors[i] ?? 0;
    }
    this.colors = out;
  }
}
