import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateDrawing } from './drawings/drawing-generator.ts';
import { rawRequest } from '../companion/testing/raw-http.ts';
import { startDashboardServer, type DashboardServer } from './dashboard-server.ts';

let server: DashboardServer;
beforeAll(async () => { server = await startDashboardServer(); });
afterAll(async () => { await server.close(); });

const get = async (path: string): Promise<{ status: number; type: string | null; body: string }> => {
  const res = await fetch(new URL(path, server.url));
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

describe('the dashboard server', () => {
  test('listens on loopback only and builds page URLs with the query the page reads', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const url = new URL(server.pageUrl({ ws: 'ws://127.0.0.1:9/', drawing: 'artbot-1200', render: 'naive', autoplay: 3000 }));
    expect(Object.fromEntries(url.searchParams)).toEqual({ ws: 'ws://127.0.0.1:9/', drawing: '/drawings/artbot-1200.json', render: 'naive', autoplay: '3000' });
    await expect(startDashboardServer({ host: '0.0.0.0' as '127.0.0.1' })).rejects.toMatchObject({ code: 'HIL_CONFIG_INVALID' });
  });

  test('serves the page, with its TypeScript modules transpiled to plain JavaScript', async () => {
    const html = await get('/');
    expect(html.status).toBe(200);
    expect(html.body).toContain('<canvas id="ink"');
    const main = await get('/main.ts');
    expect(main.type).toMatch(/^text\/javascript/);
    expect(main.body).toMatch(/from ["']\.\/drawing-player\.ts["']/);
    // Type-only syntax is gone: the browser could not parse it.
    expect(main.body).not.toMatch(/interface MbotHilPageHook|: RenderMode/);
  });

  test('serves stored and registered drawings in the stored file format', async () => {
    const stored = JSON.parse((await get('/drawings/artbot-1200.json')).body) as { format: string; strokes: unknown[] };
    expect(stored.format).toBe('mbot-hil/drawing@1');
    expect(stored.strokes).toHaveLength(1200);
    const name = server.setDrawing(generateDrawing({ seed: 2, strokeCount: 3 }), 'robot-pen');
    const registered = JSON.parse((await get(`/drawings/${name}.json`)).body) as { strokeCount: number };
    expect(registered.strokeCount).toBe(3);
  });

  test('answers 404 for unknown files and drawings, and never serves outside the page folder', async () => {
    expect((await get('/drawings/nope.json')).status).toBe(404);
    expect((await get('/nope.html')).status).toBe(404);
    expect((await get('/%2e%2e/dashboard-server.ts')).status).toBeGreaterThanOrEqual(403);
    expect((await get('/../../package.json')).status).toBe(404);
  });
});

describe('hostile requests (issue 11: one request used to end the whole `mbot-hil sim`)', () => {
  const port = (): number => Number(new URL(server.url).port);

  test.each([
    ['a request target that is not a URL path', 400, 'GET //a:99999/ HTTP/1.1'],
    ['a bad percent-escape', 400, 'GET /%E0%A4%A HTTP/1.1'],
    ['a drawing name with a bad escape', 400, 'GET /drawings/%ZZ.json HTTP/1.1'],
    ['a method other than GET and HEAD', 405, 'POST / HTTP/1.1'],
  ])('%s is answered %i with a coded message, and the server keeps serving', async (_what, status, line) => {
    const reply = await rawRequest(port(), `${line}\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    expect(reply.status).toBe(status);
    if (status === 400) expect(reply.text).toMatch(/HIL_PROTOCOL_BAD_REQUEST/);
    expect((await get('/')).status).toBe(200);
  });
});


describe('drawings are looked up by name only', () => {
  test('a drawing name that ends in .json is not a path: no file outside the drawings folder is read, and no answer names a folder', async () => {
    // `/drawings/package.json.json` used to read package.json from the working directory (a 500 for a file that is
    // not a drawing, the drawing itself for one that is), and a 404 told the absolute path of the drawings folder.
    for (const path of ['/drawings/package.json.json', '/drawings/tsconfig.json.json', '/drawings/artbot-1200.json.json', '/drawings/nope.json']) {
      const reply = await get(path);
      expect(reply.status, path).toBe(404);
      expect(reply.body, path).toMatch(/HIL_DRAWING_NOT_FOUND/);
      expect(reply.body, path).not.toContain(process.cwd());
    }
    const long = await get(`/drawings/${'b'.repeat(5000)}.json`);
    expect(long.status).toBe(404);
    expect(long.body.length).toBeLessThan(600);
  });
});
