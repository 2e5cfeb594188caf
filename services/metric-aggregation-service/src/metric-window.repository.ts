import { MetricSeries, type WindowSize } from '@obs/domain';
import type { Transaction } from '@obs/service-kit';
import { EntitySchema } from 'typeorm';
import { loadWindowState, valuesOf, type StoredWindowState } from './window/window-state.js';

/** One window of one stream: the sketch state the ingest merges into, and its close status. */
export interface MetricWindowRow {
  id: string;
  tenantId: string;
  projectId: string;
  metricName: string;
  streamId: string;
  windowSize: WindowSize;
  windowStart: Date;
  windowEnd: Date;
  unit: string;
  groupKey: string;
  groupValues: Record<string, string>;
  /** bigint: node-pg answers it as a string. */
  count: string;
  state: StoredWindowState;
  status: 'open' | 'closed';
  closedAt: Date | null;
  version: number;
}

export const MetricWindowEntity = new EntitySchema<MetricWindowRow>({
  name: 'MetricWindow',
  tableName: 'windows',
  columns: {
    id: { type: 'text', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    projectId: { type: 'text', name: 'project_id' },
    metricName: { type: 'text', name: 'metric_name' },
    streamId: { type: 'text', name: 'stream_id' },
    windowSize: { type: 'text', name: 'window_size' },
    windowStart: { type: 'timestamptz', name: 'window_start' },
    windowEnd: { type: 'timestamptz', name: 'window_end' },
    unit: { type: 'text' },
    groupKey: { type: 'text', name: 'group_key' },
    groupValues: { type: 'jsonb', name: 'group_values' },
    count: { type: 'bigint' },
    state: { type: 'jsonb' },
    status: { type: 'text' },
    closedAt: { type: 'timestamptz', name: 'closed_at', nullable: true },
    version: { type: 'integer' },
  },
});

/**
 * Row → the domain's summarised MetricSeries: identity from the columns, values from the sketch
 * state. MetricSeries.summarised re-derives the seriesId and checks it against the row's id, so a
 * row whose key and identity disagree fails loudly instead of emitting a wrong window.
 */
export function toMetricSeries(row: MetricWindowRow, maxExemplars: number): MetricSeries {
  const state = loadWindowState(Number(row.count), row.state);
  const series = MetricSeries.summarised({
    tenantId: row.tenantId,
    projectId: row.projectId,
    metricName: row.metricName,
    unit: row.unit,
    window: row.windowSize,
    windowStart: row.windowStart.toISOString(),
    group: row.groupValues,
    summary: { values: valuesOf(state), exemplars: state.exemplars.slice(0, maxExemplars) },
  });
  if (series.seriesId !== row.id) {
    throw new Error(`window ${row.id} does not match its identity (${series.seriesId})`);
  }
  return series;
}

/**
 * Each tenant's watermark: the newest point timestamp it sent, or `idleWatermark` (the clock minus
 * the idle timeout) when that is later. Only tenants with a window due at it are returned.
 */
export async function dueTenants(
  manager: Transaction['manager'],
  table: (name: string) => string,
  idleWatermark: Date,
  graceMs: number,
): Promise<{ tenantId: string; watermark: Date }[]> {
  const rows: { tenant_id: string; at: Date }[] = await manager.query(
    `WITH watermarks AS (
       SELECT tenant_id, GREATEST(max(last_point_at), $1::timestamptz) AS at
         FROM ${table('streams')} GROUP BY tenant_id)
     SELECT m.tenant_id, m.at FROM watermarks m
      WHERE EXISTS (SELECT 1 FROM ${table('windows')} w
                     WHERE w.status = 'open' AND w.tenant_id = m.tenant_id
                       AND w.window_end + make_interval(secs => $2::float8 / 1000) <= m.at)
      ORDER BY m.tenant_id`,
    [idleWatermark.toISOString(), graceMs],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, watermark: r.at }));
}

/** Whether the tenant has an open window of this size due at the watermark (no lock taken). */
export async function hasDueWindows(
  manager: Transaction['manager'],
  table: (name: string) => string,
  tenantId: string,
  size: WindowSize,
  watermark: Date,
  graceMs: number,
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `SELECT 1 FROM ${table('windows')}
      WHERE status = 'open' AND tenant_id = $1 AND window_size = $2
        AND window_end + make_interval(secs => $4::float8 / 1000) <= $3::timestamptz
      LIMIT 1`,
    [tenantId, size, watermark.toISOString(), graceMs],
  );
  return rows.length > 0;
}

/** Open windows of one size of the tenant due at the watermark, locked, oldest first. */
export async function lockDueWindows(
  tx: Transaction,
  table: (name: string) => string,
  tenantId: string,
  size: WindowSize,
  watermark: Date,
  graceMs: number,
  limit: number,
): Promise<MetricWindowRow[]> {
  const ids: { id: string }[] = await tx.manager.query(
    `SELECT id FROM ${table('windows')}
      WHERE status = 'open' AND tenant_id = $1 AND window_size = $2
        AND window_end + make_interval(secs => $4::float8 / 1000) <= $3::timestamptz
      ORDER BY window_end, id
      LIMIT $5
      FOR UPDATE`,
    [tenantId, size, watermark.toISOString(), graceMs, limit],
  );
  if (ids.length === 0) return [];
  return tx.manager
    .getRepository(MetricWindowEntity)
    .createQueryBuilder('w')
    .where('w.id IN (:...ids)', { ids: ids.map((r) => r.id) })
    .orderBy('w.windowEnd', 'ASC')
    .addOrderBy('w.id', 'ASC')
    .getMany();
}

export async function markClosed(
  tx: Transaction,
  row: MetricWindowRow,
  closedAt: string,
  version: number,
): Promise<void> {
  await tx.manager
    .getRepository(MetricWindowEntity)
    .update({ id: row.id }, { status: 'closed', closedAt: new Date(closedAt), version });
}
