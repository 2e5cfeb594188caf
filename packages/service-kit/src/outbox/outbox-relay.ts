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
  /** Set by a NOTIFY that arrives while the relay is busy, so the next sleep is skipped. */
  private notified = false;
  /** The relay's queries, one after the other on its single connection (see `serial`). */
  private queries: Promise<unknown> = Promise.resolve();
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
    // drain() leaves its connection open for the next call; stop() closes it too.
    await this.disconnect();
  }

  /**
   * Publishes everything pending now, for benchmarks and tools that need a deterministic flush.
   * Only while the relay loop is not running: two publishers on one outbox would reorder events.
   */
  async drain(): Promise<number> {
    if (this.running) throw new Error('drain() while the relay runs would publish rows twice');
    return this.publishPending(await this.connect(), () => true);
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: `${this.options.schema}-relay`,
    });
    client.on('error', (err) => this.options.logger.warn({ err }, 'outbox relay connection error'));
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
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
        if (locked) await this.publishPending(client, () => this.running);
        backoff = 100;
        await this.sleep(this.options.pollMs ?? 1000);
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
   * Publishes every pending row in id order (or until `going` turns false), pipelined: while the
   * broker acknowledges one fetch (in publish calls of `batchSize`, one after the other), the next
   * fetch is read and the rows of the previous one are marked sent, in one statement per fetch. A row is marked only after the broker
   * acknowledged it, so a crash re-publishes at most the unmarked fetches: at-least-once, which
   * the consumers' inbox turns into exactly-once effects. Publishing stays strictly sequential,
   * so events of one aggregate (one key) leave in the order they were committed.
   *
   * The read-ahead excludes the rows in flight by id, not by an id cursor: a transaction that
   * took a lower id but commits later is still picked up by the next read, never skipped.
   */
  private async publishPending(client: Client, going: () => boolean): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    const fetchSize = this.options.fetchSize ?? batchSize * 10;
    let total = 0;
    // A NOTIFY from here on may carry rows this pass does not read: the sleep after it is skipped.
    this.notified = false;
    let next = this.fetch(client, fetchSize, []);
    let marking: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const rows = await next;
        if (rows.length === 0 || !going()) {
          await marking;
          return total;
        }
        const ids = rows.map((row) => row.id);
        // Queued on the connection after the previous fetch's UPDATE, so it already sees those
        // rows as sent; the rows of this fetch are still unsent and are excluded explicitly.
        next = this.fetch(client, fetchSize, ids);
        for (let from = 0; from < rows.length; from += batchSize) {
          await this.options.bus.publish(rows.slice(from, from + batchSize).map(toMessage));
        }
        // Long done by now; awaited here so a failed mark stops the relay before it goes on.
        await marking;
        marking = this.serial(() =>
          client.query(`UPDATE ${this.table} SET sent_at = now() WHERE id = ANY($1::bigint[])`, [
            ids,
          ]),
        ).then(() => {
          this.published += rows.length;
        });
        total += rows.length;
      }
    } finally {
      // On failure, let the read-ahead and the last mark settle before the connection is reused
      // or closed; the read-ahead is discarded and the next pass starts at the oldest unsent row.
      await Promise.allSettled([next, marking]);
    }
  }

  /** The oldest unsent rows, in id order, except those in flight. */
  private async fetch(
    client: Client,
    limit: number,
    inFlight: readonly string[],
  ): Promise<OutboxRow[]> {
    const { rows } = await this.serial(() =>
      client.query<OutboxRow>(
        `SELECT id, topic, message_key, envelope, headers FROM ${this.table}
         WHERE sent_at IS NULL AND id <> ALL($2::bigint[]) ORDER BY id LIMIT $1`,
        [limit, inFlight],
      ),
    );
    return rows;
  }

  /**
   * Runs the relay's queries strictly one after the other: pg 8 deprecates queueing a query on a
   * busy client, and the order matters (a read issued after a mark must see it).
   */
  private serial<T>(query: () => Promise<T>): Promise<T> {
    const result = this.queries.then(query);
    this.queries = result.catch(() => undefined);
    return result;
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
    if (this.notified) {
      this.notified = false;
      return Promise.resolve();
    }
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
