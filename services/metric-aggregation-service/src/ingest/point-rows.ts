import type { MetricStream } from './metric-stream.js';
import type { PreparedPoint } from './prepared-point.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The points of one stream in one minute, and whether they arrived after a window closed. */
export interface PointCell {
  readonly points: readonly PreparedPoint[];
  readonly late: boolean;
}

/** raw_points as unnest columns, one array per column, filled in one pass. */
export function rawPointColumns(cells: ReadonlyMap<string, PointCell>) {
  let n = 0;
  for (const cell of cells.values()) n += cell.points.length;
  const streamIds = new Array<string>(n);
  const times = new Array<string>(n);
  const values = new Array<number>(n);
  const traceIds = new Array<string | null>(n);
  const details = new Array<string | null>(n);
  const late = new Array<boolean>(n);
  let i = 0;
  for (const cell of cells.values()) {
    for (const p of cell.points) {
      streamIds[i] = p.stream.id;
      times[i] = iso(p.at);
      values[i] = p.value;
      traceIds[i] = p.traceId;
      details[i] = p.detail === null ? null : JSON.stringify(p.detail);
      late[i] = cell.late;
      i += 1;
    }
  }
  return { streamIds, times, values, traceIds, details, late };
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
  ];
}
