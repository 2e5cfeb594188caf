import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { DataSource, EntitySchema } from 'typeorm';
import { registerAuth } from './auth/auth.js';
import type { EventBus } from './bus/event-bus.js';
import { createEventBus } from './bus/create-event-bus.js';
import { authConfigFrom, readEnv, type Env } from './config.js';
import { ConsumerRunner, type ConsumerDefinition } from './consumers/consumer-runner.js';
import { openDataSource, quoteIdent } from './db/data-source.js';
import { UnitOfWork } from './db/unit-of-work.js';
import { kafkaSecurityFrom } from './bus/kafka-security.js';
import { registerErrorHandling } from './error-handler.js';
import { registerHealth } from './http/health.js';
import { registerMethodNotAllowed } from './http/method-not-allowed.js';
import { registerOpenApi, type OpenApiInfo } from './http/openapi.js';
import { loggerOptions } from './logger.js';
import { OutboxRelay } from './outbox/outbox-relay.js';
import { JobRunner, type JobDefinition } from './jobs/job-runner.js';
import { retentionJob } from './retention/retention.js';
import { idempotencyPurgeJob } from './idempotency/idempotency-purge.job.js';
import { registerRequestTracing, startTelemetry } from './telemetry.js';
import { registerNulGuard } from './http/nul-guard.js';
import { registerCors } from './http/cors.js';
import { IngestLimiter } from './limits/ingest-limiter.js';
import { registerIngestLimits } from './limits/ingest-limits.js';
import { LimitsFileWatcher } from './limits/limits-file.js';
import { PlatformMetrics, UNMATCHED_ROUTE } from './metrics/platform-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.js';
import { outboxBacklog, poolCounters } from './metrics/metric-sources.js';

/** What routes and consumers are given: the service's own infrastructure, nothing global. */
export interface ServiceContext {
  readonly name: string;
  readonly dataSource: DataSource;
  readonly uow: UnitOfWork;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly env: Env;
  /** Wall clock in epoch ms, injectable so schedulers are tested by advancing it, never by sleeping. */
  readonly clock: () => number;
  /** The service's own telemetry, served on METRICS_PORT (`GET /metrics`). */
  readonly metrics: PlatformMetrics;
  /** `"<schema>"."<name>"`: a table of this service's own schema, for raw SQL (no hard-coded schema). */
  table(name: string): string;
}

type MigrationClass = new () => object;

export interface ServiceDefinition {
  /** e.g. `incident-service`: the envelope producer and the consumer-group prefix. */
  readonly name: string;
  /** The service's own SQL schema (docs/design.md#ports). */
  readonly schema: string;
  readonly defaultPort: number;
  readonly openapi: OpenApiInfo;
  readonly entities: readonly EntitySchema[];
  readonly migrations: readonly MigrationClass[];
  /** Topics this service publishes to; ensured at start. */
  readonly topics: readonly string[];
  /**
   * The composition root: builds every part of the service once (stores, clients, intakes) and
   * hands the same instances to its routes, consumers and jobs.
   */
  readonly compose: (ctx: ServiceContext) => ServiceParts | Promise<ServiceParts>;
}

/** What a service is made of, built once by its composition root. */
export interface ServiceParts {
  readonly routes: (app: FastifyInstance) => Promise<void> | void;
  readonly consumers?: readonly ConsumerDefinition[];
  /** Background workers; they start and stop with the service and show on /readyz. */
  readonly jobs?: readonly JobDefinition[];
}

export interface ServiceOverrides {
  readonly env?: NodeJS.ProcessEnv;
  /** Runs consumers; tests of a single route may switch them off. Default true. */
  readonly runConsumers?: boolean;
  readonly runRelay?: boolean;
  /** Runs jobs on their timers; tests switch them off and call `runOnce()`. Default true. */
  readonly runJobs?: boolean;
  readonly clock?: () => number;
  /** Where log lines go instead of stdout (tests read them). */
  readonly logStream?: DestinationStream;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly ctx: ServiceContext;
  readonly relay: OutboxRelay;
  /** One runner per consumer of the definition, with its counters. */
  readonly consumers: readonly ConsumerRunner[];
  /** The service's jobs and the kit's own (retention), by name. */
  readonly jobs: ReadonlyMap<string, JobRunner>;
  /**
   * Listens on HOST:PORT (PORT defaults to the service's port; 0 picks a free one), and on
   * METRICS_HOST:METRICS_PORT for `GET /metrics` when METRICS_PORT is set.
   */
  listen(port?: number): Promise<string>;
  /** Serves `GET /metrics` on its own port (default METRICS_PORT, else a free one); its URL. */
  listenMetrics(port?: number): Promise<string>;
  /** Drains in-flight requests, then the consumers and relay, then closes connections. */
  close(): Promise<void>;
}

