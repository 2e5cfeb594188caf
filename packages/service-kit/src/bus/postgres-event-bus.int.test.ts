import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InfraContext } from '@obs/local-infra';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BusMessage, DeliveredMessage } from './event-bus.js';
import { PostgresEventBus } from './postgres-event-bus.js';

// What the shared contract (event-bus.int.test.ts) cannot see from outside: the publish lock that
// keeps positions in commit order, and standby members taking over a group.
const infra: InfraContext = inject('infra');

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function message(topic: string, seq: number): BusMessage {
  return { topic, key: 'k', value: String(seq), headers: {} };
}

describe('PostgresEventBus', () => {
  let pool: Pool;
  let bus: PostgresEventBus;

  beforeAll(async () => {
    pool = new Pool({ connectionString: infra.databaseUrl });
    bus = new PostgresEventBus({ pool, redeliveryDelayMs: 100 });
    await bus.init();
  });
  afterAll(async () => {
    await bus.close();
    await pool.end();
  });

  it('publishes under the per-topic lock, so positions become visible in commit order', async () => {
    const topic = `pg.lock.${randomUUID()}`;
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(hashtext('event_bus:' || $1))`, [topic]);
      const publishing = bus.publish([message(topic, 0)]);
      await waitFor('publish to queue behind the lock', async () => {
        const waiting = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        );
        return (waiting.rows[0]?.n ?? 0) > 0;
      });
      const early = await pool.query('SELECT 1 FROM event_bus.messages WHERE topic = $1', [topic]);
      expect(early.rowCount).toBe(0);
      await holder.query('COMMIT');
      await publishing;
    } finally {
      holder.release();
    }
    const rows = await pool.query('SELECT 1 FROM event_bus.messages WHERE topic = $1', [topic]);
    expect(rows.rowCount).toBe(1);
  });

  it('keeps a second member of a group on standby until the active one stops', async () => {
    const topic = `pg.standby.${randomUUID()}`;
    const options = { groupId: `g.${randomUUID()}`, topics: [topic], fromBeginning: true };
    const seqs = (list: DeliveredMessage[]): number[] => list.map((m) => Number(m.value));
    const first: DeliveredMessage[] = [];
    const second: DeliveredMessage[] = [];
    const active = await bus.subscribe(options, (m) => {
      first.push(m);
      return Promise.resolve();
    });
    const standby = await bus.subscribe(options, (m) => {
      second.push(m);
      return Promise.resolve();
    });
    try {
      await bus.publish([0, 1, 2, 3, 4].map((seq) => message(topic, seq)));
      await waitFor('the active member', () => first.length + second.length >= 5);
      // Whichever member won the lock got everything; the other one saw nothing.
      const [winner, loser, loserList] =
        first.length > 0 ? [active, standby, second] : [standby, active, first];
      const winnerList = first.length > 0 ? first : second;
      expect(seqs(winnerList)).toEqual([0, 1, 2, 3, 4]);
      expect(loserList).toEqual([]);
      expect(winnerList.map((m) => m.partition)).toEqual([0, 0, 0, 0, 0]);

      await winner.stop();
      await bus.publish([5, 6].map((seq) => message(topic, seq)));
      await waitFor('the standby to take over', () => loserList.length >= 2);
      expect(seqs(loserList)).toEqual([5, 6]);
      await loser.stop();
    } finally {
      await Promise.all([active.stop(), standby.stop()]);
    }
  });
});
