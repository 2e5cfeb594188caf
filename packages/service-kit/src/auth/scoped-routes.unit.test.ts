import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfigFrom, readEnv } from '../config.js';
import { registerErrorHandling } from '../error-handler.js';
import { bearer, TEST_JWT_SECRET } from '../testing/test-service.js';
import { registerAuth } from './auth.js';

/**
 * Routes outside /v1 that declare a scope (a protocol's own paths, such as the Prometheus HTTP
 * API under /prometheus) are authenticated like /v1; routes without one stay open.
 */
let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  registerErrorHandling(app);
  registerAuth(app, authConfigFrom(readEnv({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET })));
  app.get('/protocol/api', { config: { scope: 'read' } }, (request) => ({
    tenant: request.auth.tenantId,
  }));
  app.get('/open', () => ({ open: true }));
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

describe('auth on scoped routes outside /v1', () => {
  it('answers 401 without a token and 403 without the scope', async () => {
    expect((await app.inject({ method: 'GET', url: '/protocol/api' })).statusCode).toBe(401);
    const ingest = await app.inject({
      method: 'GET',
      url: '/protocol/api',
      headers: bearer('t1', ['ingest']),
    });
    expect(ingest.statusCode).toBe(403);
  });

  it("lets the scope through with the token's tenant", async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/protocol/api',
      headers: bearer('t1', ['read']),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tenant: 't1' });
  });

  it('leaves routes without a scope open', async () => {
    expect((await app.inject({ method: 'GET', url: '/open' })).statusCode).toBe(200);
  });
});
