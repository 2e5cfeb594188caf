import { once } from 'node:events';
import { createServer } from 'node:net';
import { promSeriesNames } from '@obs/domain';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';

/**
 * Small real HTTP servers answering the fixed REST contracts of metric-aggregation-service
 * (`GET /v1/metrics/{name}`, `GET /v1/metric-series`, `GET /prometheus/api/v1/metadata`) and slo-service (`GET /v1/slos/{id}`) while
 * those services are built in parallel. They hold what each tenant "has" (learnt from the
 * caller's token, as the real services do), so tenancy and token forwarding are exercised over
 * real HTTP. The lead switches the tests to the real services once they land.
 */

export interface SeenRequest {
  readonly service: 'metrics' | 'slos';
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string | undefined;
}

export interface ContractUpstreams {
  readonly metricsUrl: string;
  readonly slosUrl: string;
  /** A URL where nothing listens (the "owning service is down" case). */
  readonly downUrl: string;
  readonly seen: SeenRequest[];
  /** Makes `name` known to the tenant's metric catalogue. */
  addMetric(tenantId: string, name: string): void;
  /** Makes `id` an SLO of the tenant. */
  addSlo(tenantId: string, id: string, fields?: Record<string, unknown>): void;
  /** Every metric and SLO name resolves for the tenant (random definitions reach the domain). */
  knowEverything(tenantId: string): void;
  /** GET /v1/metric-series for `name` answers this status from now on (500: a failing upstream). */
  failSeries(name: string, status: number): void;
  close(): Promise<void>;
}

/** The tenant of a bearer token, read from its payload (the stubs trust the caller's service). */
function tenantOf(request: FastifyRequest): string | undefined {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      tenantId?: unknown;
      scope?: unknown;
    };
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes('read') && !scopes.includes('admin')) return 'forbidden';
    return typeof claims.tenantId === 'string' ? claims.tenantId : undefined;
  } catch {
    return undefined;
  }
}

const problem = (status: number, detail: string) => ({
  type: 'about:blank',
  title: 'error',
  status,
  detail,
  instance: '/',
  code: 'stub',
});

