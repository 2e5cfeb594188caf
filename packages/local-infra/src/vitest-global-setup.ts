import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { CONTROL_URL_ENV, startControlServer } from './control.js';
import { ensureGoPeers } from './go-peers.js';
import { infraEnv, startLocalInfra } from './infra.js';

/** What `inject('infra')` returns in a test (also in process.env for code that reads env). */
export interface InfraContext {
  /** = process.env.DATABASE_URL */
  databaseUrl: string;
  /** = process.env.KAFKA_BROKERS (comma-separated host:port) */
  kafkaBrokers: string;
  /** = process.env.AZURE_STORAGE_CONNECTION_STRING */
  azureStorageConnectionString: string;
  /** = process.env.OBS_INFRA_CONTROL_URL; see control.ts (stopKafkaBroker / startKafkaBroker). */
  controlUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraContext;
  }
}

interface Running {
  context: ProvidedContext['infra'];
  stop(): Promise<void>;
}

interface Shared {
  users: number;
  ready: Promise<Running>;
}

// The `int` and `e2e` projects both list this file; when one run includes both, they share one set
// of servers (the module may be loaded once per project, so the state lives on globalThis).
const registry = globalThis as typeof globalThis & { __obsLocalInfraVitest?: Shared };

const ENV_KEYS = [
  'DATABASE_URL',
  'KAFKA_BROKERS',
  'AZURE_STORAGE_CONNECTION_STRING',
  CONTROL_URL_ENV,
] as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

async function boot(): Promise<Running> {
  // Peers (Prometheus, Alertmanager, Jaeger) are built before the servers start and before any test
  // asks for one: a first build takes minutes, longer than a test hook may wait.
  await ensureGoPeers((message) => console.error(`[go-peers] ${message}`));
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  const infra = await startLocalInfra({
    kafka: { onProgress: (message) => console.error(`[local-infra] ${message}`) },
  });
  const control = await startControlServer(infra.kafka).catch(async (error: unknown) => {
    await infra.stop();
    throw error;
  });
  const env = infraEnv(infra);
  Object.assign(process.env, env, { [CONTROL_URL_ENV]: control.url });
  const { timings } = infra;
  console.error(
    `[local-infra] up: postgres ${seconds(timings.postgres)}${infra.postgres.external ? ' (DATABASE_URL)' : ''}, ` +
      `kafka ${seconds(timings.kafka)}${infra.kafka.external ? ' (KAFKA_BROKERS)' : ''}, ` +
      `azurite ${seconds(timings.azurite)}${infra.azurite.external ? ' (AZURE_STORAGE_CONNECTION_STRING)' : ''}`,
  );
  return {
    context: {
      databaseUrl: env.DATABASE_URL,
      kafkaBrokers: env.KAFKA_BROKERS,
      azureStorageConnectionString: env.AZURE_STORAGE_CONNECTION_STRING,
      controlUrl: control.url,
    },
    async stop() {
      for (const key of ENV_KEYS) {
        const value = saved[key];
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await control.close();
      await infra.stop();
    },
  };
}

/**
 * Vitest global setup for the `int` and `e2e` projects: starts real PostgreSQL, Kafka and Azurite
 * once per run (or uses DATABASE_URL / KAFKA_BROKERS / AZURE_STORAGE_CONNECTION_STRING), builds the
 * Go peers on first use (go-peers.ts), and fails
 * the run with what is missing when they cannot start. Never skips.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry.__obsLocalInfraVitest ??= { users: 0, ready: boot() });
  shared.users += 1;
  let running: Running;
  try {
    running = await shared.ready;
  } catch (error) {
    shared.users -= 1;
    if (shared.users === 0) delete registry.__obsLocalInfraVitest;
    throw error;
  }
  project.provide('infra', running.context);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete registry.__obsLocalInfraVitest;
    await running.stop();
  };
}
