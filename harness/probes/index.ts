/**
 * The probes (`mbot-hil/probes`): they turn a running system into samples
 * through its public surfaces only (a WebSocket URL, a page URL, a process),
 * so the same probe measures the reference apps or a team's own companion and
 * dashboard. The fixtures (`mbot-hil/fixtures`) bind them to a spec.
 */
export { COMPANION_TOKEN_ENV, COMPANION_URL_ENV, companionUrlFromEnv, runLatencyProbe } from './latency-probe.ts';
export type { LatencyProbeOptions, LatencyProbeResult } from './latency-probe.ts';
export { MemoryProbe, runSoak } from './memory-probe.ts';
export type { MemoryProbeOptions, SoakOptions, SoakResult } from './memory-probe.ts';
export { ipcMemorySource } from './memory-ipc.ts';
export type { MemorySource } from './memory-ipc.ts';
export { inspectorMemorySource } from './inspector-memory.ts';
export type { InspectorMemorySource, InspectorTarget } from './inspector-memory.ts';
export { openConnection } from './probe-connection.ts';
export type { OpenConnectionOptions, ProbeConnection, ReceivedEnvelope, SequenceStats } from './probe-connection.ts';
export { openFrameProbe } from './frame-probe.ts';
export type { FrameMeasurement, FrameProbe, FrameProbeOptions, MeasureOptions, MeasureResult } from './frame-probe.ts';
export { frameSnapshot } from './frame-probe-metrics.ts';
export type { FrameSnapshotOptions, FrameVerdictInput } from './frame-probe-metrics.ts';
export { measureSteady } from './frame-probe-steady.ts';
export type { SteadyOptions, SteadyResult } from './frame-probe-steady.ts';
export { acquireMeasurementLock, MEASUREMENT_LOCK_PATH } from './frame-probe-lock.ts';
export type { MeasurementLock, MeasurementLockOptions } from './frame-probe-lock.ts';
export { findChromium, INSTALL_CHROMIUM_HINT } from './chromium-find.ts';
export type { ChromiumLocation } from './chromium-find.ts';
