/**
 * The target seam and its two implementations: what a spec's robot runs
 * against (`target.ts`), the simulator behind the mock binding
 * (`sim-target.ts`), a real serial port or the PTY stand-in
 * (`hardware-target.ts`), real firmware in the emulated ATmega328P
 * (`avr-target.ts`), choosing one from the environment
 * (`select-target.ts`) and finding the mBot's port (`detect.ts`); a
 * recording playing the robot (`replay-target.ts`), a robot on another
 * computer over TCP (`tcp-binding.ts`) and the bridge that serves one
 * (`serve-port.ts`).
 */
export type {
  Connected,
  DisconnectListener,
  FirmwareInfo,
  Jig,
  JigCapability,
  Quiescer,
  Target,
  TargetInfo,
} from './target.ts';
export { ALL_JIG_CAPABILITIES } from './target.ts';
export { createSimTarget, DEFAULT_SIM_FIRMWARE_TIMEOUT_MS } from './sim-target.ts';
export { AVR_DEFAULT_BAUD_RATE, AVR_PORT_PREFIX, createAvrTarget } from './avr-target.ts';
export type { AvrTarget, AvrTargetOptions } from './avr-target.ts';
export type { SimTarget, SimTargetOptions } from './sim-target.ts';
export {
  createHardwareTarget,
  DEFAULT_BAUD_RATE,
  DEFAULT_HARDWARE_FIRMWARE_TIMEOUT_MS,
  DEFAULT_VERSION_QUERY_AFTER_MS,
} from './hardware-target.ts';
export type { HardwareTargetOptions } from './hardware-target.ts';
export { createTarget } from './select-target.ts';
export { DEFAULT_SEED, onPtyStandIn, onSimTarget, readTargetSettings, robotPortOf, SIM_PTY_PORT, SIM_TCP_PORT } from './run-settings.ts';
export type { TargetSettings } from './run-settings.ts';
export { describePorts, detectMbotPort, listPorts, scanSysfs } from './detect.ts';
export type { DetectedPort, PortListing, SerialPortInfo } from './detect.ts';
export { MBOT_SAFE_STOP_PINS, safeStopBytes } from '../mbot/firmata-bytes.ts';
export type { SafeStopPins } from '../mbot/firmata-bytes.ts';
export { createWorldJig } from '../../simulators/world/world-jig.ts';
export { createReplayTarget, REPLAY_PORT_PREFIX } from './replay-target.ts';
export type { ReplayTargetOptions } from './replay-target.ts';
export { createTcpBinding, parseTcpAddress, TCP_PORT_PREFIX } from './tcp-binding.ts';
export type { TcpAddress } from './tcp-binding.ts';
export { servePort } from './serve-port.ts';
export type { PortServer, ServePortOptions } from './serve-port.ts';
export type { TestEndState, TestIdentity, TestMarks } from './test-marks.ts';
