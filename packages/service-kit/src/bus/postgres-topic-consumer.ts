import { Client, type ClientConfig } from 'pg';
import type { BusLogger } from './bus-logger.js';
import type { DeliveredMessage, MessageHandler } from './event-bus.js';
import { NOTIFY_CHANNEL } from './postgres-schema.js';
import { Wakeup, pause } from './wakeup.js';

export interface TopicConsumerSettings {
  readonly groupId: string;
  readonly topic: string;
  readonly fromBeginning: boolean;
  readonly connection: ClientConfig;
  readonly pollIntervalMs: number;
  readonly redeliveryDelayMs: number;
  readonly batchSize: number;
  readonly logger: BusLogger;
}

interface MessageRow {
  readonly position: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/**
 * The session lock that makes (group, topic) a consumer group of one active member. The two-key
 * form keeps these locks apart from the publishers' one-key locks on the same hash space.
 */
const TRY_LOCK = `SELECT pg_try_advisory_lock(hashtext('event_bus:consumer'), hashtext(json_build_array($1::text, $2::text)::text)) AS locked`;

// ORDER BY names the table's column: the bare alias would sort the text copy, '10' before '9'.
const READ_BATCH = `
  SELECT m.position::text AS position, m.key, m.value, m.headers
  FROM event_bus.messages AS m
  WHERE m.topic = $1 AND m.position > $2::bigint
  ORDER BY m.position
  LIMIT $3`;

// Never moves backwards, so a stale member can't undo a newer commit.
const COMMIT = `
  INSERT INTO event_bus.consumer_offsets (group_id, topic, position)
  VALUES ($1, $2, $3::bigint)
  ON CONFLICT (group_id, topic) DO UPDATE
    SET position = EXCLUDED.position, updated_at = now()
    WHERE event_bus.consumer_offsets.position < EXCLUDED.position`;

/**
 * Consumes one topic for one group on a dedicated connection. That connection holds the group's
 * session advisory lock, LISTENs for publishes and commits positions; if it drops, the lock goes
 * with it, a standby member takes over from the committed position, and this one reconnects as a
 * standby. Reading `position > committed` in order never skips a row, because publishers commit
 * a topic's positions in increasing order (see PostgresEventBus.publish).
 */
export class PostgresTopicConsumer {
  private client: Client | undefined;
  /** The committed position this member continues from, known only while it holds the lock. */
  private position: string | undefined;
  private readonly wakeup = new Wakeup();
  private readonly stopping = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly settings: TopicConsumerSettings,
    private readonly handler: MessageHandler,
  ) {
    this.loop = this.run();
  }

  /** Lets the in-flight handler finish and commit, then closes the connection (freeing the lock). */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wakeup.notify();
    await this.loop;
  }

  private get running(): boolean {
    return !this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (error) {
        const { groupId, topic } = this.settings;
        this.settings.logger.error({ groupId, topic, err: error }, 'event bus consumer failed');
        await this.disconnect();
        await pause(this.settings.pollIntervalMs, this.stopping.signal);
      }
    }
    await this.disconnect();
  }

  private async step(): Promise<void> {
    const client = await this.connection();
    if (this.position === undefined) {
      if (!(await this.tryBecomeActive(client))) {
        // Standby: notifications are not worth waking for; only the lock matters.
        await pause(this.settings.pollIntervalMs, this.stopping.signal);
        return;
      }
    }
    const from = this.position ?? '0';
    const { topic, batchSize, groupId } = this.settings;
    const { rows } = await client.query<MessageRow>(READ_BATCH, [topic, from, batchSize]);
    if (rows.length === 0) {
      await this.wakeup.wait(this.settings.pollIntervalMs);
      return;
    }
    for (const row of rows) {
      if (!this.running) return;
      if (!(await this.deliver(row))) return; // re-read from the uncommitted message next step
      await client.query(COMMIT, [groupId, topic, row.position]);
      this.position = row.position;
    }
  }

  private async deliver(row: MessageRow): Promise<boolean> {
    const { topic, redeliveryDelayMs, logger } = this.settings;
    const message: DeliveredMessage = {
      topic,
      partition: 0,
      offset: row.position,
      key: row.key,
      value: row.value,
      headers: row.headers,
    };
    try {
      await this.handler(message);
      return true;
    } catch (error) {
      logger.warn(
        { topic, offset: row.position, err: error },
        'event handler rejected; message will be redelivered',
      );
      await pause(redeliveryDelayMs, this.stopping.signal);
      return false;
    }
  }

  /** Takes the group lock if free, then resolves where to continue from. */
  private async tryBecomeActive(client: Client): Promise<boolean> {
    const { groupId, topic, fromBeginning } = this.settings;
    const lock = await client.query<{ locked: boolean }>(TRY_LOCK, [groupId, topic]);
    if (lock.rows[0]?.locked !== true) return false;
    const committed = await client.query<{ position: string }>(
      'SELECT position::text AS position FROM event_bus.consumer_offsets WHERE group_id = $1 AND topic = $2',
      [groupId, topic],
    );
    const start = committed.rows[0]?.position;
    if (start !== undefined) {
      this.position = start;
    } else if (fromBeginning) {
      this.position = '0';
    } else {
      // Like Kafka's auto.offset.reset=latest: held in memory only until the first commit.
      const latest = await client.query<{ position: string }>(
        'SELECT coalesce(max(position), 0)::text AS position FROM event_bus.messages WHERE topic = $1',
        [topic],
      );
      this.position = latest.rows[0]?.position ?? '0';
    }
    return true;
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client(this.settings.connection);
    // Without an 'error' listener a dropped idle connection would crash the process; the failed
    // next query sends the loop through disconnect() and a fresh connection instead.
    client.on('error', (error) => {
      this.settings.logger.warn({ err: error }, 'event bus consumer connection lost');
      this.wakeup.notify();
    });
    client.on('notification', ({ channel, payload }) => {
      if (channel === NOTIFY_CHANNEL && payload === this.settings.topic) this.wakeup.notify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  /** Closing the session releases the advisory lock, so a standby takes over immediately. */
  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.position = undefined;
    await client?.end().catch(() => undefined);
  }
}
