import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { startTestService } from '../testing/test-service.js';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';
import { applyRetention, type RetentionSettings } from './retention.js';

const DAY_MS = 86_400_000;
const settings: RetentionSettings = {
  outboxDays: 7,
  inboxDays: 14,
  eventLogDays: 7,
  batchSize: 1_000,
  maxBatches: 100,
};

let service: RunningService;
const daysAgo = (days: number): Date => new Date(Date.now() - days * DAY_MS);

beforeAll(async () => {
  // The PostgreSQL event log is the bus here, so its retention is exercised too.
  service = await startTestService(widgetFixtureService, {
    kafka: false,
    runConsumers: false,
    runJobs: false,
  });
});
afterAll(async () => {
  await service.close();
});

const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
  service.ctx.dataSource.query(sql, params);

async function outboxRow(label: string, createdAt: Date, sentAt: Date | null): Promise<string> {
  const eventId = randomUUID();
  await query(
    `INSERT INTO kit_fixture.outbox (event_id, topic, message_key, envelope, headers, created_at, sent_at)
     VALUES ($1, 'retention.test', $2, '{}', '{}', $3, $4)`,
    [eventId, label, createdAt, sentAt],
  );
  return eventId;
}

async function outboxIds(ids: readonly string[]): Promise<string[]> {
  const rows = await query<{ event_id: string }>(
    'SELECT event_id FROM kit_fixture.outbox WHERE event_id = ANY($1::uuid[])',
    [ids],
  );
  return rows.map((r) => r.event_id);
}

async function publishAged(topic: string, count: number, age: Date): Promise<string[]> {
  await service.ctx.bus.publish(
    Array.from({ length: count }, (_, i) => ({
      topic,
      key: 'k',
      value: String(i),
      headers: {},
    })),
  );
  await query(
    'UPDATE event_bus.messages SET created_at = $2 WHERE topic = $1 AND created_at > $2',
    [topic, age],
  );
  const rows = await query<{ position: string }>(
    'SELECT position::text FROM event_bus.messages WHERE topic = $1 ORDER BY position',
    [topic],
  );
  return rows.map((r) => r.position);
}

describe('retention of the outbox, the inbox and the event log', () => {
  it('deletes sent outbox rows past 7 days, keeps recent ones and never an unsent one', async () => {
    const oldSent = await outboxRow('old-sent', daysAgo(9), daysAgo(8));
    const recentSent = await outboxRow('recent-sent', daysAgo(2), daysAgo(1));
    const oldUnsent = await outboxRow('old-unsent', daysAgo(30), null);
    const result = await applyRetention(
      { dataSource: service.ctx.dataSource, schema: 'kit_fixture', eventLog: false },
      settings,
      Date.now(),
    );
    expect(result.outbox).toBeGreaterThanOrEqual(1);
    expect(await outboxIds([oldSent, recentSent, oldUnsent])).toEqual(
      expect.arrayContaining([recentSent, oldUnsent]),
    );
    expect(await outboxIds([oldSent])).toEqual([]);
  });

  it('deletes inbox rows past 14 days and keeps younger ones', async () => {
    const [old, young] = [randomUUID(), randomUUID()];
    await query(
      `INSERT INTO kit_fixture.inbox (consumer, event_id, processed_at) VALUES ('c', $1, $2), ('c', $3, $4)`,
      [old, daysAgo(15), young, daysAgo(13)],
    );
    await applyRetention(
      { dataSource: service.ctx.dataSource, schema: 'kit_fixture', eventLog: false },
      settings,
      Date.now(),
    );
    const left = await query<{ event_id: string }>(
      'SELECT event_id FROM kit_fixture.inbox WHERE event_id = ANY($1::uuid[])',
      [[old, young]],
    );
    expect(left.map((r) => r.event_id)).toEqual([young]);
  });

  it('keeps event-log rows a lagging consumer group has not read, and deletes what every group read', async () => {
    const topic = `retention.log.${randomUUID().slice(0, 8)}`;
    await service.ctx.bus.ensureTopics([topic]);
    const old = await publishAged(topic, 6, daysAgo(8));
    // Group "fast" read everything, group "slow" only the first two.
    await query(
      `INSERT INTO event_bus.consumer_offsets (group_id, topic, position) VALUES ($1, $3, $4), ($2, $3, $5)`,
      [`fast-${topic}`, `slow-${topic}`, topic, old[5], old[1]],
    );
    const result = await applyRetention(
      { dataSource: service.ctx.dataSource, schema: 'kit_fixture', eventLog: true },
      settings,
      Date.now(),
    );
    const left = await query<{ position: string }>(
      'SELECT position::text FROM event_bus.messages WHERE topic = $1 ORDER BY position',
      [topic],
    );
    expect(left.map((r) => r.position)).toEqual(old.slice(2));
    expect(result.heldForLaggingGroups).toBeGreaterThanOrEqual(4);
  });

  it('deletes old rows of a topic no group reads, and keeps recent rows', async () => {
    const topic = `retention.orphan.${randomUUID().slice(0, 8)}`;
    await service.ctx.bus.ensureTopics([topic]);
    expect(await publishAged(topic, 3, daysAgo(8))).toHaveLength(3);
    await service.ctx.bus.publish([{ topic, key: 'k', value: 'recent', headers: {} }]);
    await applyRetention(
      { dataSource: service.ctx.dataSource, schema: 'kit_fixture', eventLog: true },
      settings,
      Date.now(),
    );
    const left = await query<{ value: string }>(
      'SELECT value FROM event_bus.messages WHERE topic = $1',
      [topic],
    );
    expect(left.map((r) => r.value)).toEqual(['recent']);
  });

  it('deletes in bounded batches: a run stops after maxBatches, the next continues', async () => {
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) => outboxRow(`batch-${i}`, daysAgo(20), daysAgo(19))),
    );
    const target = { dataSource: service.ctx.dataSource, schema: 'kit_fixture', eventLog: false };
    const small = { ...settings, batchSize: 3, maxBatches: 2 };
    const first = await applyRetention(target, small, Date.now());
    expect(first.outbox).toBe(6);
    expect(await outboxIds(ids)).toHaveLength(4);
    await applyRetention(target, small, Date.now());
    expect(await outboxIds(ids)).toHaveLength(0);
  });

  it('runs as the kit job of every service, on the service clock', async () => {
    const oldSent = await outboxRow('job-old-sent', daysAgo(9), daysAgo(8));
    const job = service.jobs.get('retention');
    expect(job).toBeDefined();
    expect(await job!.runOnce()).toBe(true);
    expect(await outboxIds([oldSent])).toEqual([]);
    expect(job!.status()).toMatchObject({ name: 'retention', runs: 1, lastError: null });
    const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json<{ jobs: unknown[] }>().jobs).toContainEqual(
      expect.objectContaining({ name: 'retention', runs: 1 }),
    );
  });
});
