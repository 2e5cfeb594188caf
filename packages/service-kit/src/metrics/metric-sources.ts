import type { DataSource } from 'typeorm';
import type { OutboxBacklog, PoolCounters } from './platform-metrics.js';

/**
 * The outbox's unsent rows and the age of the oldest, read at scrape time. The partial index
 * `outbox_unsent_idx` holds exactly the unsent rows, so this reads the backlog, not the table.
 */
export async function outboxBacklog(dataSource: DataSource, table: string): Promise<OutboxBacklog> {
  const rows = await dataSource.query<{ rows: number; age: number }[]>(
    `SELECT count(*)::int AS rows,
            coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age
       FROM ${table} WHERE sent_at IS NULL`,
  );
  return { rows: rows[0]?.rows ?? 0, oldestAgeSeconds: Math.max(0, rows[0]?.age ?? 0) };
}

/** typeorm's postgres driver keeps its `pg.Pool` as `master`; undefined once destroyed. */
export function poolCounters(dataSource: DataSource): PoolCounters | undefined {
  const pool = (
    dataSource.driver as unknown as {
      master?: { totalCount: number; idleCount: number; waitingCount: number };
    }
  ).master;
  if (!pool || !dataSource.isInitialized) return undefined;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}
