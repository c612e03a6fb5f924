/**
 * mBot facts, one module (the layer just above errors and clock): the mCore's
 * pins and wiring profiles, the firmware profiles and their baud rates, the
 * USB ids of its serial adapters, the Firmata protocol's bytes and the safe
 * stop. The simulator, the targets and the reference apps read them from
 * here; nothing here imports anything of the harness.
 */
export * from './mcore-pins.ts';
export * from './firmware-profiles.ts';
export * from './usb-ids.ts';
export { FIRMATA_FIRMWARE_VERSION, FIRMATA_PROTOCOL_VERSION } from './firmata-constants.ts';
export { analogWriteBytes, digitalPortBytes, FIRMATA, MBOT_SAFE_STOP_PINS, queryFirmwareBytes, reportVersionBytes, safeStopBytes } from './firmata-bytes.ts';
export type { SafeStopPins } from './firmata-bytes.ts';
export { ALL_JIG_CAPABILITIES, BENCH_FEATURES, CAPABILITIES, currentCapabilityName, isCapability, JIG_ONLY_CAPABILITIES, PART_CAPABILITIES } from './capabilities.ts';
export type { Capability, JigCapability, PartCapability } from './capabilities.ts';
