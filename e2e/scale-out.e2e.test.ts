import { topicFor } from '@obs/event-envelope';
import { busMessageOf, buildEvent, TEST_JWT_SECRET } from '@obs/service-kit/testing';
import { KafkaEventBus, type EventBus } from '@obs/service-kit';
import { randomUUID } from 'node:crypto';
import { AssignerProtocol, Kafka } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReplica, type Replica } from './fixtures/replica.js';

/**
 * Two replicas of one consumer service, as Container Apps runs them when it scales out: separate
 * processes in one consumer group on real Kafka. Every event's effect is applied exactly once,
 * and a replica killed mid-stream hands its partitions to the other with nothing lost.
 */
const infra = inject('infra');
const tenant = `scale-${randomUUID().slice(0, 8)}`;
const group = 'incident-service.alert-triggered';
const topic = topicFor('AlertTriggered');
const EVENTS = 1_000;

let bus: EventBus;
let db: pg.Client;
let replicas: Replica[] = [];

const replicaEnv = {
  DATABASE_URL: infra.databaseUrl,
  KAFKA_BROKERS: infra.kafkaBrokers,
  JWT_SECRET: TEST_JWT_SECRET,
  // The escalation timer is not what this test is about.
  INCIDENT_ESCALATION_INTERVAL_MS: '0',
};

function alerts(count: number) {
  return Array.from({ length: count }, (_, i) =>
    busMessageOf(
      buildEvent('AlertTriggered', {
        tenantId: tenant,
        // Distinct rules: the stream key spreads them over every partition.
        aggregateId: randomUUID(),
        payload: { fingerprint: `scale-${i}`, groupKey: `n=${i}` },
      }),
    ),
  );
}

async function incidentCounts(): Promise<{ total: number; distinct: number }> {
  const { rows } = await db.query<{ total: string; distinct: string }>(
    `SELECT count(*) AS total, count(DISTINCT source_ref) AS distinct
       FROM incident.incidents WHERE tenant_id = $1`,
    [tenant],
  );
  return { total: Number(rows[0]?.total), distinct: Number(rows[0]?.distinct) };
}

/** Partitions each live member of the group owns, by client id. */
async function assignments(): Promise<number[]> {
  const admin = new Kafka({
    clientId: 'scale-out-probe',
    brokers: infra.kafkaBrokers.split(','),
  }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    return (groups[0]?.members ?? []).map((member) => {
      const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return Object.values(assignment?.assignment ?? {}).reduce((n, p) => n + p.length, 0);
    });
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: infra.databaseUrl });
  await db.connect();
  bus = new KafkaEventBus({
    brokers: infra.kafkaBrokers.split(','),
    clientId: 'scale-out-e2e',
    numPartitions: 6,
  });
  await bus.ensureTopics([topic]);
  replicas = [
    await startReplica('incident-1', 'services/incident-service/src/main.ts', replicaEnv),
    await startReplica('incident-2', 'services/incident-service/src/main.ts', replicaEnv),
  ];
}, 180_000);

afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  await bus.close();
  await db.end();
});

describe('two replicas of incident-service on one consumer group', () => {
  it('apply 1,000 events exactly once, and a killed replica hands its partitions over with nothing lost', async () => {
    // Both replicas share the partitions before anything is sent.
    await expect.poll(assignments, { timeout: 60_000, interval: 500 }).toHaveLength(2);
    expect((await assignments()).every((owned) => owned > 0)).toBe(true);

    const batch = alerts(EVENTS);
    await bus.publish(batch.slice(0, EVENTS / 2));
    // Kill one replica while the stream is flowing: some of its partitions' records are
    // delivered but not yet committed.
    await expect
      .poll(async () => (await incidentCounts()).total, { timeout: 60_000, interval: 50 })
      .toBeGreaterThan(50);
    await replicas[0]?.kill();
    await bus.publish(batch.slice(EVENTS / 2));

    await expect
      .poll(incidentCounts, { timeout: 120_000, interval: 500 })
      .toEqual({ total: EVENTS, distinct: EVENTS });
    // The survivor now owns every partition of the topic.
    const owned = await assignments();
    expect(owned).toHaveLength(1);
    const { partitions } = await probeTopic();
    expect(owned[0]).toBe(partitions);
    // And nothing more arrives later (no duplicate from a redelivery).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await incidentCounts()).toEqual({ total: EVENTS, distinct: EVENTS });
  });
});

async function probeTopic(): Promise<{ partitions: number }> {
  const admin = new Kafka({
    clientId: 'scale-out-probe',
    brokers: infra.kafkaBrokers.split(','),
  }).admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return { partitions: metadata.topics[0]?.partitions.length ?? 0 };
  } finally {
    await admin.disconnect();
  }
}

describe('two replicas of a service with a single-active job', () => {
  it('run the job on one replica at a time, never two runs at once', async () => {
    const env = { ...replicaEnv, RETENTION_INTERVAL_MS: '0' };
    const pair = [
      await startReplica('jobs-1', 'e2e/fixtures/job-replica-main.ts', {
        ...env,
        REPLICA_NAME: 'jobs-1',
      }),
      await startReplica('jobs-2', 'e2e/fixtures/job-replica-main.ts', {
        ...env,
        REPLICA_NAME: 'jobs-2',
      }),
    ];
    try {
      await db.query('TRUNCATE job_replica_e2e.job_runs');
      await new Promise((resolve) => setTimeout(resolve, 4_000));
    } finally {
      for (const replica of pair) await replica.stop();
    }
    const { rows } = await db.query<{ replica: string; started_at: Date; finished_at: Date }>(
      'SELECT replica, started_at, finished_at FROM job_replica_e2e.job_runs ORDER BY started_at',
    );
    // Both were up and competing; the runs (150 ms each) follow one another without overlap.
    expect(rows.length).toBeGreaterThan(10);
    for (let i = 1; i < rows.length; i += 1) {
      const previous = rows[i - 1];
      const current = rows[i];
      if (!previous || !current) continue;
      expect(current.started_at.getTime()).toBeGreaterThanOrEqual(previous.finished_at.getTime());
    }
  });
});
