import { copyField } from '@obs/service-kit';
import type { MetricStream } from './metric-stream.js';
import type { PreparedPoint } from './prepared-point.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The points of one stream in one minute, and whether they arrived after a window closed. */
export interface PointCell {
  readonly points: readonly PreparedPoint[];
  readonly late: boolean;
}

/** raw_points' columns in the order of rawPointCopyText's fields. */
export const RAW_POINT_COLUMNS = [
  'tenant_id',
  'stream_id',
  'observed_at',
  'value',
  'trace_id',
  'detail',
  'late',
  'received_at',
  'prom',
] as const;

/**
 * The cells' points as raw_points rows in COPY text format. A stream id (`st_` + hex) needs no
 * escaping; the event time goes as ISO-8601 and the value as the shortest text that reads back as
 * the same double.
 */
export function rawPointCopyText(
  tenantId: string,
  cells: ReadonlyMap<string, PointCell>,
  receivedAt: number,
): string {
  const received = iso(receivedAt);
  let text = '';
  for (const cell of cells.values()) {
    const id = cell.points[0]?.stream.id;
    if (id === undefined) continue;
    const head = `${copyField(tenantId)}\t${id}\t`;
    const tail = `\t${cell.late ? 't' : 'f'}\t${received}\t`;
    for (const p of cell.points) {
      text += `${head}${iso(p.at)}\t${p.value}\t${copyField(p.traceId)}\t${copyField(p.detail)}${tail}${copyField(p.prom)}\n`;
    }
  }
  return text;
}

/**
 * The batch's streams as the eleven unnest columns of the streams upsert, in id order (the lock
 * order of concurrent batches), each with the newest point time of the batch.
 */
export function streamColumns(points: readonly PreparedPoint[]): unknown[][] {
  const latest = new Map<string, { stream: MetricStream; at: number }>();
  for (const p of points) {
    const held = latest.get(p.stream.id);
    if (held === undefined) latest.set(p.stream.id, { stream: p.stream, at: p.at });
    else if (p.at > held.at) held.at = p.at;
  }
  const rows = [...latest.values()].sort((a, b) => (a.stream.id < b.stream.id ? -1 : 1));
  return [
    rows.map((r) => r.stream.id),
    rows.map((r) => r.stream.tenantId),
    rows.map((r) => r.stream.projectId),
    rows.map((r) => r.stream.metricName),
    rows.map((r) => r.stream.unit),
    rows.map((r) => r.stream.kind),
    rows.map((r) => JSON.stringify(r.stream.dimensions)),
    rows.map((r) => JSON.stringify(r.stream.attributes)),
    rows.map((r) => JSON.stringify(r.stream.labels)),
    rows.map((r) => r.stream.groupKey),
    rows.map((r) => iso(r.at)),
    rows.map((r) => r.stream.promType),
  ];
}
