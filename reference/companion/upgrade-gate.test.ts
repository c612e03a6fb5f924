/**
 * The upgrade gate on its own: what counts as a request path, an origin
 * and an allowed origin, and the order of its refusals (a bad URL before
 * the Origin, the Origin before the cap, the cap before the token).
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { checkAllowedOrigin, normalizeOrigin, parseRequestTarget, UpgradeGate } from './upgrade-gate.ts';

const req = (url: string, headers: Record<string, string> = {}): IncomingMessage => ({ url, headers } as unknown as IncomingMessage);

describe('parseRequestTarget never throws', () => {
  test.each([
    ['/', true], ['/?token=a%20b', true], ['/ws/x?y=1', true],
    ['//a:99999/', false], ['//evil.example/', false], ['*', false], ['http://x/', false], ['', false], [undefined, false],
    ['/%', true],
  ])('%j -> %s', (target, ok) => {
    expect(parseRequestTarget(target as string | undefined) !== null).toBe(ok);
  });
});

describe('origins', () => {
  test('normalizeOrigin: scheme and host lower-cased, default port dropped; null for the opaque origin and garbage', () => {
    expect(normalizeOrigin('HTTP://LocalHost:80')).toBe('http://localhost');
    expect(normalizeOrigin('https://a.example:8443')).toBe('https://a.example:8443');
    expect(normalizeOrigin('null')).toBeNull();
    expect(normalizeOrigin('::::')).toBeNull();
  });

  test.each([
    ['http://localhost:5173', 'http://localhost:5173'],
    ['http://localhost:5173/', 'http://localhost:5173'],
    ['https://dash.example', 'https://dash.example'],
  ])('allowed: %s', (raw, normalized) => {
    expect(checkAllowedOrigin(raw)).toBe(normalized);
  });

  test.each(['*', 'null', 'localhost:5173', 'http://localhost:5173/app', 'http://a/?x=1', 'file:///tmp/x.html', 'http://user@a'])('refused with HIL_CONFIG_INVALID: %s', (raw) => {
    expect(() => checkAllowedOrigin(raw)).toThrow(/HIL_CONFIG_INVALID/);
  });
});

describe('UpgradeGate.check', () => {
  const gate = (connections = 0): UpgradeGate => new UpgradeGate({ token: 'tok', allowOrigins: ['http://localhost:5173'], maxConnections: 2, connections: () => connections });

  test.each([
    ['a bad target goes first', req('//a:99999/', { origin: 'https://evil.example' }), 5, 400, 'HIL_PROTOCOL_BAD_REQUEST'],
    ['a foreign origin, even with the token, before the cap', req('/?token=tok', { origin: 'https://evil.example' }), 5, 403, 'HIL_PROTOCOL_ORIGIN_REFUSED'],
    ['protocol 8 sends Sec-WebSocket-Origin', req('/?token=tok', { 'sec-websocket-origin': 'https://evil.example' }), 0, 403, 'HIL_PROTOCOL_ORIGIN_REFUSED'],
    ['the cap before the token', req('/', { origin: 'http://localhost:5173' }), 2, 503, 'HIL_PROTOCOL_TOO_MANY_CONNECTIONS'],
    ['no token', req('/', { origin: 'http://localhost:5173' }), 0, 401, 'HIL_PROTOCOL_UNAUTHORIZED'],
    ['a wrong token', req('/', { authorization: 'Bearer nope' }), 0, 401, 'HIL_PROTOCOL_UNAUTHORIZED'],
  ])('%s', (_what, r, connections, status, code) => {
    expect(gate(connections).check(r)).toMatchObject({ status, code });
  });

  test('accepted: no Origin with the token; an allowed origin (any spelling of it) with the token', () => {
    expect(gate().check(req('/?token=tok'))).toBeNull();
    expect(gate().check(req('/', { origin: 'HTTP://LOCALHOST:5173', authorization: 'Bearer tok' }))).toBeNull();
  });

  test('allowOrigin adds an origin at run time', () => {
    const g = new UpgradeGate({ maxConnections: 10, connections: () => 0 });
    expect(g.check(req('/', { origin: 'http://127.0.0.1:8788' }))?.status).toBe(403);
    g.allowOrigin('http://127.0.0.1:8788');
    expect(g.check(req('/', { origin: 'http://127.0.0.1:8788' }))).toBeNull();
    expect(g.allowedOrigins).toEqual(['http://127.0.0.1:8788']);
  });
});
