import { join } from 'node:path';
import {
  containersRequested,
  startAzuriteContainer,
  startKafkaContainer,
  startPostgresContainer,
} from './containers.js';
import { startAzurite, type AzuriteInstance, type AzuriteOptions } from './azurite.js';
import { startKafka, type KafkaInstance, type KafkaOptions } from './kafka.js';
import { startPostgres, type PostgresInstance, type PostgresOptions } from './postgres.js';

export interface LocalInfraOptions {
  postgres?: PostgresOptions;
  kafka?: KafkaOptions;
  azurite?: AzuriteOptions;
}

export interface LocalInfra {
  readonly postgres: PostgresInstance;
  readonly kafka: KafkaInstance;
  readonly azurite: AzuriteInstance;
  /** Milliseconds each launcher took (Kafka includes a first Maven fetch). */
  readonly timings: { postgres: number; kafka: number; azurite: number };
  /** Stops all three and removes their temporary data. */
  stop(): Promise<void>;
}

export interface InfraPorts {
  postgres?: number;
  kafka?: number;
  kafkaController?: number;
  azurite?: number;
}

/**
 * The persistent layout `pnpm infra up` uses (and a `pnpm start` should reuse): data kept across runs
 * in `<dataRoot>/postgres-dev`, `kafka-dev` and `azurite-dev`.
 */
export function persistentInfraOptions(
  dataRoot: string,
  ports: InfraPorts = {},
): LocalInfraOptions {
  return {
    postgres: { dataDir: join(dataRoot, 'postgres-dev'), port: ports.postgres },
    kafka: {
      dataDir: join(dataRoot, 'kafka-dev'),
      port: ports.kafka,
      controllerPort: ports.kafkaController,
    },
    azurite: { dataDir: join(dataRoot, 'azurite-dev'), port: ports.azurite },
  };
}

/** The variables services read their infrastructure from. */
export interface InfraEnv {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
  AZURE_STORAGE_CONNECTION_STRING: string;
}

export function infraEnv(infra: Pick<LocalInfra, 'postgres' | 'kafka' | 'azurite'>): InfraEnv {
  return {
    DATABASE_URL: infra.postgres.url,
    KAFKA_BROKERS: infra.kafka.brokers,
    AZURE_STORAGE_CONNECTION_STRING: infra.azurite.connectionString,
  };
}

async function timed<T>(start: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const begin = performance.now();
  const value = await start();
  return { value, ms: Math.round(performance.now() - begin) };
}

function reason(result: PromiseSettledResult<unknown>): string | undefined {
  if (result.status === 'fulfilled') return undefined;
  const error: unknown = result.reason;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts PostgreSQL, Kafka and Azurite in parallel. If any fails, the others are stopped again and
 * the error names every failure (what is missing and how to install it).
 */
export async function startLocalInfra(options: LocalInfraOptions = {}): Promise<LocalInfra> {
  // OBS_INFRA=containers: the same servers from official images (testcontainers, needs Docker).
  const containers = containersRequested();
  const [pg, kafka, azurite] = await Promise.allSettled([
    timed(() => (containers ? startPostgresContainer() : startPostgres(options.postgres))),
    timed(() => (containers ? startKafkaContainer() : startKafka(options.kafka))),
    timed(() => (containers ? startAzuriteContainer() : startAzurite(options.azurite))),
  ]);
  if (pg.status === 'fulfilled' && kafka.status === 'fulfilled' && azurite.status === 'fulfilled') {
    return {
      postgres: pg.value.value,
      kafka: kafka.value.value,
      azurite: azurite.value.value,
      timings: { postgres: pg.value.ms, kafka: kafka.value.ms, azurite: azurite.value.ms },
      async stop() {
        await Promise.allSettled([
          pg.value.value.stop(),
          kafka.value.value.close(),
          azurite.value.value.stop(),
        ]);
      },
    };
  }
  await Promise.allSettled([
    pg.status === 'fulfilled' ? pg.value.value.stop() : undefined,
    kafka.status === 'fulfilled' ? kafka.value.value.close() : undefined,
    azurite.status === 'fulfilled' ? azurite.value.value.stop() : undefined,
  ]);
  const failures = [
    ['PostgreSQL', reason(pg)],
    ['Kafka', reason(kafka)],
    ['Azurite', reason(azurite)],
  ].filter((entry): entry is [string, string] => entry[1] !== undefined);
  throw new Error(
    `local infrastructure could not start:\n${failures.map(([what, why]) => `- ${what}: ${why}`).join('\n')}`,
  );
}
