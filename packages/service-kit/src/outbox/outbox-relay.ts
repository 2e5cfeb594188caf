import { Client } from 'pg';
import type { Logger } from 'pino';
import type { BusMessage, EventBus } from '../bus/event-bus.js';
import { quoteIdent } from '../db/data-source.js';
import { outboxChannel } from '../db/unit-of-work.js';

export interface OutboxRelayOptions {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly pollMs?: number;
  /** Messages per bus publish call (default 100). */
  readonly batchSize?: number;
  /** Rows read and marked sent per round trip (default 10 publish batches). */
  readonly fetchSize?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  envelope: string;
  headers: Record<string, string>;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Publishes outbox rows in id order and marks them sent. One relay per service schema runs at a
 * time: it holds a session advisory lock, so a second process stands by instead of reordering.
 * It wakes on NOTIFY from committing transactions and polls as a fallback (a missed notification
 * or a broker outage only delays events, never loses them).
 */
export class OutboxRelay {
  private client: Client | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly table: string;
  private readonly lockKey: string;
  private published = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${quoteIdent(options.schema)}.outbox`;
    this.lockKey = `outbox-relay:${options.schema}`;
  }

  get publishedCount(): number {
    return this.published;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * Publishes everything pending now, for benchmarks and tools that need a deterministic flush.
   * Only while the relay loop is not running: two publishers on one outbox would reorder events.
   */
  async drain(): Promise<number> {
    if (this.running) throw new Error('drain() while the relay runs would publish rows twice');
    const client = await this.connect();
    let total = 0;
    for (;;) {
      const sent = await this.publishBatch(client);
      total += sent;
      if (sent === 0) return total;
    }
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: `${this.options.schema}-relay`,
    });
    client.on('error', (err) => this.options.logger.warn({ err }, 'outbox relay connection error'));
    client.on('notification', () => this.wake?.());
    await client.connect();
    await client.query(`LISTEN ${quoteIdent(outboxChannel(this.options.schema))}`);
    this.client = client;
    return client;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let locked = false;
    while (this.running) {
      try {
        const client = await this.connect();
        if (!locked) {
          const res = await client.query<{ ok: boolean }>(
            'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
            [this.lockKey],
          );
          locked = res.rows[0]?.ok === true;
        }
        const sent = locked ? await this.publishBatch(client) : 0;
        backoff = 100;
        if (sent === 0) await this.sleep(this.options.pollMs ?? 1000);
      } catch (err) {
        this.options.logger.warn(
          { err: errorMessage(err) },
          'outbox relay publish failed; will retry',
        );
        if (this.client && !(await this.isAlive(this.client))) {
          locked = false;
          await this.disconnect();
        }
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    await this.disconnect();
  }

  /**
   * Reads up to `fetchSize` unsent rows, publishes them in order in calls of `batchSize`, then
   * marks them sent in one statement. A crash between publish and mark re-publishes the rows on
   * restart: at-least-once, which the consumers' inbox turns into exactly-once effects.
   */
  private async publishBatch(client: Client): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, topic, message_key, envelope, headers FROM ${this.table}
       WHERE sent_at IS NULL ORDER BY id LIMIT $1`,
      [this.options.fetchSize ?? batchSize * 10],
    );
    if (rows.length === 0) return 0;
    for (let from = 0; from < rows.length; from += batchSize) {
      await this.options.bus.publish(rows.slice(from, from + batchSize).map(toMessage));
    }
    await client.query(`UPDATE ${this.table} SET sent_at = now() WHERE id = ANY($1::bigint[])`, [
      rows.map((r) => r.id),
    ]);
    this.published += rows.length;
    return rows.length;
  }

  private async isAlive(client: Client): Promise<boolean> {
    try {
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    // Closing the session also releases the advisory lock.
    await client?.end().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

function toMessage(row: OutboxRow): BusMessage {
  return { topic: row.topic, key: row.message_key, value: row.envelope, headers: row.headers };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
