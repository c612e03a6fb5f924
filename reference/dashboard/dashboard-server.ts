/**
 * A small static server for the reference dashboard, loopback only. It serves
 * the page from `page/` (its TypeScript modules transpiled by esbuild on first
 * request, one file at a time, no bundle) and drawings at
 * `/drawings/<name>.json`: stored ones from `fixtures/drawings/`, or any
 * {@link Drawing} registered with `setDrawing` (e.g. the robot's own pen strokes).
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { HilError, isHilError } from '../../harness/errors.ts';
import { createErrorLog, type ErrorLog } from '../companion/error-log.ts';
import { parseRequestTarget } from '../companion/upgrade-gate.ts';
import type { Drawing } from './drawings/drawing-format.ts';
import { toDrawingFile } from './drawings/drawing-format.ts';
import { loadDrawing } from './drawings/drawing-loader.ts';

/** Folder of the page's static files. */
export const DASHBOARD_PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Loopback address to bind: `127.0.0.1` (default) or `::1`. Anything else throws HIL_CONFIG_INVALID. */
  host?: '127.0.0.1' | '::1';
  /** Where stored drawings are looked up; default `fixtures/drawings/`. */
  drawingsDir?: string;
  /** Where unexpected errors are logged, once each. Default: stderr. */
  log?: ErrorLog;
}

