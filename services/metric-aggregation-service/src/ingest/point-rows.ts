import type { MetricStream } from './metric-stream.js';
import type { PreparedPoint } from './prepared-point.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The points of one stream in one minute, and whether they arrived after a window closed. */
export interface PointCell {
  readonly points: readonly PreparedPoint[];
  readonly late: boolean;
}

/**
 * raw_points as unnest columns, filled in one pass. The three numeric columns go as array
 * literals built here (a number needs no quoting), so the driver neither escapes nor sends a
 * quoted string per point: the stream as an index into the batch's few stream ids, the event time
 * as epoch milliseconds (whole, as a Date keeps them), the value. The optional text columns stay
 * driver arrays (almost all null).
 */
export function rawPointColumns(cells: ReadonlyMap<string, PointCell>) {
  const streamIds: string[] = [];
  const indexOf = new Map<string, number>();
  const streamIndexes: number[] = [];
  const times: number[] = [];
  const values: number[] = [];
  const traceIds: (string | null)[] = [];
  const details: (string | null)[] = [];
  const late: string[] = [];
  for (const cell of cells.values()) {
    const id = cell.points[0]?.stream.id;
    if (id === undefined) continue;
    let index = indexOf.get(id);
    if (index === undefined) {
      streamIds.push(id);
      // Postgres arrays count from 1.
      index = streamIds.length;
      indexOf.set(id, index);
    }
    const flag = cell.late ? 't' : 'f';
    for (const p of cell.points) {
      streamIndexes.push(index);
      times.push(Math.trunc(p.at));
      values.push(p.value);
      traceIds.push(p.traceId);
      details.push(p.detail === null ? null : JSON.stringify(p.detail));
      late.push(flag);
    }
  }
  return {
    streamIds,
    streamIndexes: `{${streamIndexes.join(',')}}`,
    times: `{${times.join(',')}}`,
    values: `{${values.join(',')}}`,
    traceIds,
    details,
    late: `{${late.join(',')}}`,
  };
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
