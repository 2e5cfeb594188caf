import { startKafka, type KafkaInstance } from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';
import { bearer, startTestService, TopicReader } from '../testing/index.js';
import { createEventBus } from './create-event-bus.js';
import type { DeliveredMessage } from './event-bus.js';
import { kafkaSecurityFrom, type KafkaSaslMechanism } from './kafka-security.js';

// A broker of this test's own, started with a SASL_SSL listener and a certificate generated now:
// the secure path is tested as a deployer would use it (Event Hubs: SASL/PLAIN over TLS).
const USER = { username: 'svc-alice', password: 'alice-secret-42' };
let kafka: KafkaInstance;
let secure: { brokers: string; caFile: string };

beforeAll(async () => {
  kafka = await startKafka({ saslSsl: { users: [USER] }, ignoreEnvironment: true });
  if (!kafka.saslSsl) throw new Error('the broker started without its SASL_SSL listener');
  secure = kafka.saslSsl;
}, 180_000);
afterAll(async () => kafka.close());

function busWith(env: Parameters<typeof kafkaSecurityFrom>[0]) {
  return createEventBus({
    kafkaBrokers: secure.brokers,
    databaseUrl: 'postgres://unused',
    clientId: `sasl-test-${randomUUID().slice(0, 8)}`,
    security: kafkaSecurityFrom(env),
  });
}

describe('Kafka over SASL_SSL, against a real broker', () => {
  for (const mechanism of ['plain', 'scram-sha-512'] as const satisfies KafkaSaslMechanism[]) {
    it(`publishes and consumes with SASL ${mechanism} over TLS, verifying the broker's certificate`, async () => {
      const bus = busWith({
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: USER.username,
        KAFKA_SASL_PASSWORD: USER.password,
        KAFKA_TLS_CA_FILE: secure.caFile,
      });
      const topic = `sasl-${mechanism}-${randomUUID().slice(0, 8)}`;
      try {
        await bus.ensureTopics([topic]);
        await bus.publish([{ topic, key: 'k', value: `hello ${mechanism}`, headers: {} }]);
        const received: DeliveredMessage[] = [];
        const subscription = await bus.subscribe(
          { groupId: `g-${topic}`, topics: [topic], fromBeginning: true },
          (message) => {
            received.push(message);
            return Promise.resolve();
          },
        );
        await expect.poll(() => received.length, { timeout: 30_000 }).toBe(1);
        await subscription.stop();
        expect(received[0]?.value).toBe(`hello ${mechanism}`);
      } finally {
        await bus.close();
      }
    });
  }

  it('a wrong password fails at once, naming the mechanism and the user', async () => {
    const bus = busWith({
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: USER.username,
      KAFKA_SASL_PASSWORD: 'not-the-password',
      KAFKA_TLS_CA_FILE: secure.caFile,
    });
    const started = Date.now();
    try {
      await expect(bus.ensureTopics(['any'])).rejects.toThrow(
        /^Kafka refused the SASL login \(mechanism scram-sha-512, user svc-alice\): .*Check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD\.$/,
      );
      // Fails on the first refusal rather than after kafkajs's retry schedule (about 30 s).
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await bus.close();
    }
  });

  it('refuses a broker whose certificate is not trusted, saying to set KAFKA_TLS_CA_FILE', async () => {
    const bus = busWith({
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: USER.username,
      KAFKA_SASL_PASSWORD: USER.password,
    });
    try {
      await expect(bus.ensureTopics(['any'])).rejects.toThrow(/KAFKA_TLS_CA_FILE/);
    } finally {
      await bus.close();
    }
  });

  it('a service configured from the environment alone publishes its events over SASL_SSL', async () => {
    const service = await startTestService(widgetFixtureService, {
      env: {
        KAFKA_BROKERS: secure.brokers,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: USER.username,
        KAFKA_SASL_PASSWORD: USER.password,
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: secure.caFile,
      },
    });
    const reader = await TopicReader.open(service.ctx.bus, widgetFixtureService.topics);
    try {
      const tenant = `tenant-sasl-${randomUUID().slice(0, 8)}`;
      const res = await service.app.inject({
        method: 'POST',
        url: '/v1/widgets',
        headers: bearer(tenant, ['write']),
        payload: { name: 'secure', panelCount: 1 },
      });
      expect(res.statusCode).toBe(201);
      await reader.waitFor(tenant, 'DashboardDefined');
    } finally {
      await reader.close();
      await service.close();
    }
  });
});
