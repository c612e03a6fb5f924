/**
 * Builds the target the run's settings (`run-settings.ts`) describe: the
 * simulator, the PTY stand-in, real firmware in the AVR emulator, or a real
 * serial port. The composition root of the seam.
 */
import { standInLabel, startPtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { AVR_PORT_PREFIX, createAvrTarget } from './avr-target.ts';
import { createHardwareTarget } from './hardware-target.ts';
import { createSimTarget } from './sim-target.ts';
import type { Target } from './target.ts';
import { SIM_PTY_PORT, type TargetSettings } from './run-settings.ts';

export { DEFAULT_SEED, readTargetSettings, SIM_PTY_PORT } from './run-settings.ts';
export type { TargetSettings } from './run-settings.ts';

/**
 * Builds the target the settings describe (not yet connected). For
 * `HIL_PORT=sim-pty` this starts the PTY stand-in (PTY relay + simulator,
 * real time); the target's `dispose()` stops it, and `info.bench` names the
 * relay (python3 or socat). Rejects with HIL_PTY_UNAVAILABLE when neither
 * python3 nor socat is installed. For `HIL_PORT=avr:<image>` it loads the image
 * (HIL_AVR_FIRMWARE_UNAVAILABLE, HIL_AVR_HEX_INVALID, HIL_CONFIG_INVALID).
 */
export async function createTarget(settings: TargetSettings): Promise<Target> {
  if (settings.target === 'sim') {
    return createSimTarget({
      seed: settings.seed,
      wiring: settings.wiring,
      clock: settings.clock,
      firmware: settings.firmware,
      baudRate: settings.baudRate,
      ...(settings.firmwareTimeoutMs !== undefined ? { firmwareTimeoutMs: settings.firmwareTimeoutMs } : {}),
    });
  }
  if (settings.port?.startsWith(AVR_PORT_PREFIX)) {
    return createAvrTarget({
      image: settings.port.slice(AVR_PORT_PREFIX.length),
      seed: settings.seed,
      wiring: settings.wiring,
      clock: settings.clock,
      ...(settings.baudRateFromEnv ? { baudRate: settings.baudRate } : {}),
      ...(settings.firmwareTimeoutMs !== undefined ? { firmwareTimeoutMs: settings.firmwareTimeoutMs } : {}),
      bench: settings.bench ?? `real firmware in the emulated ATmega328P (${settings.port}, seed ${settings.seed})`,
    });
  }
  if (settings.port === SIM_PTY_PORT) {
    // A board that resets when the port opens (python3 relay; with socat it boots once when serving
    // starts) and boots in 300 ms rather than a real board's 2 s.
    const standIn = await startPtyStandIn({ seed: settings.seed, wiring: settings.wiring, resetDelayMs: 300, firmware: settings.firmware });
    return createHardwareTarget({
      port: standIn.hostPath,
      portLabel: `${SIM_PTY_PORT}:${standIn.hostPath}`,
      firmware: settings.firmware,
      baudRate: settings.baudRate,
      baudRateFromEnv: settings.baudRateFromEnv,
      firmwareTimeoutMs: settings.firmwareTimeoutMs ?? 3000,
      // Ask almost at once: with socat nothing announces (no reset on open).
      versionQueryAfterMs: settings.versionQueryAfterMs ?? 100,
      jig: standIn.jig,
      bench: settings.bench ?? standInLabel(standIn.provider, settings.seed),
      release: () => standIn.close(),
    });
  }
  return createHardwareTarget({
    ...(settings.port !== undefined ? { port: settings.port } : {}),
    firmware: settings.firmware,
    baudRate: settings.baudRate,
    baudRateFromEnv: settings.baudRateFromEnv,
    ...(settings.firmwareTimeoutMs !== undefined ? { firmwareTimeoutMs: settings.firmwareTimeoutMs } : {}),
    ...(settings.versionQueryAfterMs !== undefined ? { versionQueryAfterMs: settings.versionQueryAfterMs } : {}),
    ...(settings.bench !== undefined ? { bench: settings.bench } : {}),
  });
}
