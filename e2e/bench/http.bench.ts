import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';

export interface HttpResult {
  readonly path: string;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly non2xx: number;
}

export interface LoadOptions {
  readonly seconds: number;
  readonly connections: number;
}

/** Runs autocannon against one request shape and keeps what the table needs. */
export async function load(
  path: string,
  request: {
    url: string;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: () => string;
  },
  options: LoadOptions,
): Promise<HttpResult> {
  const result = await autocannon({
    url: request.url,
    method: request.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...request.headers },
    connections: options.connections,
    duration: options.seconds,
    ...(request.body
      ? {
          requests: [
            {
              setupRequest: (req: autocannon.Request) => ({ ...req, body: request.body?.() }),
            },
          ],
        }
      : {}),
  });
  return {
    path,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

/**
 * The baseline: a bare Fastify route running the same single SQL query through pg, with no auth,
 * validation, tracing or mapping. What the service adds on top is the ratio.
 */
export async function startBareServer(
  databaseUrl: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const app = Fastify();
  app.get<{ Params: { tenant: string; id: string } }>(
    '/bare/:tenant/:id',
    async (request, reply) => {
      const { rows } = await pool.query(
        'SELECT * FROM incident.incidents WHERE tenant_id = $1 AND id = $2',
        [request.params.tenant, request.params.id],
      );
      if (rows.length === 0) return reply.code(404).send({ status: 404 });
      return rows[0] as Record<string, unknown>;
    },
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}
