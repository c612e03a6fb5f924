/**
 * What every WebSocket upgrade to the companion goes through before `ws`
 * sees it, in this order, each refusal an HTTP answer with a stable code
 * in its body (the connection never upgrades, nothing is parsed further):
 *
 * 1. the request target is a path (`/...`, not `//host...`) that parses
 *    as a URL: else 400 HIL_PROTOCOL_BAD_REQUEST;
 * 2. `Origin` (`Sec-WebSocket-Origin` for protocol 8): absent (a
 *    non-browser client: browsers always send it), or one of the allowed
 *    origins: else 403 HIL_PROTOCOL_ORIGIN_REFUSED, token or not. A web
 *    page can open a WebSocket to any address, loopback included, and the
 *    browser does not ask the user; only the server can tell a page it
 *    trusts from any other page the user happens to have open;
 * 3. fewer clients than `maxConnections`: else 503
 *    HIL_PROTOCOL_TOO_MANY_CONNECTIONS;
 * 4. the token, when one is set (`Authorization: Bearer` or `?token=`),
 *    compared in constant time: else 401 HIL_PROTOCOL_UNAUTHORIZED.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { HilError, type HilErrorCode } from '../../harness/errors.ts';

/** A refusal: the HTTP status, the stable code and what to do about it. */
export interface Refusal {
  status: 400 | 401 | 403 | 500 | 503;
  code: HilErrorCode;
  message: string;
}

/** Options of {@link UpgradeGate}. */
export interface UpgradeGateOptions {
  /** The shared secret, when clients must present one. */
  token?: string;
  /** Origins whose pages may connect (e.g. `http://localhost:5173`). */
  allowOrigins?: readonly string[];
  /** Most clients at once. */
  maxConnections: number;
  /** Clients connected now. */
  connections(): number;
}

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();
const BASE = 'http://companion.invalid';

/**
 * The request target as a URL, or null when it is not a path that parses
 * (a `//host` authority form, `*`, an absolute URL, a bad port). Never throws.
 */
export function parseRequestTarget(target: string | undefined): URL | null {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return null;
  try {
    return new URL(target, BASE);
  } catch {
    return null;
  }
}

/** `raw` as an origin (`scheme://host[:port]`, lower case, default port dropped), or null when it is not one (`null`, garbage). */
export function normalizeOrigin(raw: string): string | null {
  try {
    const u = new URL(raw);
    return u.origin === 'null' ? null : u.origin;
  } catch {
    return null;
  }
}

/**
 * Checks an origin a user wants to allow: an http(s) origin without path,
 * query or fragment. Returns it normalized; throws HIL_CONFIG_INVALID.
 */
export function checkAllowedOrigin(raw: string): string {
  if (raw === '*') {
    throw new HilError('HIL_CONFIG_INVALID', 'allowed origin "*": a wildcard would let every web page the user opens drive the robot; list each origin (e.g. http://localhost:5173)');
  }
  let u: URL | null = null;
  try {
    u = new URL(raw);
  } catch {
    // reported below
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.pathname !== '/' || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
    throw new HilError('HIL_CONFIG_INVALID', `allowed origin "${raw}" is not an origin; write scheme://host[:port] as the browser sends it, e.g. http://localhost:5173`);
  }
  return u.origin;
}

/** See the module comment. */
export class UpgradeGate {
  readonly #o: UpgradeGateOptions;
  readonly #expectedToken: Buffer | undefined;
  readonly #origins = new Set<string>();

  constructor(options: UpgradeGateOptions) {
    this.#o = options;
    this.#expectedToken = options.token ? sha(options.token) : undefined;
    for (const o of options.allowOrigins ?? []) this.allowOrigin(o);
  }

  /** Allows pages of `origin` (see {@link checkAllowedOrigin}; throws HIL_CONFIG_INVALID). */
  allowOrigin(origin: string): void {
    this.#origins.add(checkAllowedOrigin(origin));
  }

  /** The allowed origins, normalized. */
  get allowedOrigins(): string[] {
    return [...this.#origins];
  }

  /** The first refusal for `req`, or null to let it upgrade. Never throws. */
  check(req: IncomingMessage): Refusal | null {
    const url = parseRequestTarget(req.url);
    if (!url) {
      return { status: 400, code: 'HIL_PROTOCOL_BAD_REQUEST', message: 'the request target is not a path; connect to ws://host:port/' };
    }
    const origin = req.headers.origin ?? req.headers['sec-websocket-origin'];
    if (origin !== undefined) {
      const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : null;
      if (normalized === null || !this.#origins.has(normalized)) {
        return {
          status: 403,
          code: 'HIL_PROTOCOL_ORIGIN_REFUSED',
          message: `pages from ${JSON.stringify(String(origin)).slice(0, 200)} may not connect; start the companion with --allow-origin <origin> to trust that page`,
        };
      }
    }
    if (this.#o.connections() >= this.#o.maxConnections) {
      return { status: 503, code: 'HIL_PROTOCOL_TOO_MANY_CONNECTIONS', message: `the companion serves ${this.#o.maxConnections} clients already; close one, or raise --max-connections` };
    }
    if (this.#expectedToken) {
      const auth = req.headers.authorization;
      const got = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token');
      if (got === null || got === undefined || !timingSafeEqual(sha(got), this.#expectedToken)) {
        return { status: 401, code: 'HIL_PROTOCOL_UNAUTHORIZED', message: 'present the companion token as Authorization: Bearer <token> or ?token=' };
      }
    }
    return null;
  }
}

const STATUS_TEXT: Record<Refusal['status'], string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Answers `refusal` on the raw socket of an upgrade request and closes it. Never throws. */
export function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  const body = `${refusal.code}: ${refusal.message}\n`;
  try {
    socket.end(
      `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.once('finish', () => socket.destroy());
  } catch {
    socket.destroy();
  }
}
