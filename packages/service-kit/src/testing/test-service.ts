import type {} from '@obs/local-infra';
import type { DestinationStream } from 'pino';
import { inject } from 'vitest';
import { buildService, type RunningService, type ServiceDefinition } from '../build-service.js';
import { mintToken } from '../dev-token.js';
import type { Scope } from '../auth/auth.js';

export const TEST_JWT_SECRET = 'service-kit-test-secret-0123456789';

/** Builds a service against the real Postgres and Kafka started by the global setup. */
export async function startTestService(
  definition: ServiceDefinition,
  options: {
    kafka?: boolean;
    env?: Record<string, string>;
    runConsumers?: boolean;
    /** Jobs run on their timers unless false; tests usually call `jobs.get(name).runOnce()`. */
    runJobs?: boolean;
    logStream?: DestinationStream;
    clock?: () => number;
  } = {},
): Promise<RunningService> {
  const infra = inject('infra');
  return buildService(definition, {
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: infra.databaseUrl,
      ...(options.kafka === false ? {} : { KAFKA_BROKERS: infra.kafkaBrokers }),
      JWT_SECRET: TEST_JWT_SECRET,
      OUTBOX_POLL_MS: '200',
      ...options.env,
    },
    runConsumers: options.runConsumers,
    runJobs: options.runJobs,
    logStream: options.logStream,
    clock: options.clock,
  });
}

export function bearer(
  tenantId: string,
  scopes: readonly Scope[],
  subject?: string,
): { authorization: string } {
  const token = mintToken({ tenantId, scopes, subject, secret: TEST_JWT_SECRET });
  return { authorization: `Bearer ${token}` };
}
