import Fastify, { type FastifyInstance } from 'fastify';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamClient, serviceUrl, serviceUrlVariable } from './upstream-client.js';

describe('UpstreamClient against a real HTTP server', () => {
  let upstream: FastifyInstance;
  let client: UpstreamClient;
  const seen: { authorization?: string; query?: unknown }[] = [];

  beforeAll(async () => {
    upstream = Fastify();
    upstream.get('/v1/things/:id', async (request, reply) => {
      seen.push({ authorization: request.headers.authorization, query: request.query });
      const { id } = request.params as { id: string };
      if (id === 'missing') return reply.code(404).send({ detail: 'no such thing' });
      if (id === 'refused')
        return reply.code(422).type('application/problem+json').send({ detail: 'bad metric' });
      if (id === 'broken') return reply.code(500).send({ detail: 'SELECT * leaked' });
      if (id === 'text') return reply.type('text/plain').send('not json');
      if (id === 'slow') await new Promise((resolve) => setTimeout(resolve, 500));
      return { id };
    });
    await upstream.listen({ port: 0, host: '127.0.0.1' });
    const address = upstream.server.address() as { port: number };
    client = new UpstreamClient('metric-aggregation-service', `http://127.0.0.1:${address.port}`, {
      timeoutMs: 200,
    });
  });
  afterAll(async () => upstream.close());

  it('forwards the caller token and the query, and answers the parsed body', async () => {
    const result = await client.getJson('/v1/things/a', 'Bearer abc', {
      from: 1,
      flag: true,
      no: undefined,
    });
    expect(result).toEqual({ kind: 'ok', status: 200, body: { id: 'a' } });
    expect(seen.at(-1)).toEqual({
      authorization: 'Bearer abc',
      query: { from: '1', flag: 'true' },
    });
  });

  it('tells not found, refused (with the problem detail) and unavailable apart', async () => {
    expect(await client.getJson('/v1/things/missing', 'Bearer abc')).toEqual({ kind: 'not_found' });
    expect(await client.getJson('/v1/things/refused', 'Bearer abc')).toEqual({
      kind: 'refused',
      status: 422,
      detail: 'bad metric',
    });
    const broken = await client.getJson('/v1/things/broken', 'Bearer abc');
    expect(broken).toEqual({
      kind: 'unavailable',
      detail: 'metric-aggregation-service answered 500',
    });
    expect((await client.getJson('/v1/things/text', 'Bearer abc')).kind).toBe('unavailable');
  });

  it('answers unavailable for a timeout and for a port with nothing listening', async () => {
    expect(await client.getJson('/v1/things/slow', undefined)).toEqual({
      kind: 'unavailable',
      detail: 'metric-aggregation-service: timed out',
    });
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const down = new UpstreamClient('slo-service', `http://127.0.0.1:${port}`);
    expect(await down.getJson('/v1/slos/x', 'Bearer abc')).toEqual({
      kind: 'unavailable',
      detail: 'slo-service: ECONNREFUSED',
    });
  });

  it('reads <NAME>_URL, else the default port', () => {
    expect(serviceUrlVariable('metric-aggregation-service')).toBe('METRIC_AGGREGATION_SERVICE_URL');
    expect(serviceUrl('slo-service', {})).toBe('http://127.0.0.1:4110');
    expect(serviceUrl('slo-service', { SLO_SERVICE_URL: 'https://slo.internal/' })).toBe(
      'https://slo.internal',
    );
  });
});
