import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { quoteIdent } from '../db/data-source.js';
import type { JobDefinition } from '../jobs/job-runner.js';

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  readonly outboxDays: number;
  readonly inboxDays: number;
  readonly eventLogDays: number;
  /** Rows per DELETE: each batch is its own short statement, so writers never wait long. */
  readonly batchSize: number;
  /** Batches per table and run: a run is bounded even after a long outage; the next continues. */
  readonly maxBatches: number;
}

export interface RetentionResult {
  readonly outbox: number;
  readonly inbox: number;
  readonly eventLog: number;
  /** Event-log rows past retention kept because a consumer group has not read them yet. */
  readonly heldForLaggingGroups: number;
}

async function deleteInBatches(
  dataSource: DataSource,
  sql: string,
  params: readonly unknown[],
  settings: RetentionSettings,
): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < settings.maxBatches; batch += 1) {
    const rows: unknown[] = await dataSource.query(sql, [...params, settings.batchSize]);
    // TypeORM answers a DELETE with [rows, affected].
    const affected = Array.isArray(rows) && typeof rows[1] === 'number' ? rows[1] : 0;
    total += affected;
    if (affected < settings.batchSize) break;
  }
  return total;
}

/**
 * Sent outbox rows older than the outbox period. Unsent rows are never deleted, however old: they
 * are events still owed to the bus. Ids grow with time, so the oldest sent rows come first.
 */
function purgeOutbox(dataSource: DataSource, schema: string, cutoff: Date, s: RetentionSettings) {
  const table = `${quoteIdent(schema)}.outbox`;
  return deleteInBatches(
    dataSource,
    `DELETE FROM ${table} WHERE id IN (
       SELECT id FROM ${table} WHERE sent_at IS NOT NULL AND sent_at < $1 ORDER BY id LIMIT $2)`,
    [cutoff],
    s,
  );
}

/**
 * Inbox rows older than the inbox period. The period must exceed the longest time a message can
 * be redelivered (the topic's retention): a redelivery after its row is gone would apply twice.
 */
function purgeInbox(dataSource: DataSource, schema: string, cutoff: Date, s: RetentionSettings) {
  const table = `${quoteIdent(schema)}.inbox`;
  return deleteInBatches(
    dataSource,
    `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM ${table} WHERE processed_at < $1 LIMIT $2))`,
    [cutoff],
    s,
  );
}

/**
 * A message is deletable once it is older than the event-log period AND every consumer group of
 * its topic has committed past it. A group that is behind keeps the rows it has not read: the
 * log grows rather than lose an event a consumer still owes an effect for (and the run reports
 * how many rows it held back, so a dead group shows up in the logs instead of silently pinning).
 */
const DELETABLE_MESSAGES = `
  SELECT m.topic, m.position FROM event_bus.messages m
  WHERE m.created_at < $1
    AND m.position <= coalesce(
      (SELECT min(o.position) FROM event_bus.consumer_offsets o WHERE o.topic = m.topic),
      9223372036854775807)`;

async function purgeEventLog(dataSource: DataSource, cutoff: Date, s: RetentionSettings) {
  const deleted = await deleteInBatches(
    dataSource,
    `DELETE FROM event_bus.messages WHERE (topic, position) IN (${DELETABLE_MESSAGES} LIMIT $2)`,
    [cutoff],
    s,
  );
  const held: { count: string }[] = await dataSource.query(
    `SELECT count(*)::text AS count FROM event_bus.messages WHERE created_at < $1`,
    [cutoff],
  );
  return { deleted, held: Number(held[0]?.count ?? 0) };
}

export interface RetentionTarget {
  readonly dataSource: DataSource;
  readonly schema: string;
  /** The PostgreSQL event log is purged only where it is the bus. */
  readonly eventLog: boolean;
}

export async function applyRetention(
  target: RetentionTarget,
  settings: RetentionSettings,
  now: number,
): Promise<RetentionResult> {
  const { dataSource, schema } = target;
  const outbox = await purgeOutbox(
    dataSource,
    schema,
    new Date(now - settings.outboxDays * DAY_MS),
    settings,
  );
  const inbox = await purgeInbox(
    dataSource,
    schema,
    new Date(now - settings.inboxDays * DAY_MS),
    settings,
  );
  const log = target.eventLog
    ? await purgeEventLog(dataSource, new Date(now - settings.eventLogDays * DAY_MS), settings)
    : { deleted: 0, held: 0 };
  return { outbox, inbox, eventLog: log.deleted, heldForLaggingGroups: log.held };
}

/** The kit's retention as a job of every service (one runner per service at a time). */
export function retentionJob(
  target: RetentionTarget,
  settings: RetentionSettings,
  intervalMs: number,
  clock: () => number,
  logger: Logger,
): JobDefinition {
  return {
    name: 'retention',
    intervalMs,
    singleActive: true,
    async run() {
      const result = await applyRetention(target, settings, clock());
      const level = result.heldForLaggingGroups > 0 ? 'warn' : 'debug';
      logger[level](
        { job: 'retention', ...result },
        result.heldForLaggingGroups > 0
          ? 'retention kept event-log rows that a consumer group has not read yet'
          : 'retention run',
      );
    },
  };
}