/**
 * Builds a service from its definition: pino, zod validation and OpenAPI, problem+json errors,
 * CORS for the origins of CORS_ORIGINS, JWT auth with tenant context, rate and body limits,
 * health, tracing, its TypeORM data source
 * with migrations, the unit of work, the outbox relay and its consumers.
 */
export async function buildService(
  definition: ServiceDefinition,
  overrides: ServiceOverrides = {},
): Promise<RunningService> {
  const env = readEnv(overrides.env ?? process.env);
  const authConfig = authConfigFrom(env);
  if (!env.DATABASE_URL)
    throw new Error(`${definition.name}: DATABASE_URL is required (pnpm start sets it)`);
  const logger = overrides.logStream
    ? pino(loggerOptions(definition.name, env.LOG_LEVEL), overrides.logStream)
    : pino(loggerOptions(definition.name, env.LOG_LEVEL, env.NODE_ENV === 'development'));
  const baseLogger: FastifyBaseLogger = logger;
  await startTelemetry(definition.name);

  const dataSource = await openDataSource({
    url: env.DATABASE_URL,
    schema: definition.schema,
    entities: definition.entities,
    migrations: definition.migrations,
    poolSize: env.DATABASE_POOL_SIZE,
  });
  const bus = createEventBus({
    // '' (not undefined) keeps the choice to this service's env, not the process's.
    kafkaBrokers: env.KAFKA_BROKERS ?? '',
    logger,
    databaseUrl: env.DATABASE_URL,
    clientId: definition.name,
    numPartitions: env.KAFKA_NUM_PARTITIONS,
    security: kafkaSecurityFrom(env),
  });
  await bus.ensureTopics(definition.topics);
  const uow = new UnitOfWork(dataSource, definition.schema, definition.name);
  const ctx: ServiceContext = {
    name: definition.name,
    dataSource,
    uow,
    bus,
    logger,
    env,
    clock: overrides.clock ?? Date.now,
    metrics: new PlatformMetrics(definition.name),
    table: (name) => `${quoteIdent(definition.schema)}.${quoteIdent(name)}`,
  };

  const app = Fastify({
    // Typed as the base logger so the app keeps Fastify's default type parameters.
    loggerInstance: baseLogger,
    bodyLimit: env.BODY_LIMIT_BYTES,
    ajv: { customOptions: { removeAdditional: false } },
    return503OnClosing: true,
    // find-my-way answers an undocumented 414 for a path parameter over its default 100
    // characters; a longer limit lets the route's schema refuse it as a 400 naming the parameter.
    routerOptions: { maxParamLength: 2048 },
  });
  // The API speaks JSON only: other bodies answer 415 instead of reaching validation as strings.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Every answered request, by its route's pattern (never the raw URL: ids would explode the series).
  app.addHook('onResponse', (request, reply, done) => {
    ctx.metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  registerErrorHandling(app);
  registerMethodNotAllowed(app);
  registerNulGuard(app);
  registerRequestTracing(app);
  await registerOpenApi(app, definition.openapi);
  // Before the limiter and auth: a preflight carries no token and is answered here.
  await registerCors(app, env.CORS_ORIGINS);
  // Before the request limit: ingest routes leave it for their items and bytes buckets.
  const limitsFile = env.TENANT_LIMITS_FILE
    ? new LimitsFileWatcher(env.TENANT_LIMITS_FILE, logger)
    : undefined;
  registerIngestLimits(
    app,
    new IngestLimiter({
      limits: limitsFile?.limits ?? (() => ({})),
      shards: env.INGEST_LIMIT_SHARDS,
      // Real time, never the injected domain clock: a test's frozen clock must not stop refills.
      clock: () => performance.now(),
    }),
  );
  limitsFile?.start(env.TENANT_LIMITS_POLL_MS);
  app.addHook('onClose', () => limitsFile?.stop());
  await app.register(rateLimit, {
    max: env.RATE_LIMIT_MAX,
    timeWindow: env.RATE_LIMIT_WINDOW_MS,
    // Per tenant, so one noisy tenant cannot starve the others; anonymous calls per address.
    keyGenerator: (request) => tenantKey(request.headers.authorization) ?? request.ip,
  });
  registerAuth(app, authConfig);
  const parts = await definition.compose(ctx);
  const jobs = new Map<string, JobRunner>();
  const jobDefinitions = [
    retentionJob(
      { dataSource, schema: definition.schema, eventLog: bus.kind === 'postgres' },
      {
        outboxDays: env.OUTBOX_RETENTION_DAYS,
        inboxDays: env.INBOX_RETENTION_DAYS,
        eventLogDays: env.EVENT_LOG_RETENTION_DAYS,
        batchSize: 1_000,
        maxBatches: 100,
      },
      env.RETENTION_INTERVAL_MS,
      ctx.clock,
      logger,
    ),
    idempotencyPurgeJob(dataSource, ctx.table('idempotent_requests'), ctx.clock),
    ...(parts.jobs ?? []),
  ];
  for (const job of jobDefinitions) {
    if (jobs.has(job.name)) throw new Error(`${definition.name}: two jobs are named ${job.name}`);
    jobs.set(
      job.name,
      new JobRunner(job, {
        schema: definition.schema,
        dataSource,
        logger,
        databaseUrl: env.DATABASE_URL,
      }),
    );
  }
  registerHealth(app, ctx, () => [...jobs.values()].map((job) => job.status()));
  await app.register(async (scoped) => parts.routes(scoped));

  const relay = new OutboxRelay({
    databaseUrl: env.DATABASE_URL,
    schema: definition.schema,
    bus,
    logger,
    pollMs: env.OUTBOX_POLL_MS,
  });
  const runners = (parts.consumers ?? []).map(
    (consumer) =>
      new ConsumerRunner(consumer, {
        service: definition.name,
        schema: definition.schema,
        bus,
        uow,
        logger,
        maxAttempts: env.CONSUMER_MAX_ATTEMPTS,
        baseBackoffMs: env.CONSUMER_BACKOFF_MS,
      }),
  );
  ctx.metrics.watch({
    outboxBacklog: () => outboxBacklog(dataSource, ctx.table('outbox')),
    relay: () => relay,
    consumers: () => runners,
    jobs: () => jobs.values(),
    pool: () => poolCounters(dataSource),
  });
  if (overrides.runRelay !== false) relay.start();
  if (overrides.runConsumers !== false) for (const runner of runners) await runner.start();
  if (overrides.runJobs !== false) for (const job of jobs.values()) job.start();

  let closed = false;
  let metricsServer: MetricsServer | undefined;
  const listenMetrics = async (port = env.METRICS_PORT ?? 0): Promise<string> => {
    metricsServer ??= await startMetricsServer(ctx.metrics, {
      host: env.METRICS_HOST ?? env.HOST,
      port,
      logger,
    });
    return metricsServer.url;
  };
  return {
    app,
    ctx,
    relay,
    consumers: runners,
    jobs,
    async listen(port = env.PORT ?? definition.defaultPort) {
      const url = await app.listen({ host: env.HOST, port });
      if (env.METRICS_PORT !== undefined) await listenMetrics(env.METRICS_PORT);
      return url;
    },
    listenMetrics,
    async close() {
      if (closed) return;
      closed = true;
      await metricsServer?.close();
      await app.close();
      for (const job of jobs.values()) await job.stop();
      for (const runner of runners) await runner.stop();
      await relay.stop();
      await bus.close();
      await dataSource.destroy();
    },
  };
}

/**
 * Rate-limit key from the token's tenant claim, read without verification: the limiter runs
 * before auth, and a forged claim only spends the forger's own budget of a tenant they name.
 */
function tenantKey(authorization: string | undefined): string | undefined {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      tenantId?: unknown;
    };
    return typeof claims.tenantId === 'string' ? `tenant:${claims.tenantId}` : undefined;
  } catch {
    return undefined;
  }
}
