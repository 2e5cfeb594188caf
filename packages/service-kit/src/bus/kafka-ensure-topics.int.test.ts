import type { InfraContext } from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { KafkaEventBus } from './kafka-event-bus.js';

/**
 * Services that start together on a fresh cluster (`docker compose up`, an e2e test) create the
 * same topics at the same moment. Whoever loses the race must still come back only once the
 * topics are usable, not with the broker's "does not host this topic-partition" while the winner's
 * topic is being created.
 */
const infra: InfraContext = inject('infra');
const buses = Array.from(
  { length: 6 },
  (_, i) =>
    new KafkaEventBus({ brokers: infra.kafkaBrokers.split(','), clientId: `ensure-topics-${i}` }),
);
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()));
});

describe('KafkaEventBus.ensureTopics', () => {
  it('lets several processes create the same new topics at once, and each can use them', async () => {
    for (let round = 0; round < 5; round += 1) {
      const topics = [1, 2, 3].map((n) => `ensure-${randomUUID()}-${n}`);
      await expect(Promise.all(buses.map((bus) => bus.ensureTopics(topics)))).resolves.toHaveLength(
        buses.length,
      );
      const published = buses.map((bus, i) =>
        bus.publish([{ topic: topics[0]!, key: `k${i}`, value: '{}', headers: {} }]),
      );
      await expect(Promise.all(published)).resolves.toHaveLength(buses.length);
    }
  });
});
