/**
 * The reference companion (telemetry bridge): the library call, the
 * process the harness forks, the robot adapters, the wire format and the
 * profiles. See `protocol.md` beside this file for the wire format.
 */
export { isLoopbackHost, startCompanion } from './companion-server.ts';
export type { Companion, CompanionOptions, CompanionStats } from './companion-server.ts';
export { startCompanionHost } from './companion-host.ts';
export type { CompanionHost, CompanionHostOptions } from './companion-host.ts';
export { spawnCompanion } from './spawn-companion.ts';
export type { CompanionProcess, SpawnCompanionOptions } from './spawn-companion.ts';
export { createScriptedRobot, robotFromParts } from './robot-link.ts';
export type { CompanionRobot, LinkChange, LinkSource, LinkState, RobotParts, ScriptedRobot, ScriptedRobotOptions, SensorReadings } from './robot-link.ts';
export { LinkWatch } from './link-watch.ts';
export type { LinkWatchOptions } from './link-watch.ts';
export { checkAllowedOrigin } from './upgrade-gate.ts';
export { MESSAGE_TYPES, PROTOCOL_VERSION } from './envelope.ts';
export type { BatchPayload, Envelope, EventPayload, MessageType } from './envelope.ts';
export { COMMAND_NAMES, MAX_CLIENT_BATCH, MAX_JSON_DEPTH, parseInbound } from './inbound.ts';
export type { ClientMessage, ProtocolError, ProtocolErrorCode, RobotCommand } from './inbound.ts';
export { DEFAULT_LIMITS, isProfileName, PROFILES, RUVECTOR_BATCHING } from './profiles.ts';
export type { CompanionBatching, CompanionConfig, ProfileName } from './profiles.ts';
export type { BatchingOptions, SessionLimits, SessionStats } from './client-session.ts';
