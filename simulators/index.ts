/**
 * Public entry of the simulators (`mbot-hil/simulators`): the simulated mBot
 * behind a serialport binding, its world and link types, wiring profiles.
 */
export type {
  SimulatedMbot,
  SimulatedMbotFaults,
  SimulatedMbotOptions,
} from './mbot/simulated-mbot.ts';
export {
  createSimulatedMbot,
  DEFAULT_FIRMWARE_NAME,
  DEFAULT_RESET_DELAY_MS,
  DEFAULT_STEP_MS,
  MAX_RESET_DELAY_MS,
} from './mbot/simulated-mbot.ts';
export type { FirmwareProfile, FirmwareProfileId } from '../harness/mbot/firmware-profiles.ts';
export {
  COMMON_BAUD_RATES,
  DEFAULT_FIRMWARE_PROFILE_ID,
  FIRMWARE_PROFILES,
  firmwareProfile,
} from '../harness/mbot/firmware-profiles.ts';
export { RX_BUFFER_CAPACITY, RX_BUFFER_SIZE } from './mbot/uart-rx.ts';
export type { WiringProfile, WiringProfileName } from '../harness/mbot/mcore-pins.ts';
export { DEFAULT_WIRING, TOTAL_PINS, WIRING_PROFILES } from '../harness/mbot/mcore-pins.ts';
export type { DeviceEvent, TraceEntry, TraceEvent } from './mbot/trace.ts';
export { Trace } from './mbot/trace.ts';
export type { SimPortBinding } from './mbot/sim-binding.ts';
export { MCORE_USB_IDS } from './mbot/sim-binding.ts';
export { formatSimProfile, loadSimProfile, parseSimProfile, parseSimProfileText, SIM_PROFILE_FORMAT, SimProfileError, simProfileSchema } from './mbot/sim-profile.ts';
export type { SimProfile, SimProfileProblem } from './mbot/sim-profile.ts';
export { FIRMATA_FIRMWARE_VERSION, FIRMATA_PROTOCOL_VERSION } from '../harness/mbot/firmata-constants.ts';
export type { LinkDirection, LinkOptions, ResolvedLinkOptions } from './link/index.ts';
export { byteTimeMs, DEFAULT_LINK_OPTIONS, receiveAtRate } from './link/index.ts';
export type {
  ArenaSpec,
  DriveOptions,
  LineMapSpec,
  LinePath,
  MotorSide,
  Obstacle,
  PointCm,
  Pose,
  Rgb,
  Rng,
  RobotGeometry,
  Stroke,
  WallSegment,
  World,
  WorldOptions,
} from './world/index.ts';
export {
  boxArena,
  createRng,
  createWorld,
  DEFAULT_ARENA,
  DEFAULT_LINE_MAP,
  DEFAULT_START_POSE,
  ovalTrack,
  predictSpinRateRadPerS,
  predictStraightDistanceCm,
} from './world/index.ts';

// Real firmware images in the emulated ATmega328P (HIL_PORT=avr:<image>).
export * from './avr/index.ts';

