import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus } from './create-event-bus.js';

// Neither adapter connects before first use, so choosing one needs no infrastructure.
describe('createEventBus', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const databaseUrl = 'postgres://nobody@127.0.0.1:1/none';

  it('chooses Kafka when brokers are given', async () => {
    vi.stubEnv('KAFKA_BROKERS', '');
    const bus = createEventBus({ kafkaBrokers: '127.0.0.1:9092', databaseUrl, clientId: 't' });
    expect(bus.kind).toBe('kafka');
    await bus.close();
  });

  it('falls back to KAFKA_BROKERS from the environment', async () => {
    vi.stubEnv('KAFKA_BROKERS', ' 127.0.0.1:9092 , 127.0.0.1:9093 ');
    const bus = createEventBus({ databaseUrl, clientId: 't' });
    expect(bus.kind).toBe('kafka');
    await bus.close();
  });

  it('uses the PostgreSQL event log when no broker is configured', async () => {
    vi.stubEnv('KAFKA_BROKERS', '');
    const bus = createEventBus({ databaseUrl, clientId: 't' });
    expect(bus.kind).toBe('postgres');
    await bus.close();
  });
});
