/**
 * `OBS_INFRA=containers`: the same three servers as the embedded launchers, from official images
 * through testcontainers, with the same interfaces (and the same env precedence: a set
 * DATABASE_URL / KAFKA_BROKERS / AZURE_STORAGE_CONNECTION_STRING wins). For machines with a
 * Docker engine; `pnpm test:containers` runs the `int` suite this way. Not run where it was
 * written (no Docker engine there).
 */
import {
  GenericContainer,
  getContainerRuntimeClient,
  Wait,
  type StartedTestContainer,
} from 'testcontainers';
import { azuriteConnectionString, type AzuriteInstance } from './azurite.js';
import type { KafkaInstance } from './kafka.js';
import { findFreePort } from './ports.js';
import type { PostgresInstance } from './postgres.js';

export const CONTAINER_IMAGES = {
  postgres: 'postgres:17.6-bookworm',
  kafka: 'apache/kafka:4.1.1',
  azurite: 'mcr.microsoft.com/azure-storage/azurite:3.35.0',
} as const;

export function containersRequested(): boolean {
  return process.env.OBS_INFRA === 'containers';
}

/** testcontainers' own error, prefixed with what was asked and what it needs. */
async function started<T>(what: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `OBS_INFRA=containers needs a running Docker engine to start ${what} (testcontainers: ${message}); ` +
        'unset OBS_INFRA to use the embedded servers',
    );
  }
}

export async function startPostgresContainer(): Promise<PostgresInstance> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv)
    return { url: fromEnv, external: true, dataDir: undefined, stop: () => Promise.resolve() };
  const container = await started('PostgreSQL', () =>
    new GenericContainer(CONTAINER_IMAGES.postgres)
      .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
      .withCommand(['postgres', '-c', 'max_connections=300', '-c', 'fsync=off'])
      .withExposedPorts(5432)
      // The image restarts the server once after initdb: ready is the second announcement.
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start(),
  );
  return {
    url: `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`,
    external: false,
    dataDir: undefined,
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Kafka advertises the address clients must use, so the host port is chosen first and the broker
 * listens on the same number inside the container. stop()/start() keep the container (and its
 * data), as the embedded broker's do, for the broker-outage tests.
 */
export async function startKafkaContainer(): Promise<KafkaInstance> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) {
    const refuse = () => Promise.reject(new Error(`KAFKA_BROKERS=${fromEnv} is external`));
    return {
      brokers: fromEnv,
      external: true,
      dataDir: undefined,
      logFile: undefined,
      isRunning: () => true,
      stop: refuse,
      start: refuse,
      restart: refuse,
      close: () => Promise.resolve(),
    };
  }
  const port = await findFreePort();
  const container: StartedTestContainer = await started('Kafka', () =>
    new GenericContainer(CONTAINER_IMAGES.kafka)
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:9093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
      })
      .withExposedPorts({ container: port, host: port })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
  );
  const client = await getContainerRuntimeClient();
  const docker = client.container.getById(container.getId());
  let running = true;
  return {
    brokers: `127.0.0.1:${port}`,
    external: false,
    dataDir: undefined,
    logFile: undefined,
    isRunning: () => running,
    async stop() {
      await docker.stop();
      running = false;
    },
    async start() {
      await docker.start();
      running = true;
    },
    async restart() {
      await docker.restart();
      running = true;
    },
    async close() {
      await container.stop();
      running = false;
    },
  };
}

export async function startAzuriteContainer(): Promise<AzuriteInstance> {
  const fromEnv = process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (fromEnv)
    return {
      connectionString: fromEnv,
      external: true,
      dataDir: undefined,
      stop: () => Promise.resolve(),
    };
  const container = await started('Azurite', () =>
    new GenericContainer(CONTAINER_IMAGES.azurite)
      .withCommand([
        'azurite-blob',
        '--blobHost',
        '0.0.0.0',
        '--skipApiVersionCheck',
        '--disableTelemetry',
      ])
      .withExposedPorts(10000)
      .withWaitStrategy(Wait.forListeningPorts())
      .start(),
  );
  const endpoint = `http://${container.getHost()}:${container.getMappedPort(10000)}/devstoreaccount1`;
  return {
    connectionString: azuriteConnectionString(endpoint),
    external: false,
    dataDir: undefined,
    stop: async () => {
      await container.stop();
    },
  };
}
