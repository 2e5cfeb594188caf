import { randomUUID } from 'node:crypto';
import type { InfraContext } from '@obs/local-infra';
import { Pool } from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { BusMessage, EventBus } from '../bus/event-bus.js';
import { openDataSource } from '../db/data-source.js';
import { OutboxRelay } from './outbox-relay.js';

/** The relay's pipelining against a real PostgreSQL, with a scripted bus in place of a broker. */
const infra: InfraContext = inject('infra');
const schema = 'relay_pipeline_test';
const table = `"${schema}".outbox`;
let dataSource: DataSource;
let observer: Pool;

type Publish = (messages: readonly BusMessage[], call: number) => Promise<void>;

/** Records every publish call; `onPublish` decides how each one ends. */
class ScriptedBus implements EventBus {
  readonly kind = 'kafka' as const;
  readonly calls: BusMessage[][] = [];
  constructor(private readonly onPublish: Publish = () => Promise.resolve()) {}
  ensureTopics(): Promise<void> {
    return Promise.resolve();
  }
  async publish(messages: readonly BusMessage[]): Promise<void> {
    const call = this.calls.length;
    this.calls.push([...messages]);
    await this.onPublish(messages, call);
  }
  subscribe(): never {
    throw new Error('not used');
  }
  read(): never {
    throw new Error('not used');
  }
  isReachable(): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const relayOf = (
  bus: EventBus,
  options: { batchSize?: number; fetchSize?: number; pollMs?: number } = {},
) =>
  new OutboxRelay({
    databaseUrl: infra.databaseUrl,
    schema,
    bus,
    logger: pino({ level: 'silent' }),
    pollMs: options.pollMs ?? 50,
    batchSize: options.batchSize ?? 10,
    fetchSize: options.fetchSize ?? 30,
  });

/** Commits `n` rows over `keys` aggregates; the envelope carries its sequence number. */
async function commitRows(n: number, keys = 7, from = 0): Promise<void> {
  const seqs = Array.from({ length: n }, (_, i) => from + i);
  await observer.query(
    `INSERT INTO ${table} (event_id, topic, message_key, envelope, headers)
     SELECT gen_random_uuid(), 't', 'k' || (s % $2), '{"seq":' || s || '}', '{}'::jsonb
     FROM unnest($1::int[]) AS s`,
    [seqs, keys],
  );
}

const seqOf = (message: BusMessage): number => (JSON.parse(message.value) as { seq: number }).seq;

async function unsentSeqs(): Promise<number[]> {
  const { rows } = await observer.query<{ seq: number }>(
    `SELECT (envelope::jsonb ->> 'seq')::int AS seq FROM ${table} WHERE sent_at IS NULL ORDER BY id`,
  );
  return rows.map((r) => r.seq);
}

/** True when the relay's session has no query running. */
async function relayIdle(): Promise<boolean> {
  const { rows } = await observer.query<{ state: string }>(
    'SELECT state FROM pg_stat_activity WHERE application_name = $1',
    [`${schema}-relay`],
  );
  return rows.length === 1 && rows[0]?.state === 'idle';
}

beforeAll(async () => {
  dataSource = await openDataSource({
    url: infra.databaseUrl,
    schema,
    entities: [],
    migrations: [],
  });
  observer = new Pool({ connectionString: infra.databaseUrl, max: 3 });
});

afterAll(async () => {
  await observer.end();
  await dataSource.destroy();
});

beforeEach(async () => {
  await observer.query(`TRUNCATE ${table}`);
});

describe('outbox relay pipelining', () => {
  it('publishes every row once, in id order, in calls of batchSize, and marks all sent', async () => {
    await commitRows(95);
    const bus = new ScriptedBus();
    const relay = relayOf(bus);
    expect(await relay.drain()).toBe(95);
    expect(bus.calls.map((c) => c.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    expect(bus.calls.flat().map(seqOf)).toEqual(Array.from({ length: 95 }, (_, i) => i));
    expect(await unsentSeqs()).toEqual([]);
    expect(relay.publishedCount).toBe(95);
    await relay.stop();
  });

  it('never marks a row sent before the broker acknowledged it', async () => {
    await commitRows(120);
    const violations: number[] = [];
    const bus = new ScriptedBus(async (messages) => {
      // While this call is unacknowledged, none of its rows may be marked, whatever the relay
      // reads or marks meanwhile on its own connection.
      await new Promise((resolve) => setTimeout(resolve, 15));
      const unsent = new Set(await unsentSeqs());
      for (const m of messages) if (!unsent.has(seqOf(m))) violations.push(seqOf(m));
    });
    const relay = relayOf(bus);
    await relay.drain();
    await relay.stop();
    expect(violations).toEqual([]);
    expect(await unsentSeqs()).toEqual([]);
  });

  it('after a failed publish, re-publishes from the first unacknowledged call; no row is skipped or reordered per key', async () => {
    await commitRows(100);
    let failing = true;
    const bus = new ScriptedBus((_messages, call) =>
      failing && call === 4 ? Promise.reject(new Error('broker down')) : Promise.resolve(),
    );
    const relay = relayOf(bus);
    await expect(relay.drain()).rejects.toThrow('broker down');
    // Fetch 1 (rows 0-29) and the first call of fetch 2 (30-39) were acknowledged and marked;
    // the second call of fetch 2 failed.
    const unsent = await unsentSeqs();
    expect(unsent).toEqual(Array.from({ length: 60 }, (_, i) => 40 + i));
    failing = false;
    expect(await relay.drain()).toBe(60);
    await relay.stop();
    expect(await unsentSeqs()).toEqual([]);
    const published = bus.calls.flat().map(seqOf);
    // At least once: every row went out; per key, the first time each row went out is in order.
    expect(new Set(published).size).toBe(100);
    const firstByKey = new Map<string, number[]>();
    const seen = new Set<number>();
    for (const m of bus.calls.flat()) {
      const seq = seqOf(m);
      if (seen.has(seq)) continue;
      seen.add(seq);
      firstByKey.set(m.key, [...(firstByKey.get(m.key) ?? []), seq]);
    }
    for (const seqs of firstByKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('publishes a row that took an id inside a fetch but committed while it was in flight', async () => {
    // Ids are taken at insert, rows become visible at commit: the late row's id sits between rows
    // the first fetch reads, and it commits while that fetch is being published. Marking by a
    // range of ids would mark it sent unpublished; the relay marks exactly the rows it published.
    const late = await observer.connect();
    try {
      await commitRows(10);
      await late.query('BEGIN');
      await late.query(
        `INSERT INTO ${table} (event_id, topic, message_key, envelope, headers)
         VALUES ($1, 't', 'late', '{"seq":-1}', '{}'::jsonb)`,
        [randomUUID()],
      );
      await commitRows(40, 7, 10);
      const bus = new ScriptedBus(async (_messages, call) => {
        if (call !== 0) return;
        // Let the read-ahead (issued as this call began) finish first, so only the next read
        // can see the late row.
        await expect.poll(relayIdle, { timeout: 5_000, interval: 10 }).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await late.query('COMMIT');
      });
      const relay = relayOf(bus);
      expect(await relay.drain()).toBe(51);
      await relay.stop();
      expect(bus.calls.flat().map(seqOf)).toContain(-1);
      expect(await unsentSeqs()).toEqual([]);
    } finally {
      late.release();
    }
  });

  it('while running, publishes what commits during a pass (woken by NOTIFY) once each, in order, and leaves nothing unmarked', async () => {
    const bus = new ScriptedBus(() => new Promise((resolve) => setTimeout(resolve, 2)));
    // No polling within the test's time: only the NOTIFYs wake the relay.
    const relay = relayOf(bus, { pollMs: 600_000 });
    relay.start();
    try {
      // Transactions like a unit of work's: rows, then NOTIFY, committed while the relay works.
      const late = await observer.connect();
      try {
        await late.query('BEGIN');
        await late.query(
          `INSERT INTO ${table} (event_id, topic, message_key, envelope, headers)
           VALUES ($1, 't', 'late', '{"seq":-1}', '{}'::jsonb)`,
          [randomUUID()],
        );
        for (let tx = 0; tx < 40; tx += 1) {
          await commitRows(7, 7, tx * 7);
          await observer.query(`NOTIFY "${schema}_outbox"`);
        }
        await late.query(`NOTIFY "${schema}_outbox"`);
        await late.query('COMMIT');
      } finally {
        late.release();
      }
      await expect.poll(unsentSeqs, { timeout: 10_000 }).toEqual([]);
      const published = bus.calls.flat();
      expect(published.map(seqOf).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 281 }, (_, i) => i - 1),
      );
      const byKey = new Map<string, number[]>();
      for (const m of published) byKey.set(m.key, [...(byKey.get(m.key) ?? []), seqOf(m)]);
      for (const seqs of byKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(relay.publishedCount).toBe(281);
    } finally {
      await relay.stop();
    }
  });

  it('woken from sleep by one NOTIFY, publishes and marks at once, with no poll to finish it', async () => {
    const bus = new ScriptedBus();
    const relay = relayOf(bus, { pollMs: 600_000 });
    relay.start();
    try {
      await expect.poll(relayIdle, { timeout: 5_000, interval: 10 }).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await commitRows(5);
      await observer.query(`NOTIFY "${schema}_outbox"`);
      await expect.poll(unsentSeqs, { timeout: 5_000 }).toEqual([]);
      expect(bus.calls.flat().map(seqOf)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await relay.stop();
    }
  });

  it('stop() returns after the fetch in flight instead of draining the whole backlog', async () => {
    await commitRows(300);
    let stopping: Promise<void> | undefined;
    const relay: OutboxRelay = relayOf(
      new ScriptedBus((_messages, call) => {
        if (call === 0) stopping = relay.stop();
        return Promise.resolve();
      }),
    );
    relay.start();
    await expect.poll(() => stopping !== undefined, { timeout: 10_000 }).toBe(true);
    await stopping;
    const unsent = await unsentSeqs();
    expect(unsent.length).toBeGreaterThanOrEqual(300 - 30);
    // What was published and marked is a prefix: the rest waits, in order, for the next relay.
    expect(unsent).toEqual(
      Array.from({ length: unsent.length }, (_, i) => 300 - unsent.length + i),
    );
  });
});
