/**
 * Finding the rate a board answers at, for `mbot-hil doctor`: connect at
 * the configured rate (HIL_BAUD, else the firmware profile's); when the
 * board does not answer (HIL_FIRMWARE_TIMEOUT), try the other common rates
 * one by one, each on a fresh target (on a real board each open resets it
 * and it announces again), and keep the first that completes the handshake.
 */
import { HilError, isHilError } from '../errors.ts';
import { createTarget, type TargetSettings } from '../targets/select-target.ts';
import type { Connected, Target } from '../targets/target.ts';
import { COMMON_BAUD_RATES, profilesAtBaud } from '../mbot/firmware-profiles.ts';

/** What the scan found. */
export interface BaudFinding {
  /** The rate the settings asked for. */
  configured: number;
  /** The rate the board answered at. */
  answeredAt: number;
  /** Every rate tried, in order, and whether the board answered there. */
  tried: Array<{ baudRate: number; answered: boolean }>;
  /** What to set when `answeredAt` differs from `configured` (else undefined). */
  advice?: string;
}

/** A connected target and the rate it answered at. Obligation: `await target.dispose()`. */
export interface ScanResult {
  target: Target;
  conn: Connected;
  baud: BaudFinding;
}

/** Options of {@link connectScanningRates}. */
export interface ScanOptions {
  /** Rates to try after the configured one (it is skipped if listed). Default {@link COMMON_BAUD_RATES}. */
  rates?: readonly number[];
  /** Told before each further rate is tried (doctor prints it: each try takes seconds). */
  onTry?: (baudRate: number, previous: number) => void;
  /** Makes a target (tests). Default {@link createTarget}. */
  create?: (settings: TargetSettings) => Promise<Target>;
}

/** The advice for a board found at `answeredAt` while `configured` was asked for. */
export function baudAdvice(configured: number, answeredAt: number): string {
  const profiles = profilesAtBaud(answeredAt).map((p) => `HIL_FIRMWARE=${p.id}`);
  return `the board answers at ${answeredAt} baud, not ${configured}: set HIL_BAUD=${answeredAt}` +
    (profiles.length > 0 ? ` (or ${profiles.join(' / ')}, whichever firmware the board runs)` : '');
}

/**
 * Connects with `settings`, scanning rates when the board does not answer.
 * Rejects with the first attempt's error when it is not a timeout (no port,
 * no permission: another rate would not help), and with HIL_FIRMWARE_TIMEOUT
 * naming every rate tried when none answered.
 */
export async function connectScanningRates(settings: TargetSettings, opts: ScanOptions = {}): Promise<ScanResult> {
  const create = opts.create ?? createTarget;
  const tried: BaudFinding['tried'] = [];
  let firstError: unknown;
  const rates = [settings.baudRate, ...(opts.rates ?? COMMON_BAUD_RATES).filter((r) => r !== settings.baudRate)];
  for (const [i, baudRate] of rates.entries()) {
    if (i > 0) opts.onTry?.(baudRate, rates[i - 1] as number);
    const target = await create({ ...settings, baudRate, baudRateFromEnv: i > 0 || settings.baudRateFromEnv });
    try {
      const conn = await target.connect();
      tried.push({ baudRate, answered: true });
      const baud: BaudFinding = { configured: settings.baudRate, answeredAt: baudRate, tried };
      if (i > 0) baud.advice = baudAdvice(settings.baudRate, baudRate);
      return { target, conn, baud };
    } catch (err) {
      await target.dispose();
      if (!isHilError(err, 'HIL_FIRMWARE_TIMEOUT')) throw err;
      firstError ??= err;
      tried.push({ baudRate, answered: false });
    }
  }
  throw new HilError(
    'HIL_FIRMWARE_TIMEOUT',
    `${(firstError as Error).message.replace(/^HIL_FIRMWARE_TIMEOUT: /, '')} mbot-hil doctor also tried ${rates.slice(1).join(', ')} baud: the board answered at none of them, so it is not running Firmata (or not on this port).`,
    { cause: firstError },
  );
}
