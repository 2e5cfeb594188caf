import type { InfraContext } from '@obs/local-infra';
import { Pool } from 'pg';
import { inject } from 'vitest';
import { describeEventBusContract } from './event-bus.contract.js';
import { KafkaEventBus } from './kafka-event-bus.js';
import { PostgresEventBus } from './postgres-event-bus.js';

/** A real broker and a real PostgreSQL, started once by packages/local-infra's globalSetup. */
const infra: InfraContext = inject('infra');

// Short redelivery delays keep the rejection test quick; production keeps the 500 ms defaults.
describeEventBusContract('kafka', {
  create: () =>
    Promise.resolve(
      new KafkaEventBus({
        brokers: infra.kafkaBrokers.split(','),
        clientId: 'event-bus-contract',
        redeliveryDelayMs: 100,
      }),
    ),
  // Nothing listens on port 1: the connection is refused at once.
  createUnreachable: () =>
    new KafkaEventBus({ brokers: ['127.0.0.1:1'], clientId: 'event-bus-contract-unreachable' }),
});

describeEventBusContract('postgres', {
  create: async () => {
    const pool = new Pool({ connectionString: infra.databaseUrl });
    const bus = new PostgresEventBus({ pool, ownsPool: true, redeliveryDelayMs: 100 });
    await bus.init();
    return bus;
  },
  createUnreachable: () =>
    new PostgresEventBus({
      pool: new Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 1000 }),
      ownsPool: true,
    }),
});
