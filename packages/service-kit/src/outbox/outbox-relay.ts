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
  /** Rows read per round trip (default 10 publish batches). */
  readonly fetchSize?: number;
  /**
   * Under load, passes over the outbox start at most this often (default 25 ms; 0 turns it off):
   * a busy service then publishes many events per broker request instead of one or two, at the
   * cost of up to this much delay for them. After a quiet spell a pass starts at once.
   */
  readonly lingerMs?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  envelope: string;
  headers: Record<string, string>;
}

const MAX_BACKOFF_MS = 5_000;
const DEFAULT_LINGER_MS = 25;

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
  /** Ids the broker acknowledged that are not marked sent yet; the next statement marks them. */
  private acked: string[] = [];
  private readonly table: string;
  private readonly lockKey: string;
  private readonly lingerMs: number;
  private published = 0;
  private failures = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${quoteIdent(options.schema)}.outbox`;
    this.lockKey = `outbox-relay:${options.schema}`;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  }

  get publishedCount(): number {
    return this.published;
  }

  /** Relay passes that failed (broker or database down) and will be retried with backoff. */
  get failureCount(): number {
    return this.failures;
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
    return this.publishPending(await this.connect(), { going: () => true, drain: true });
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
        const passStarted = performance.now();
        if (locked) {
          await this.publishPending(client, { going: () => this.running, drain: false });
        }
        backoff = 100;
        await this.sleep(this.options.pollMs ?? 1000);
        // Under load, a pass starts at most every lingerMs, so a busy outbox goes out in fewer,
        // larger publish calls; after a quiet spell (or at startup) the next pass starts at once.
        const linger = passStarted + this.lingerMs - performance.now();
        if (linger > 0 && this.running) await new Promise((resolve) => setTimeout(resolve, linger));
      } catch (err) {
        this.failures += 1;
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
    // A mark left for the next pass (see publishPending) is written before the lock is given up.
    if (this.client && this.acked.length > 0) await this.markAcked(this.client).catch(() => 0);
    await this.disconnect();
  }

  /**
   * Publishes the pending rows in id order, in publish calls of `batchSize` one after the other,
   * so events of one aggregate (one key) leave in the order they were committed. Pipelined: while
   * the broker acknowledges a full fetch, the next one is read, and that same statement marks sent
   * the rows acknowledged so far (an UPDATE in a CTE, by the ids published, one per fetch). A row
   * is marked only after the broker acknowledged it, so a crash re-publishes at most the unmarked
   * ones: at-least-once, which the consumers' inbox turns into exactly-once effects.
   *
   * In the running relay, a fetch shorter than `fetchSize` has read everything committed before
   * it, and a transaction that commits later sends a NOTIFY: so the pass ends there without another
   * read, and when such a NOTIFY is already waiting, the last mark rides on the next pass's first
   * read instead of a statement of its own (a busy service then spends one statement per pass).
   * `drain` reads until a read comes back empty and marks everything before it returns.
   *
   * Reads exclude the rows in flight by id, not by an id cursor or range: a transaction that took
   * a lower id but commits later is still read next time, never skipped or marked unpublished.
   */
  private async publishPending(
    client: Client,
    pass: { readonly going: () => boolean; readonly drain: boolean },
  ): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    const fetchSize = this.options.fetchSize ?? batchSize * 10;
    let total = 0;
    // A NOTIFY from here on may carry rows this pass does not read: the next sleep is skipped.
    this.notified = false;
    let next: Promise<OutboxRow[]> | undefined = this.fetch(client, fetchSize, []);
    try {
      while (next) {
        const rows: OutboxRow[] = await next;
        next = undefined;
        if (rows.length === 0 || !pass.going()) break;
        const ids = rows.map((row) => row.id);
        if (pass.drain || rows.length === fetchSize) next = this.fetch(client, fetchSize, ids);
        for (let from = 0; from < rows.length; from += batchSize) {
          const chunk = rows.slice(from, from + batchSize);
          await this.options.bus.publish(chunk.map(toMessage));
          for (const row of chunk) this.acked.push(row.id);
        }
        total += rows.length;
      }
      const deferred = !pass.drain && this.notified && pass.going();
      if (this.acked.length > 0 && !deferred) await this.markAcked(client);
      return total;
    } catch (error) {
      // Let the read-ahead settle before the connection is reused or closed, and mark what the
      // broker did acknowledge (when the database still answers), to re-publish less.
      await next?.catch(() => undefined);
      await this.markAcked(client).catch(() => 0);
      throw error;
    }
  }

  /**
   * The oldest unsent rows, in id order, except those in flight; marks the acknowledged rows sent
   * in the same statement. The SELECT runs on the statement's snapshot, which does not show the
   * CTE's UPDATE, so the rows it marks are excluded explicitly.
   */
  private async fetch(
    client: Client,
    limit: number,
    inFlight: readonly string[],
  ): Promise<OutboxRow[]> {
    const marking = this.acked;
    this.acked = [];
    const { rows } = await this.serial(() =>
      client.query<OutboxRow>(
        `WITH marked AS (
           UPDATE ${this.table} SET sent_at = now() WHERE id = ANY($2::bigint[])
         )
         SELECT id, topic, message_key, envelope, headers FROM ${this.table}
         WHERE sent_at IS NULL AND id <> ALL($2::bigint[]) AND id <> ALL($3::bigint[])
         ORDER BY id LIMIT $1`,
        [limit, marking, inFlight],
      ),
    );
    this.published += marking.length;
    return rows;
  }

  /** Marks the acknowledged rows sent, in one statement. */
  private async markAcked(client: Client): Promise<number> {
    const marking = this.acked;
    this.acked = [];
    if (marking.length === 0) return 0;
    await this.serial(() =>
      client.query(`UPDATE ${this.table} SET sent_at = now() WHERE id = ANY($1::bigint[])`, [
        marking,
      ]),
    );
    this.published += marking.length;
    return marking.length;
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
