import type { Pool } from 'pg';

/** Every notification goes to one channel with the topic as payload: channel names max out at 63
 * bytes and pg_notify refuses longer ones, while topic names have no such limit. */
export const NOTIFY_CHANNEL = 'event_bus';

/**
 * `value` is text, not jsonb: consumers must receive the envelope byte-for-byte as published, and
 * jsonb would reorder keys and drop whitespace. `position` comes from one global sequence; within
 * a topic it still grows in commit order because publishers serialise per topic (see publish).
 */
const DDL = `
  CREATE SCHEMA IF NOT EXISTS event_bus;
  CREATE TABLE IF NOT EXISTS event_bus.topics (
    name text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE IF NOT EXISTS event_bus.messages (
    topic text NOT NULL,
    position bigserial NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    headers jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, position)
  );
  CREATE INDEX IF NOT EXISTS messages_created_at_idx ON event_bus.messages (created_at);
  CREATE TABLE IF NOT EXISTS event_bus.consumer_offsets (
    group_id text NOT NULL,
    topic text NOT NULL,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic)
  );
`;

/**
 * Creates the event log idempotently. IF NOT EXISTS alone is not enough when several services
 * start at once (two concurrent CREATE SCHEMA can still collide on the catalog's unique index), so
 * the DDL runs under a transaction-scoped advisory lock.
 */
export async function ensureEventBusSchema(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('event_bus:schema'))`);
    await client.query(DDL);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
