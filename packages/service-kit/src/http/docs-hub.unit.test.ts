import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocsHub } from './docs-hub.js';

/** A stand-in service: an OpenAPI document at /docs/json and one route that echoes the request. */
async function fakeService(name: string): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  app.get('/docs/json', () => ({
    openapi: '3.1.0',
    info: { title: name, version: '1' },
    paths: {},
  }));
  app.post('/v1/echo', (request) => ({
    service: name,
    authorization: request.headers.authorization,
    query: request.query,
    body: request.body,
  }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

describe('buildDocsHub: one Swagger UI page with every service document in its selector', () => {
  const names = ['trace-service', 'incident-service'];
  let services: { app: FastifyInstance; url: string }[] = [];
  let hub: FastifyInstance;

  beforeAll(async () => {
    services = await Promise.all(names.map(fakeService));
    hub = await buildDocsHub(names.map((name, i) => ({ name, url: services[i]!.url })));
  });
  afterAll(async () => {
    await hub.close();
    for (const service of services) await service.app.close();
  });

  it('serves Swagger UI at /docs with each service in the selector', async () => {
    const page = await hub.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
    const init = await hub.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    for (const name of names) expect(init.body).toContain(`/specs/${name}.json`);
    expect(init.body).toContain('StandaloneLayout'); // the layout whose top bar has the selector
    expect((await hub.inject({ method: 'GET', url: '/' })).headers.location).toBe('/docs');
  });

  it('serves each document from its own origin, its server pointing through the hub', async () => {
    const res = await hub.inject({ method: 'GET', url: '/specs/incident-service.json' });
    expect(res.json()).toMatchObject({
      info: { title: 'incident-service' },
      servers: [{ url: '/api/incident-service' }],
    });
    expect((await hub.inject({ method: 'GET', url: '/specs/nope.json' })).statusCode).toBe(404);
  });

  it('passes "Try it out" requests on to the service: method, query, Authorization, body', async () => {
    const res = await hub.inject({
      method: 'POST',
      url: '/api/incident-service/v1/echo?limit=2',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      payload: { a: 1 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      service: 'incident-service',
      authorization: 'Bearer t',
      query: { limit: '2' },
      body: { a: 1 },
    });
  });
});
