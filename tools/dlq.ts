/**
 * `pnpm dlq list|show|replay <topic>`: the dead letters of a topic, read and put back (see
 * docs/operations.md). Connects as the services do: KAFKA_BROKERS (with the KAFKA_* TLS/SASL
 * settings) when set, otherwise the PostgreSQL event log at DATABASE_URL.
 */
import { createEventBus, kafkaSecurityFrom, readEnv } from '@obs/service-kit';
import { DLQ_USAGE, runDlqCommand } from './dlq-command.js';

const env = readEnv(process.env);
const databaseUrl = env.DATABASE_URL ?? '';
if (!env.KAFKA_BROKERS && !databaseUrl) {
  console.error(`Set KAFKA_BROKERS or DATABASE_URL to the bus the services use.\n${DLQ_USAGE}`);
  process.exit(2);
}
const bus = createEventBus({
  databaseUrl,
  kafkaBrokers: env.KAFKA_BROKERS ?? '',
  clientId: 'obs-dlq',
  security: kafkaSecurityFrom(env),
});
try {
  process.exitCode = await runDlqCommand(process.argv.slice(2), bus, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} finally {
  await bus.close();
}