/** Query parameters of the dashboard page (see `page/main.ts`). */
export interface DashboardPageQuery {
  /** Companion WebSocket URL. */
  ws?: string;
  /** Drawing name (served at `/drawings/<name>.json`) to load. */
  drawing?: string;
  render?: 'incremental' | 'naive';
  /** Play the drawing once loaded, over this many ms. */
  autoplay?: number;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** Base URL, ending in `/`, e.g. `http://127.0.0.1:40123/`. */
  readonly url: string;
  /**
   * The origin a browser reports for this page, e.g. `http://127.0.0.1:40123`:
   * what the companion allows so that this dashboard, and no other page,
   * may connect. Only this spelling: `localhost:P` may resolve to `::1`,
   * where another program could serve a page on the same port number.
   */
  readonly origin: string;
  /** URL of the dashboard page with `query`. */
  pageUrl(query?: DashboardPageQuery): string;
  /** Serves `drawing` at `/drawings/<name>.json` (replacing a stored drawing of that name); returns the name. */
  setDrawing(drawing: Drawing, name?: string): string;
  /** Stops listening and drops open connections; idempotent. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};

/**
 * Sent with every answer. The companion trusts this page's origin and the
 * page drives the robot on a click, so no other page may frame it: an
 * invisible dashboard over a lure would turn the user's click into a drive
 * that passes the companion's Origin check (clickjacking).
 */
const SAFETY_HEADERS = {
  'x-frame-options': 'DENY',
  // Only the page's own module files run: a slip that lets text become markup runs no inline handler (defence in depth).
  'content-security-policy': "frame-ancestors 'none'; script-src 'self'; object-src 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
} as const;

/**
 * Starts the server. Resolves once it listens; rejects with
 * HIL_CONFIG_INVALID for a non-loopback host or a port in use.
 */
export async function startDashboardServer(options: DashboardServerOptions = {}): Promise<DashboardServer> {
  const { port = 0, host = '127.0.0.1', drawingsDir } = options;
  const log = options.log ?? createErrorLog({ name: 'mbot-hil dashboard' });
  if (host !== '127.0.0.1' && host !== '::1') {
    throw new HilError('HIL_CONFIG_INVALID', `dashboard server host ${String(host)}: only loopback (127.0.0.1 or ::1) is allowed; the page is a test fixture, not a service`);
  }
  const registered = new Map<string, string>();
  const stored = new Map<string, string>();
  const modules = new Map<string, { mtimeMs: number; code: string }>();

  const drawingJson = (name: string): string => {
    const hit = registered.get(name) ?? stored.get(name);
    if (hit) return hit;
    // loadDrawing takes a name ending in .json as a path from the working directory: from a URL, only names.
    // The answer names neither folder nor path (a request may come from any page; the folders are the user's).
    const missing = Object.assign(new Error(`HIL_DRAWING_NOT_FOUND: no drawing named "${name.slice(0, 80)}"; stored drawings are served at /drawings/<name>.json`), { status: 404 });
    if (name.endsWith('.json')) throw missing;
    let drawing: Drawing;
    try {
      drawing = loadDrawing(name, drawingsDir);
    } catch (err) {
      if (isHilError(err, 'HIL_DRAWING_NOT_FOUND')) throw missing;
      throw err;
    }
    const json = JSON.stringify(toDrawingFile(drawing));
    stored.set(name, json);
    return json;
  };

  const pageFile = async (path: string): Promise<{ body: string | Buffer; type: string }> => {
    let rel: string;
    try {
      rel = path === '/' ? 'index.html' : decodeURIComponent(path.slice(1));
    } catch {
      throw Object.assign(new Error('HIL_PROTOCOL_BAD_REQUEST: the path has a bad percent-escape'), { status: 400 });
    }
    const file = normalize(join(DASHBOARD_PAGE_DIR, rel));
    // No escaping the page folder with ../ or an encoded separator.
    if (!file.startsWith(DASHBOARD_PAGE_DIR)) throw Object.assign(new Error('forbidden'), { status: 403 });
    const ext = extname(file);
    const type = TYPES[ext];
    if (!type) throw Object.assign(new Error('not found'), { status: 404 });
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw Object.assign(new Error('not found'), { status: 404 });
    if (ext !== '.ts') return { body: await readFile(file), type };
    const cached = modules.get(file);
    if (cached && cached.mtimeMs === info.mtimeMs) return { body: cached.code, type };
    const out = await transform(await readFile(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: rel, sourcemap: 'inline' });
    modules.set(file, { mtimeMs: info.mtimeMs, code: out.code });
    return { body: out.code, type };
  };

  const answer = (res: ServerResponse, status: number, text: string): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { ...SAFETY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end(`${status}: ${text}\n`);
  };

  // Every failure is answered here and none leaves the handler: one bad
  // request must never end the process that serves the page (and, in
  // `mbot-hil sim`, the companion and the simulator with it).
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseRequestTarget(req.url);
    if (!url) {
      answer(res, 400, 'HIL_PROTOCOL_BAD_REQUEST: the request target is not a path; ask for / or /drawings/<name>.json');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, 'the dashboard server only serves GET and HEAD');
      return;
    }
    const path = url.pathname;
    try {
      const m = /^\/drawings\/([A-Za-z0-9._-]+)\.json$/.exec(path);
      const { body, type } = m ? { body: drawingJson(m[1]!), type: TYPES['.json']! } : await pageFile(path);
      res.writeHead(200, { ...SAFETY_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      const status = (err as { status?: number }).status ?? (isHilError(err, 'HIL_DRAWING_NOT_FOUND') ? 404 : 500);
      if (status === 500) {
        log.report(`GET ${path.slice(0, 200)}`, err);
        answer(res, 500, 'HIL_PROTOCOL_INTERNAL_ERROR: the dashboard server failed on this request (logged on its stderr)');
      } else {
        answer(res, status, (err as Error).message);
      }
    }
  };

  const server = createServer({ connectionsCheckingInterval: 1000, headersTimeout: 5000, requestTimeout: 10_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.report('request handler', err);
      answer(res, 500, 'HIL_PROTOCOL_INTERNAL_ERROR: the dashboard server failed on this request (logged on its stderr)');
    });
  });
  server.on('clientError', (_err, socket) => {
    // Node's default answer (400 and close) without a listener; kept explicit so a socket error can never throw.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new HilError('HIL_CONFIG_INVALID', `dashboard server could not listen on ${host}:${port} (${(err as Error).message}); use port 0 for any free port`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const base = `http://${host === '::1' ? '[::1]' : host}:${address.port}/`;

  let closed: Promise<void> | null = null;

  return {
    url: base,
    origin: new URL(base).origin,
    pageUrl(query = {}) {
      const u = new URL(base);
      if (query.ws) u.searchParams.set('ws', query.ws);
      if (query.drawing) u.searchParams.set('drawing', `/drawings/${query.drawing}.json`);
      if (query.render) u.searchParams.set('render', query.render);
      if (query.autoplay) u.searchParams.set('autoplay', String(query.autoplay));
      return u.href;
    },
    setDrawing(drawing, name = drawing.name) {
      if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new HilError('HIL_CONFIG_INVALID', `drawing name "${name}" must match [A-Za-z0-9._-]+ (it becomes a URL path)`);
      registered.set(name, JSON.stringify(toDrawingFile(drawing)));
      return name;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
