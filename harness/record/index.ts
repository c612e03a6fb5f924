/**
 * Recordings of bench sessions (`HIL_RECORD`): the format, its writer and
 * reader, the recording binding and target decorator, and Firmata framing.
 * docs/record-replay-and-remote.md specifies the format.
 */
export {
  EVENT_KINDS,
  RECORDING_EXTENSION,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  encodeEvent,
  encodeHeader,
  parseEvent,
  parseHeader,
  type RecordedTarget,
  type RecordingEvent,
  type RecordingEventKind,
  type RecordingHeader,
  type RecordingHeaderInput,
  type TestState,
} from './recording-format.ts';
export { loadRecording, readRecordingLines, sessionFiles, sessionFirmware, type LoadOptions, type RecordingFile, type RecordingLine, type RecordingSession } from './recording-reader.ts';
export { openRecordingWriter, type RecordingStats, type RecordingWriter, type RecordingWriterOptions, type UntimedEvent } from './recording-writer.ts';
export { describeMessage, MessageSplitter, messagesOf, type Direction, type TimedMessage } from './firmata-messages.ts';
export { recordingBinding } from './recording-binding.ts';
export { resolveRecordPath, TargetRecorder, type RecordedFacts } from './record-target.ts';
export { JIG_GETTERS, JIG_SETTERS, observedJig } from './jig-calls.ts';
