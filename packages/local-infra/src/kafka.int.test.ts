import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startKafkaBroker, stopKafkaBroker } from './control.js';

const topic = `local-infra.it.${randomUUID()}`;
const groupId = `local-infra-it-${randomUUID()}`;

function client(): Kafka {
  return new Kafka({
    clientId: 'local-infra-it',
    brokers: inject('infra').kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
}

async function produce(values: readonly string[]): Promise<void> {
  const producer = client().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((value) => ({ key: 'k', value })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** Consumes until `count` messages arrived, committing them; returns their values in order. */
async function consume(group: string, count: number): Promise<string[]> {
  const consumer: Consumer = client().consumer({ groupId: group });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${values.length}/${count} messages arrived`)),
        30_000,
      );
      void consumer.run({
        eachMessage: ({ message }) => {
          values.push(message.value?.toString('utf8') ?? '');
          if (values.length >= count) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

describe('Kafka from the global setup', () => {
  afterAll(async () => {
    // Leave the broker running for the next test file even when a test failed half way.
    await startKafkaBroker(inject('infra').controlUrl);
  });

  it('creates a topic, produces, and consumes through a consumer group', async () => {
    expect(process.env.KAFKA_BROKERS).toBe(inject('infra').kafkaBrokers);
    const admin = client().admin();
    await admin.connect();
    try {
      expect(
        await admin.createTopics({
          topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
          waitForLeaders: true,
        }),
      ).toBe(true);
      expect(await admin.listTopics()).toContain(topic);
    } finally {
      await admin.disconnect();
    }
    await produce(['before-restart']);
    expect(await consume(groupId, 1)).toEqual(['before-restart']);
  });

  it('keeps messages and committed offsets when the broker is stopped and started again', async () => {
    const { controlUrl } = inject('infra');
    await stopKafkaBroker(controlUrl);
    const state = (await (await fetch(`${controlUrl}/kafka`)).json()) as { running: boolean };
    expect(state.running).toBe(false);

    await startKafkaBroker(controlUrl);
    await produce(['after-restart']);
    // The same group resumes after its committed offset: only the new message.
    expect(await consume(groupId, 1)).toEqual(['after-restart']);
    // A new group from the beginning sees both: the data survived the restart.
    expect(await consume(`${groupId}-fresh`, 2)).toEqual(['before-restart', 'after-restart']);
  });
});
