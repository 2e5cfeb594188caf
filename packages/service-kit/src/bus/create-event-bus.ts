import { Pool } from 'pg';
import type { BusLogger } from './bus-logger.js';
import type { EventBus } from './event-bus.js';
import { KafkaEventBus } from './kafka-event-bus.js';
import type { KafkaSecurity } from './kafka-security.js';
import { PostgresEventBus } from './postgres-event-bus.js';

export interface CreateEventBusOptions {
  /** Comma-separated `host:port` list; falls back to KAFKA_BROKERS. */
  readonly kafkaBrokers?: string;
  /** Where the PostgreSQL event log lives when no broker is configured. */
  readonly databaseUrl: string;
  readonly clientId: string;
  readonly logger?: BusLogger;
  /** Partitions of topics this service creates on Kafka (KAFKA_NUM_PARTITIONS, default 3). */
  readonly numPartitions?: number;
  /** TLS and SASL for the brokers (kafkaSecurityFrom(env)). */
  readonly security?: KafkaSecurity;
}

/** docs/design.md#event-bus: `KAFKA_BROKERS` set ⇒ Kafka, otherwise the PostgreSQL event log. */
export function createEventBus(options: CreateEventBusOptions): EventBus {
  const brokers = parseBrokers(options.kafkaBrokers ?? process.env.KAFKA_BROKERS);
  if (brokers.length > 0) {
    return new KafkaEventBus({
      brokers,
      clientId: options.clientId,
      logger: options.logger,
      numPartitions: options.numPartitions,
      ...options.security,
    });
  }
  // A small pool of its own, closed with the bus, so publishing never competes with the service's
  // TypeORM pool for connections.
  const pool = new Pool({
    connectionString: options.databaseUrl,
    application_name: `${options.clientId}:event-bus`,
    max: 4,
  });
  // An idle connection dropped by the server is reported here; unhandled, it would crash the process.
  pool.on('error', (error) =>
    options.logger?.warn({ err: error }, 'event bus pool connection lost'),
  );
  return new PostgresEventBus({ pool, ownsPool: true, logger: options.logger });
}

function parseBrokers(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}
