/**
 * Sends bytes no HTTP client library would (a request line like
 * `GET //a:99999/`, a hand-made WebSocket upgrade) and reads what comes
 * back: for the companion's and the dashboard server's attack tests.
 */
import { connect } from 'node:net';

/** What came back: the status code of the first line (null when the server said nothing) and the raw text. */
export interface RawReply {
  status: number | null;
  text: string;
}

/** A WebSocket upgrade request for `path` (headers added after the usual ones). */
export function upgradeRequest(path: string, host: string, extraHeaders: Record<string, string> = {}): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...Object.entries(extraHeaders).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Opens a TCP connection to `port` on 127.0.0.1, writes `request` and
 * resolves with the reply once the server closes or `timeoutMs` passes
 * (then with whatever arrived). Never rejects: a reset counts as no reply.
 */
export function rawRequest(port: number, request: string, timeoutMs = 2000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (s: string) => {
      text += s;
      // An upgrade that succeeded stays open: the status line is all we need.
      if (/^HTTP\/1\.1 101/.test(text) && text.includes('\r\n\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(request);
  });
}