/** Every minute of [from, to) a point, value = minute index; one series per group. */
function seriesOf(metricName: string, query: Record<string, string>) {
  const groupBy = query.groupBy ? query.groupBy.split(',') : [];
  const from = Date.parse(query.from ?? '');
  const to = Date.parse(query.to ?? '');
  const step =
    { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 }[query.window ?? '1m'] ??
    60_000;
  const points = [];
  for (let t = Math.ceil(from / step) * step, i = 0; t < to && i < 5; t += step, i += 1) {
    points.push({
      windowStart: new Date(t).toISOString(),
      windowEnd: new Date(t + step).toISOString(),
      value: i,
      count: 10,
    });
  }
  const group = Object.fromEntries(groupBy.map((key) => [key, `${key}-a`]));
  return {
    metricName,
    window: query.window,
    aggregation: query.aggregation,
    groupBy,
    series: [
      {
        groupKey: groupBy.map((key) => `${key}=${group[key]}`).join(','),
        group,
        points,
      },
    ],
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** A loopback port that was free a moment ago and has nothing listening on it. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}`;
}

export async function startContractUpstreams(): Promise<ContractUpstreams> {
  const metrics = new Map<string, Set<string>>();
  const slos = new Map<string, Map<string, Record<string, unknown>>>();
  const failing = new Map<string, number>();
  const omniscient = new Set<string>();
  const knowsMetric = (tenant: string, name: string) =>
    omniscient.has(tenant) || metrics.get(tenant)?.has(name) === true;
  const seen: SeenRequest[] = [];

  const metricApp = Fastify();
  metricApp.addHook('onRequest', (request, _reply, done) => {
    seen.push({
      service: 'metrics',
      path: request.url.split('?')[0] ?? '',
      query: request.query as Record<string, string>,
      authorization: request.headers.authorization,
    });
    done();
  });
  metricApp.get('/v1/metrics/:name', async (request, reply) => {
    const tenant = tenantOf(request);
    if (tenant === undefined) return reply.code(401).send(problem(401, 'no token'));
    if (tenant === 'forbidden') return reply.code(403).send(problem(403, 'missing scope read'));
    const { name } = request.params as { name: string };
    if (!knowsMetric(tenant, name)) return reply.code(404).send(problem(404, 'unknown'));
    return {
      name,
      unit: 'ms',
      kind: 'histogram',
      dimensions: ['service'],
      attributes: ['http.route'],
      firstSeenAt: '2030-01-01T00:00:00.000Z',
      lastSeenAt: '2030-01-01T00:05:00.000Z',
    };
  });
  // Prometheus' /api/v1/metadata of the tenant: each known metric as a gauge in its unit (ms).
  metricApp.get('/prometheus/api/v1/metadata', async (request, reply) => {
    const tenant = tenantOf(request);
    if (tenant === undefined) return reply.code(401).send(problem(401, 'no token'));
    if (tenant === 'forbidden') return reply.code(403).send(problem(403, 'missing scope read'));
    const data: Record<string, { type: string; help: string; unit: string }[]> = {};
    for (const name of metrics.get(tenant) ?? []) {
      const [series] = promSeriesNames(name, 'ms', 'gauge');
      if (series) data[series.name] = [{ type: 'gauge', help: '', unit: '' }];
    }
    return { status: 'success', data };
  });
  metricApp.get('/v1/metric-series', async (request, reply) => {
    const tenant = tenantOf(request);
    if (tenant === undefined) return reply.code(401).send(problem(401, 'no token'));
    const query = request.query as Record<string, string>;
    const name = query.metricName ?? '';
    const status = failing.get(name);
    if (status !== undefined) return reply.code(status).send(problem(status, 'stub failure'));
    if (!knowsMetric(tenant, name)) return reply.code(404).send(problem(404, 'unknown'));
    return seriesOf(name, query);
  });

  const sloApp = Fastify();
  sloApp.addHook('onRequest', (request, _reply, done) => {
    seen.push({
      service: 'slos',
      path: request.url.split('?')[0] ?? '',
      query: request.query as Record<string, string>,
      authorization: request.headers.authorization,
    });
    done();
  });
  sloApp.get('/v1/slos/:id', async (request, reply) => {
    const tenant = tenantOf(request);
    if (tenant === undefined) return reply.code(401).send(problem(401, 'no token'));
    if (tenant === 'forbidden') return reply.code(403).send(problem(403, 'missing scope read'));
    const { id } = request.params as { id: string };
    const slo =
      slos.get(tenant)?.get(id) ?? (omniscient.has(tenant) ? { id, name: id } : undefined);
    if (!slo) return reply.code(404).send(problem(404, 'unknown'));
    return slo;
  });

  const [metricsUrl, slosUrl, downUrl] = [
    await listen(metricApp),
    await listen(sloApp),
    await closedPortUrl(),
  ];
  return {
    metricsUrl,
    slosUrl,
    downUrl,
    seen,
    addMetric(tenantId, name) {
      const known = metrics.get(tenantId) ?? new Set<string>();
      metrics.set(tenantId, known.add(name));
    },
    addSlo(tenantId, id, fields = {}) {
      const known = slos.get(tenantId) ?? new Map<string, Record<string, unknown>>();
      known.set(id, {
        id,
        name: `SLO ${id}`,
        projectId: 'checkout',
        target: 99.9,
        sli: { kind: 'ratio', good: 'http.requests.good', total: 'http.requests.total' },
        version: 1,
        ...fields,
      });
      slos.set(tenantId, known);
    },
    knowEverything(tenantId) {
      omniscient.add(tenantId);
    },
    failSeries(name, status) {
      failing.set(name, status);
    },
    async close() {
      await metricApp.close();
      await sloApp.close();
    },
  };
}
