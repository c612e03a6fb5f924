/**
 * Builds the target the run's settings (`run-settings.ts`) describe: the
 * simulator, the PTY stand-in, real firmware in the AVR emulator, or a real
 * serial port. The composition root of the seam.
 */
import { standInLabel, startPtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { AVR_PORT_PREFIX, createAvrTarget } from './avr-target.ts';
import { createHardwareTarget, type HardwareTargetOptions } from './hardware-target.ts';
import { createSimTarget } from './sim-target.ts';
import type { Target } from './target.ts';
import { SIM_PTY_PORT, SIM_TCP_PORT, type TargetSettings } from './run-settings.ts';

export { DEFAULT_SEED, readTargetSettings, SIM_PTY_PORT, SIM_TCP_PORT } from './run-settings.ts';
export type { TargetSettings } from './run-settings.ts';
import { resolveRecordPath, TargetRecorder } from '../record/record-target.ts';
import { createReplayTarget, REPLAY_PORT_PREFIX } from './replay-target.ts';
import { createTcpBinding, parseTcpAddress, TCP_PORT_PREFIX } from './tcp-binding.ts';
import { servePort } from './serve-port.ts';
import type { BindingInterface } from '../../simulators/mbot/serial-types.ts';
import { HilError } from '../errors.ts';
import { WIRING_PROFILES } from '../mbot/mcore-pins.ts';
import { loadSimProfile, type SimProfile } from '../../simulators/mbot/sim-profile.ts';

/**
 * The simulator profile `HIL_SIM_PROFILE` names, read and checked, or
 * undefined when none is set. Throws HIL_CONFIG_INVALID naming the file and
 * every bad field.
 */
export function simProfileOf(settings: TargetSettings): { file: string; profile: SimProfile } | undefined {
  return settings.simProfileFile === undefined ? undefined : { file: settings.simProfileFile, profile: loadSimProfile(settings.simProfileFile) };
}

/** How the host talks to the PTY stand-in (directly or over the loopback TCP bridge). */
function standInHost(settings: TargetSettings): Pick<HardwareTargetOptions, 'firmware' | 'baudRate' | 'baudRateFromEnv' | 'firmwareTimeoutMs' | 'versionQueryAfterMs'> {
  return {
    firmware: settings.firmware,
    baudRate: settings.baudRate,
    baudRateFromEnv: settings.baudRateFromEnv,
    firmwareTimeoutMs: settings.firmwareTimeoutMs ?? 3000,
    // Ask almost at once: with socat nothing announces (no reset on open).
    versionQueryAfterMs: settings.versionQueryAfterMs ?? 100,
  };
}

/** True when the settings run a simulator this process builds (`sim`, `sim-pty`, `sim-tcp`). */
function simulatedHere(settings: TargetSettings): boolean {
  return settings.target === 'sim' || settings.port === SIM_PTY_PORT || settings.port === SIM_TCP_PORT;
}

/**
 * Builds the target the settings describe (not yet connected). For
 * `HIL_PORT=sim-pty` this starts the PTY stand-in (PTY relay + simulator,
 * real time); the target's `dispose()` stops it, and `info.bench` names the
 * relay (python3 or socat). Rejects with HIL_PTY_UNAVAILABLE when neither
 * python3 nor socat is installed. For `HIL_PORT=avr:<image>` it loads the image
 * (HIL_AVR_FIRMWARE_UNAVAILABLE, HIL_AVR_HEX_INVALID, HIL_CONFIG_INVALID).
 */
export async function createTarget(settings: TargetSettings, context: { specFile?: string } = {}): Promise<Target> {
  if (settings.target === 'hardware' && settings.port?.startsWith(REPLAY_PORT_PREFIX)) {
    const file = settings.port.slice(REPLAY_PORT_PREFIX.length);
    if (file === '') throw new HilError('HIL_CONFIG_INVALID', `HIL_PORT=${settings.port} is not valid; it accepts replay:<recording file>`);
    // A replay is not recorded again (HIL_RECORD is ignored): it would only copy the recording.
    return createReplayTarget({
      file,
      ...(context.specFile ? { specFile: context.specFile } : {}),
      ...(settings.baudRateFromEnv ? { baudRate: settings.baudRate } : {}),
      ...(settings.bench !== undefined ? { bench: settings.bench } : {}),
    });
  }
  if (settings.record === undefined) return createPortTarget(settings, undefined);
  // HIL_RECORD: every port the target opens goes through the recorder's binding; the session opens once the target exists.
  const recorder = new TargetRecorder(resolveRecordPath(settings.record, context.specFile));
  const simProfile = simulatedHere(settings) ? simProfileOf(settings) : undefined;
  const target = await createPortTarget(settings, recorder.wrapBinding);
  const seedKnown = settings.target === 'sim' || settings.port === SIM_PTY_PORT || settings.port === SIM_TCP_PORT || settings.port?.startsWith(AVR_PORT_PREFIX);
  return recorder.attach(target, {
    firmwareProfile: settings.firmware,
    baudRate: settings.baudRate,
    wiring: { ...WIRING_PROFILES[settings.wiring] },
    seed: seedKnown ? settings.seed : null,
    // The simulator's calibration, so `mbot-hil drift` can score a fit against the parameters that made the recording.
    ...(simProfile ? { extra: { simProfile: simProfile.profile } } : {}),
  });
}

async function createPortTarget(settings: TargetSettings, wrapBinding: ((b: BindingInterface) => BindingInterface) | undefined): Promise<Target> {
  const wrap = wrapBinding ? { wrapBinding } : {};
  // A real serial port: how long its dispose waits for a lost device to come back and be stopped.
  const hardware = { ...wrap, stopAfterLossWaitMs: settings.reconnectWaitMs };
  const simProfile = simulatedHere(settings) ? simProfileOf(settings) : undefined;
  const profile = simProfile ? { profile: simProfile.profile } : {};
  const profileLabel = simProfile ? `, profile ${simProfile.file}` : '';
  if (settings.target === 'sim') {
    return createSimTarget({
      seed: settings.seed,
      wiring: settings.wiring,
      clock: settings.clock,
      firmware: settings.firmware,
      baudRate: settings.baudRate,
      ...profile,
      ...(settings.firmwareTimeoutMs !== undefined ? { firmwareTimeoutMs: settings.firmwareTimeoutMs } : {}),
      ...wrap,
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
      ...wrap,
    });
  }
  if (settings.port === SIM_PTY_PORT) {
    // A board that resets when the port opens (python3 relay; with socat it boots once when serving
    // starts) and boots in 300 ms rather than a real board's 2 s.
    const standIn = await startPtyStandIn({ seed: settings.seed, wiring: settings.wiring, resetDelayMs: 300, firmware: settings.firmware, ...profile });
    return createHardwareTarget({
      port: standIn.hostPath,
      portLabel: `${SIM_PTY_PORT}:${standIn.hostPath}`,
      ...standInHost(settings),
      jig: standIn.jig,
      bench: settings.bench ?? `${standInLabel(standIn.provider, settings.seed)}${profileLabel}`,
      release: () => standIn.close(),
      ...hardware,
    });
  }
  if (settings.port === SIM_TCP_PORT) {
    const standIn = await startPtyStandIn({ seed: settings.seed, wiring: settings.wiring, resetDelayMs: 300, firmware: settings.firmware, ...profile });
    let server;
    try {
      server = await servePort({ device: standIn.hostPath, baudRate: settings.baudRate });
    } catch (err) {
      await standIn.close();
      throw err;
    }
    const bridge = server;
    return createHardwareTarget({
      port: bridge.url,
      portLabel: `${SIM_TCP_PORT}:${bridge.url}`,
      binding: createTcpBinding(),
      ...standInHost(settings),
      jig: standIn.jig,
      bench: settings.bench ?? `${standInLabel(standIn.provider, settings.seed)}${profileLabel} over a loopback TCP bridge (${bridge.url})`,
      release: async () => {
        try {
          await bridge.close();
        } finally {
          await standIn.close();
        }
      },
      ...hardware,
    });
  }
  if (settings.port?.startsWith(TCP_PORT_PREFIX)) {
    parseTcpAddress(settings.port);
    // A robot on another computer: its serial port served as raw TCP (ser2net, mbot-hil serve-port).
    return createHardwareTarget({
      port: settings.port,
      binding: createTcpBinding(),
      firmware: settings.firmware,
      baudRate: settings.baudRate,
      baudRateFromEnv: settings.baudRateFromEnv,
      ...(settings.firmwareTimeoutMs !== undefined ? { firmwareTimeoutMs: settings.firmwareTimeoutMs } : {}),
      ...(settings.versionQueryAfterMs !== undefined ? { versionQueryAfterMs: settings.versionQueryAfterMs } : {}),
      bench: settings.bench ?? `remote serial port ${settings.port}`,
      ...hardware,
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
    ...hardware,
  });
}
