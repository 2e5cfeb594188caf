import type { Pool } from 'pg';
import { silentBusLogger, type BusLogger } from './bus-logger.js';
import type {
  BusMessage,
  DeliveredMessage,
  EventBus,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './event-bus.js';
import { NOTIFY_CHANNEL, ensureEventBusSchema } from './postgres-schema.js';
import { PostgresTopicConsumer } from './postgres-topic-consumer.js';

export interface PostgresEventBusOptions {
  readonly pool: Pool;
  /** End the pool on close(); true when the bus created the pool itself. */
  readonly ownsPool?: boolean;
  readonly logger?: BusLogger;
  /** Fallback poll when a NOTIFY was missed, and the standby's lock probe (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** Rest before a rejected message is redelivered (default 500 ms). */
  readonly redeliveryDelayMs?: number;
  /** Rows read per query; they are still handled and committed one at a time (default 100). */
  readonly batchSize?: number;
  /** isReachable answers false after this long (default 2000 ms). */
  readonly reachabilityTimeoutMs?: number;
}

/**
 * Serialises publishers per topic for the length of their transaction. A position is drawn from
 * the sequence after the lock is taken, and the lock is released only once the commit is visible,
 * so within a topic positions become visible in increasing order: a consumer that has read past
 * position p can never later find a newly committed row below p. Locks are taken in key order so
 * two multi-topic publishes cannot deadlock.
 */
const LOCK_TOPICS = `
  SELECT pg_advisory_xact_lock(k)
  FROM (SELECT DISTINCT hashtext('event_bus:' || t) AS k FROM unnest($1::text[]) AS t ORDER BY k) AS keys`;

// WITH ORDINALITY + ORDER BY: positions follow the order of the call.
const INSERT_MESSAGES = `
  INSERT INTO event_bus.messages (topic, key, value, headers)
  SELECT m.topic, m.key, m.value, m.headers::jsonb
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
    WITH ORDINALITY AS m(topic, key, value, headers, ord)
  ORDER BY m.ord`;

// Delivered at commit, so a woken consumer always finds the rows.
const NOTIFY_TOPICS = `SELECT pg_notify('${NOTIFY_CHANNEL}', t) FROM (SELECT DISTINCT unnest($1::text[]) AS t) AS topics`;

/**
 * The PostgreSQL event-log adapter of the event bus port, for `pnpm start` without a broker. One
 * partition per topic (partition 0, offset = position); consumer groups get exclusive delivery
 * through a session advisory lock, other members of the group wait as standbys.
 */
export class PostgresEventBus implements EventBus {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private readonly logger: BusLogger;
  private schema: Promise<void> | undefined;
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly options: PostgresEventBusOptions) {
    this.pool = options.pool;
    this.logger = options.logger ?? silentBusLogger;
  }

  /** Creates the event_bus schema once; every other method calls it first. */
  init(): Promise<void> {
    this.schema ??= ensureEventBusSchema(this.pool).catch((error: unknown) => {
      this.schema = undefined; // retry on the next call instead of failing forever
      throw error;
    });
    return this.schema;
  }

  /** Topics need no creation here; they are recorded so operators can list what exists. */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    await this.init();
    if (topics.length === 0) return;
    await this.pool.query(
      'INSERT INTO event_bus.topics (name) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (name) DO NOTHING',
      [[...topics]],
    );
  }

  /** One transaction per call: all of its messages become visible together, or none do. */
  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.init();
    const topics = messages.map((m) => m.topic);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(LOCK_TOPICS, [topics]);
      await client.query(INSERT_MESSAGES, [
        topics,
        messages.map((m) => m.key),
        messages.map((m) => m.value),
        messages.map((m) => JSON.stringify(m.headers)),
      ]);
      await client.query(NOTIFY_TOPICS, [topics]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async read(topic: string, limit: number): Promise<DeliveredMessage[]> {
    await this.init();
    const { rows } = await this.pool.query<{
      position: string;
      key: string;
      value: string;
      headers: Record<string, string>;
    }>(
      'SELECT position, key, value, headers FROM event_bus.messages WHERE topic = $1 ORDER BY position LIMIT $2',
      [topic, limit],
    );
    return rows.map((row) => ({
      topic,
      partition: 0,
      offset: String(row.position),
      key: row.key,
      value: row.value,
      headers: row.headers,
    }));
  }

  async subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    await this.init();
    const consumers = [...new Set(options.topics)].map(
      (topic) =>
        new PostgresTopicConsumer(
          {
            groupId: options.groupId,
            topic,
            fromBeginning: options.fromBeginning ?? false,
            connection: this.pool.options,
            pollIntervalMs: this.options.pollIntervalMs ?? 500,
            redeliveryDelayMs: this.options.redeliveryDelayMs ?? 500,
            batchSize: this.options.batchSize ?? 100,
            logger: this.logger,
          },
          handler,
        ),
    );
    let stopping: Promise<void> | undefined;
    const subscription: Subscription = {
      stop: () => {
        stopping ??= Promise.all(consumers.map((consumer) => consumer.stop())).then(() => {
          this.subscriptions.delete(subscription);
        });
        return stopping;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async isReachable(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      const ms = this.options.reachabilityTimeoutMs ?? 2000;
      timer = setTimeout(() => reject(new Error('postgres probe timed out')), ms);
    });
    try {
      await Promise.race([this.pool.query('SELECT 1'), timedOut]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.options.ownsPool) await this.pool.end();
  }
}
