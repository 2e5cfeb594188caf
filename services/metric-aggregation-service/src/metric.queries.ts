import { dimensionKey, windowContaining, type WindowSize } from '@obs/domain';
import {
  keysetCursor,
  toKeysetPage,
  type Page,
  type PageRequest,
  type ServiceContext,
} from '@obs/service-kit';
import { EntitySchema } from 'typeorm';
import { encodeGroupPart, type MetricKind } from './ingest/metric-stream.js';
import type { MetricView, SeriesView } from './metric.view.js';
import {
  emptyWindowState,
  loadWindowState,
  mergeWindowState,
  valuesOf,
  type StoredWindowState,
  type WindowState,
} from './window/window-state.js';

/** Read models: plain queries over the tables, always within the caller's tenant. */

export const SERIES_AGGREGATIONS = [
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'p50',
  'p95',
  'p99',
] as const;
export type SeriesAggregation = (typeof SERIES_AGGREGATIONS)[number];

export interface MetricRow {
  id: string;
  tenantId: string;
  name: string;
  unit: string;
  kind: MetricKind;
  dimensions: string[];
  attributes: string[];
  firstSeenAt: Date;
  lastSeenAt: Date;
  latePoints: string;
}

export const MetricEntity = new EntitySchema<MetricRow>({
  name: 'Metric',
  tableName: 'metrics',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    unit: { type: 'text' },
    kind: { type: 'text' },
    dimensions: { type: 'text', array: true },
    attributes: { type: 'text', array: true },
    firstSeenAt: { type: 'timestamptz', name: 'first_seen_at' },
    lastSeenAt: { type: 'timestamptz', name: 'last_seen_at' },
    latePoints: { type: 'bigint', name: 'late_points' },
  },
});

export function viewOfMetric(row: MetricRow): MetricView {
  return {
    name: row.name,
    unit: row.unit,
    kind: row.kind,
    dimensions: [...row.dimensions],
    attributes: [...row.attributes],
    firstSeenAt: row.firstSeenAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
  };
}

export async function findMetric(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
): Promise<MetricView | undefined> {
  const row = await ctx.dataSource.getRepository(MetricEntity).findOneBy({ tenantId, name });
  return row ? viewOfMetric(row) : undefined;
}

/**
 * The catalogue by name (byte order), optionally under a prefix. The cursor carries the id of
 * the last entry served; the page continues after that entry's name (a cursor naming no entry
 * of the tenant pages from nowhere: an empty page).
 */
export async function listMetrics(
  ctx: ServiceContext,
  tenantId: string,
  filter: { readonly prefix?: string | undefined },
  page: PageRequest,
): Promise<Page<MetricView>> {
  const query = ctx.dataSource
    .getRepository(MetricEntity)
    .createQueryBuilder('m')
    .where('m.tenantId = :tenantId', { tenantId });
  if (filter.prefix) {
    query.andWhere('starts_with(m.name, :prefix)', { prefix: filter.prefix });
  }
  const after = keysetCursor.decode(page.cursor);
  if (after) {
    query.andWhere(
      `m.name COLLATE "C" > (SELECT c.name FROM ${ctx.table('metrics')} c WHERE c.tenant_id = :tenantId AND c.id = CAST(:afterId AS uuid))`,
      { afterId: after.id },
    );
  }
  const rows = await query
    .orderBy('m.name COLLATE "C"', 'ASC')
    .limit(page.limit + 1)
    .getMany();
  const views = rows.map((row) => ({ row, view: viewOfMetric(row) }));
  const paged = toKeysetPage(views, page.limit, ({ row }) => ({
    sortKey: row.firstSeenAt.getTime() > 0 ? row.firstSeenAt.getTime() : 0,
    id: row.id,
  }));
  return { items: paged.items.map((v) => v.view), nextCursor: paged.nextCursor };
}

export interface SeriesQuery {
  readonly metricName: string;
  readonly window: WindowSize;
  readonly aggregation: SeriesAggregation;
  readonly groupBy: readonly string[];
  readonly from: Date;
  readonly to: Date;
  readonly projectId?: string | undefined;
}

