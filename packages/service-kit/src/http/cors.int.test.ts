import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { bearer, startTestService } from '../testing/index.js';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';

const APP = 'https://app.example.com';
const DEV = 'http://localhost:5173';
const OTHER = 'https://evil.example.net';
const WIDGET = '/v1/widgets/00000000-0000-4000-8000-000000000000';

let withCors: RunningService;
let byDefault: RunningService;
beforeAll(async () => {
  withCors = await startTestService(widgetFixtureService, {
    runConsumers: false,
    env: { CORS_ORIGINS: `${APP}, ${DEV}` },
  });
  byDefault = await startTestService(widgetFixtureService, { runConsumers: false });
});
afterAll(async () => {
  await withCors?.close();
  await byDefault?.close();
});

const corsHeaders = (res: LightMyRequestResponse) =>
  Object.keys(res.headers).filter((name) => name.startsWith('access-control-'));

const preflight = (service: RunningService, origin: string, method: string, url = WIDGET) =>
  service.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type, content-encoding',
    },
  });

describe('CORS from CORS_ORIGINS, on the read APIs and the ingest routes', () => {
  it('answers the preflight of a read route from an allowed origin before auth, with methods and headers', async () => {
    for (const origin of [APP, DEV]) {
      const res = await preflight(withCors, origin, 'GET');
      expect(res.statusCode).toBe(204);
      expect(res.headers).toMatchObject({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, HEAD, POST',
        'access-control-allow-headers': 'Authorization, Content-Type, Content-Encoding',
        'access-control-max-age': '600',
      });
      expect(res.headers.vary).toContain('Origin');
      // No credentials mode: the token travels in Authorization, never in a cookie.
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('gives the actual request from an allowed origin its origin, never *, and the headers a script may read', async () => {
    const res = await withCors.app.inject({
      method: 'GET',
      url: WIDGET,
      headers: { ...bearer('t-cors', ['read']), origin: APP },
    });
    expect(res.statusCode).toBe(404); // another tenant's or no widget: still readable by the page
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-expose-headers']).toBe('Retry-After, ETag, Location');
    expect(res.headers.vary).toContain('Origin');
    // A refused token is readable by the page too (it can tell the user to sign in again).
    const unauthorized = await withCors.app.inject({
      method: 'GET',
      url: WIDGET,
      headers: { origin: APP },
    });
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.headers['access-control-allow-origin']).toBe(APP);
  });

  it('sends no CORS header to another origin, nor without an Origin', async () => {
    const pre = await preflight(withCors, OTHER, 'GET');
    expect(pre.statusCode).toBe(404);
    expect(corsHeaders(pre)).toEqual([]);
    for (const headers of [{ origin: OTHER }, {}, { origin: `${APP}.evil.example.net` }]) {
      const res = await withCors.app.inject({
        method: 'GET',
        url: WIDGET,
        headers: { ...bearer('t-cors', ['read']), ...headers },
      });
      expect(res.statusCode).toBe(404);
      expect(corsHeaders(res)).toEqual([]);
    }
  });

  it('opens no write route: no preflight, no header on the request', async () => {
    for (const [method, url] of [
      ['POST', '/v1/widgets'],
      ['PUT', WIDGET],
      ['DELETE', WIDGET],
    ] as const) {
      const pre = await preflight(withCors, APP, method, url);
      expect(pre.statusCode, `${method} ${url}`).toBe(404);
      expect(corsHeaders(pre)).toEqual([]);
    }
    const write = await withCors.app.inject({
      method: 'POST',
      url: '/v1/widgets',
      headers: { ...bearer('t-cors', ['write']), origin: APP },
      payload: { name: 'w', panelCount: 1 },
    });
    expect(write.statusCode).toBe(201);
    expect(corsHeaders(write)).toEqual([]);
  });

  it('sends none by default: no origin configured, no header, and OPTIONS stays a 405', async () => {
    const pre = await preflight(byDefault, APP, 'GET');
    expect(pre.statusCode).toBe(405);
    expect(corsHeaders(pre)).toEqual([]);
    const res = await byDefault.app.inject({
      method: 'GET',
      url: WIDGET,
      headers: { ...bearer('t-cors', ['read']), origin: APP },
    });
    expect(res.statusCode).toBe(404);
    expect(corsHeaders(res)).toEqual([]);
  });
});
