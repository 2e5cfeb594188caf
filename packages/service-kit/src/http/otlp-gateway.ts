import httpProxy from '@fastify/http-proxy';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { readEnv } from '../config.js';
import { registerErrorHandling } from '../error-handler.js';
import { loggerOptions } from '../logger.js';
import { PROBLEM_CONTENT_TYPE, problem } from '../problem.js';
import { serviceUrl, type ServiceName } from './upstream-client.js';

/** OTLP/HTTP's standard port: what `OTEL_EXPORTER_OTLP_ENDPOINT=http://host:4318` reaches. */
export const OTLP_GATEWAY_PORT = 4318;
export const OTLP_GATEWAY_NAME = 'otlp-gateway';

/** OTLP/HTTP's default paths and the service that ingests each signal. */
export const OTLP_ROUTES = {
  '/v1/traces': 'trace-service',
  '/v1/metrics': 'metric-aggregation-service',
  '/v1/logs': 'log-query-service',
} as const satisfies Record<string, ServiceName>;

type OtlpService = (typeof OTLP_ROUTES)[keyof typeof OTLP_ROUTES];

export interface OtlpGatewayOptions {
  /** The three services' base URLs; by default `<SERVICE>_URL` or their port on this host. */
  readonly upstreams?: Partial<Record<OtlpService, string>>;
  /** HOST, PORT, LOG_LEVEL and the `<SERVICE>_URL` variables (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** A logger of the caller's (`pnpm start`); by default one of its own, named otlp-gateway. */
  readonly logger?: FastifyBaseLogger;
}

export interface OtlpGateway {
  readonly app: FastifyInstance;
  /** Where each path goes. */
  readonly upstreams: Readonly<Record<OtlpService, string>>;
  /** Listens on HOST:PORT (PORT defaults to 4318; 0 picks a free one). */
  listen(port?: number): Promise<string>;
  /** Stops taking requests (503 meanwhile), lets the in-flight ones finish, closes the pools. */
  close(): Promise<void>;
}

/**
 * The platform's one OTLP/HTTP endpoint: `POST /v1/traces`, `/v1/metrics` and `/v1/logs` (and
 * their CORS preflights) are passed to trace-service, metric-aggregation-service and
 * log-query-service as they came. The body is streamed, never parsed or decompressed here (JSON,
 * protobuf, gzip: the service decides), the headers (Authorization, Content-Type,
 * Content-Encoding, Origin) go along, and the service's answer comes back unchanged: status,
 * headers (Retry-After, CORS) and body (partialSuccess, google.rpc.Status, problem+json). It
 * holds no state and checks no token: each service applies its own auth, limits and CORS.
 * A service that does not answer is a 502 problem+json naming it (504 after a timeout), which
 * OTLP exporters retry. Not an aggregate service: no database, no bus; `/healthz` and `/readyz`
 * say the process serves.
 */
export async function buildOtlpGateway(options: OtlpGatewayOptions = {}): Promise<OtlpGateway> {
  const env = readEnv(options.env ?? process.env);
  const source = options.env ?? process.env;
  const logger: FastifyBaseLogger =
    options.logger ??
    pino(loggerOptions(OTLP_GATEWAY_NAME, env.LOG_LEVEL, env.NODE_ENV === 'development'));
  const upstreams = Object.fromEntries(
    Object.values(OTLP_ROUTES).map((service) => [
      service,
      (options.upstreams?.[service] ?? serviceUrl(service, source)).replace(/\/+$/, ''),
    ]),
  ) as Record<OtlpService, string>;

  const app = Fastify({ loggerInstance: logger, return503OnClosing: true });
  registerErrorHandling(app);
  const health = () => Promise.resolve({ status: 'ok', service: OTLP_GATEWAY_NAME });
  app.get('/healthz', { logLevel: 'warn' }, health);
  app.get('/readyz', { logLevel: 'warn' }, health);

  for (const [path, service] of Object.entries(OTLP_ROUTES)) {
    await app.register(httpProxy, {
      prefix: path,
      upstream: upstreams[service],
      rewritePrefix: path,
      // Exactly the OTLP path: nothing under it, and no other method than export and preflight.
      routes: ['/'],
      httpMethods: ['POST', 'OPTIONS'],
      disableRequestLogging: true,
      replyOptions: {
        onError: (reply, { error }) => {
          const timedOut = (error as { statusCode?: number }).statusCode === 504;
          reply.log.warn({ err: error, upstream: service }, 'upstream did not answer');
          const body = problem(
            timedOut ? 504 : 502,
            'upstream_unavailable',
            timedOut ? 'Gateway Timeout' : 'Bad Gateway',
            `${service} did not answer${timedOut ? ' in time' : ''}; retry later`,
            reply.request.url,
          );
          // OTLP exporters retry a 502 or 504; Retry-After paces them.
          void reply
            .code(body.status)
            .header('retry-after', '1')
            .type(PROBLEM_CONTENT_TYPE)
            .send(body);
        },
      },
    });
  }

  let closed = false;
  return {
    app,
    upstreams,
    async listen(port = env.PORT ?? OTLP_GATEWAY_PORT) {
      return app.listen({ host: env.HOST, port });
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/**
 * The gateway's `main` (`node dist/otlp-gateway.mjs` in a service image): listens on PORT (4318)
 * and on SIGTERM/SIGINT lets in-flight requests finish before exiting.
 */
export async function runOtlpGateway(): Promise<void> {
  let gateway: OtlpGateway;
  try {
    gateway = await buildOtlpGateway();
  } catch (err) {
    process.stderr.write(`${OTLP_GATEWAY_NAME} did not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const url = await gateway.listen();
  gateway.app.log.info(
    { upstreams: gateway.upstreams },
    `${OTLP_GATEWAY_NAME} listening on ${url} (OTEL_EXPORTER_OTLP_ENDPOINT)`,
  );
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    gateway.app.log.info({ signal }, 'shutting down');
    try {
      await gateway.close();
      process.exit(0);
    } catch (err) {
      gateway.app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}