interface SeriesRow {
  window_start: Date;
  window_end: Date;
  count: string;
  state: StoredWindowState;
  labels: Record<string, string>;
}

/**
 * The series of a chart: windows of the size asked for that overlap [from, to), open and closed
 * (a window of a coarser size is the merge of its minutes: those closed into it and those open),
 * grouped by the labels named in groupBy (a stream without one groups under ""). The windows of
 * the streams of a group are merged exactly (sketch bins add), so a group's p95 is the p95 of all
 * its points, not an average of percentiles.
 */
export async function querySeries(
  ctx: ServiceContext,
  tenantId: string,
  q: SeriesQuery,
  maxExemplars: number,
): Promise<SeriesView[]> {
  // A coarser window holds the minutes already closed into it; the minutes still open are
  // added here, so open windows of every size are current.
  const alignedFrom = windowContaining(q.window, q.from.getTime()).start;
  const params: unknown[] = [
    tenantId,
    q.metricName,
    q.window,
    q.from.toISOString(),
    q.to.toISOString(),
    new Date(alignedFrom).toISOString(),
  ];
  let projectFilter = '';
  if (q.projectId !== undefined) {
    params.push(q.projectId);
    projectFilter = 'AND w.project_id = $7';
  }
  const rows: SeriesRow[] = await ctx.dataSource.query(
    `SELECT w.window_start, w.window_end, w.count, w.state, s.labels
       FROM ${ctx.table('windows')} w JOIN ${ctx.table('streams')} s ON s.id = w.stream_id
      WHERE w.tenant_id = $1 AND w.metric_name = $2 AND w.count > 0 ${projectFilter}
        AND ((w.window_size = $3 AND w.window_start < $5 AND w.window_end > $4)
          OR ($3 <> '1m' AND w.window_size = '1m' AND w.status = 'open'
              AND w.window_start >= $6 AND w.window_start < $5))
     UNION ALL
     -- Parts of open minutes not folded into their row yet (see WindowParts1740000000002).
     SELECT w.window_start, w.window_end, p.count, p.state, s.labels
       FROM ${ctx.table('window_parts')} p
       JOIN ${ctx.table('windows')} w ON w.id = p.window_id
       JOIN ${ctx.table('streams')} s ON s.id = w.stream_id
      WHERE w.tenant_id = $1 AND w.metric_name = $2 AND w.window_size = '1m' AND w.status = 'open'
        ${projectFilter} AND w.window_start >= $6 AND w.window_start < $5 AND w.window_end > $4`,
    params,
  );
  const groups = new Map<
    string,
    { group: Record<string, string>; windows: Map<number, { end: Date; state: WindowState }> }
  >();
  for (const row of rows) {
    const group: Record<string, string> = {};
    const encoded: Record<string, string> = {};
    for (const key of q.groupBy) {
      group[key] = row.labels[key] ?? '';
      encoded[encodeGroupPart(key)] = encodeGroupPart(group[key]);
    }
    const groupKey = dimensionKey(encoded);
    let entry = groups.get(groupKey);
    if (entry === undefined) {
      entry = { group, windows: new Map() };
      groups.set(groupKey, entry);
    }
    const window = windowContaining(q.window, row.window_start.getTime());
    const start = window.start;
    let bucket = entry.windows.get(start);
    if (bucket === undefined) {
      bucket = { end: new Date(window.end), state: emptyWindowState() };
      entry.windows.set(start, bucket);
    }
    mergeWindowState(bucket.state, loadWindowState(Number(row.count), row.state), maxExemplars);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([groupKey, entry]) => ({
      groupKey,
      group: entry.group,
      points: [...entry.windows.entries()]
        .sort(([a], [b]) => a - b)
        .map(([start, bucket]) => {
          const values = valuesOf(bucket.state);
          return {
            windowStart: new Date(start).toISOString(),
            windowEnd: bucket.end.toISOString(),
            value: values[q.aggregation],
            count: values.count,
          };
        }),
    }));
}
