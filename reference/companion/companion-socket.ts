/**
 * The companion's WebSocket class (given to `ws` as its `WebSocket`
 * option): a `ws` WebSocket whose protocol-violation closes carry a stable
 * code in their reason. `ws` closes a client itself when a frame is over
 * `maxPayload` (1009) or a text frame is not UTF-8 (1007), with an empty
 * reason; those two now say `HIL_PROTOCOL_FRAME_TOO_LARGE` and
 * `HIL_PROTOCOL_MALFORMED_JSON`, so a client can tell why it was closed.
 */
import WebSocket from 'ws';

/** Close reasons by code, for closes `ws` makes without one (under the 123 bytes a close frame allows). */
export const CLOSE_REASONS: Readonly<Record<number, string>> = Object.freeze({
  1009: "HIL_PROTOCOL_FRAME_TOO_LARGE: a message over the companion's size limit (64 KiB by default)",
  1007: 'HIL_PROTOCOL_MALFORMED_JSON: a text frame that is not UTF-8',
});

/** See the module comment. */
export class CompanionSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, data ?? (code === undefined ? undefined : CLOSE_REASONS[code]));
  }
}
