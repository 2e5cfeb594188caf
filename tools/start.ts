/**
 * `pnpm start`: the whole platform on embedded defaults. Starts a real PostgreSQL (data kept in
 * .data/postgres-dev) and Azurite unless DATABASE_URL / AZURE_STORAGE_CONNECTION_STRING are set,
 * then every service on its default port. Without KAFKA_BROKERS the services share the PostgreSQL
 * event-log bus; `pnpm start --kafka` also starts a local Kafka broker (needs Java 17 and Maven).
 * One Swagger UI page at http://127.0.0.1:4100/docs holds all eleven OpenAPI documents in its
 * selector (the kit's buildDocsHub); each service still serves its own at <service>/docs.
 * OTLP/HTTP for every signal on the standard port, http://127.0.0.1:4318 (the kit's
 * buildOtlpGateway): what `OTEL_EXPORTER_OTLP_ENDPOINT` points at.
 */
import { join } from 'node:path';
import {
  dataRoot,
  persistentInfraOptions,
  startAzurite,
  startKafka,
  startPostgres,
} from '@obs/local-infra';
import {
  buildDocsHub,
  buildOtlpGateway,
  buildService,
  DOCS_HUB_PORT,
  METRICS_PORT_OFFSET,
  mintToken,
  OTLP_GATEWAY_PORT,
  type RunningService,
} from '@obs/service-kit';

const withKafka = process.argv.includes('--kafka');
const options = persistentInfraOptions(dataRoot());
const stops: (() => Promise<void>)[] = [];

async function main(): Promise<void> {
  const postgres = await startPostgres(options.postgres);
  stops.push(() => postgres.stop());
  const azurite = await startAzurite(options.azurite);
  stops.push(() => azurite.stop());
  let kafkaBrokers = process.env.KAFKA_BROKERS;
  if (withKafka && !kafkaBrokers) {
    // The first start fetches the broker's jars with Maven: say so, and how far it got.
    const kafka = await startKafka({
      ...options.kafka,
      onProgress: (message) => console.error(`[kafka] ${message}`),
    });
    stops.push(() => kafka.close());
    kafkaBrokers = kafka.brokers;
  }
  const env = {
    ...process.env,
    // `pnpm start` is development mode by name: the built-in secret and readable logs.
    NODE_ENV: 'development',
    // A receiver on this machine (a webhook catcher on 127.0.0.1) is the usual development
    // target; outside `pnpm start` private and loopback targets are refused unless set.
    NOTIFY_ALLOW_PRIVATE_TARGETS: process.env.NOTIFY_ALLOW_PRIVATE_TARGETS ?? 'true',
    DATABASE_URL: postgres.url,
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    ...(kafkaBrokers ? { KAFKA_BROKERS: kafkaBrokers } : {}),
  };
  // Services read their own settings (the storage account, upstream URLs) when their module
  // loads: the infrastructure is named in the environment first, then the definitions load.
  Object.assign(process.env, env);
  const { SERVICES } = await import('./services.js');
  const running: RunningService[] = [];
  stops.unshift(async () => {
    for (const service of running.reverse()) await service.close();
  });
  const urls: string[] = [];
  const listening: { name: string; url: string }[] = [];
  for (const definition of SERVICES) {
    // Each service's own /metrics port: its API port + 5000 (docs/operations.md#metrics).
    const metricsPort = String(definition.defaultPort + METRICS_PORT_OFFSET);
    const service = await buildService(definition, { env: { ...env, METRICS_PORT: metricsPort } });
    running.push(service);
    const url = await service.listen();
    listening.push({ name: definition.name, url });
    urls.push(
      `  ${definition.name.padEnd(28)} ${url}   Swagger UI: ${url}/docs   metrics: http://127.0.0.1:${metricsPort}/metrics`,
    );
  }
  const hub = await buildDocsHub(listening);
  stops.unshift(() => hub.close());
  const hubUrl = await hub.listen({ port: DOCS_HUB_PORT, host: '127.0.0.1' });
  const urlOf = (name: string) => listening.find((service) => service.name === name)?.url;
  const gateway = await buildOtlpGateway({
    env: { ...env, PORT: undefined },
    upstreams: {
      'trace-service': urlOf('trace-service'),
      'metric-aggregation-service': urlOf('metric-aggregation-service'),
      'log-query-service': urlOf('log-query-service'),
    },
  });
  stops.unshift(() => gateway.close());
  const otlpUrl = await gateway.listen(OTLP_GATEWAY_PORT);
  const token = mintToken({ tenantId: 'dev-tenant', scopes: ['read', 'write', 'ingest', 'admin'] });
  console.log(
    [
      '',
      'Observability & Feedback Platform is running',
      `  database   ${postgres.url}`,
      `  event bus  ${kafkaBrokers ? `kafka ${kafkaBrokers}` : 'postgres event log (set KAFKA_BROKERS or pass --kafka for Kafka)'}`,
      `  blobs      Azurite (${join(dataRoot(), 'azurite-dev')})`,
      '',
      `API docs: ${hubUrl}/docs   one Swagger UI, all ${listening.length} services in its selector (top right)`,
      `OTLP/HTTP: ${otlpUrl}   /v1/traces, /v1/metrics, /v1/logs (OTEL_EXPORTER_OTLP_ENDPOINT=${otlpUrl})`,
      '',
      ...urls,
      '',
      'Development token (tenant dev-tenant, scopes read write ingest admin; `pnpm run token` mints others):',
      `  export TOKEN=${token}`,
      '  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:4106/v1/incidents',
      `  export OTEL_EXPORTER_OTLP_ENDPOINT=${otlpUrl} OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20$TOKEN"`,
      '',
    ].join('\n'),
  );
}

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const stop of stops) await stop().catch((error: unknown) => console.error(error));
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown();
  process.exit(1);
});
