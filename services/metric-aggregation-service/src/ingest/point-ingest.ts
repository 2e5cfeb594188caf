import {
  DIMENSION_NAMES,
  WINDOWS,
  metricSeriesId,
  windowContaining,
  type WindowSize,
} from '@obs/domain';
import type { ServiceContext, Transaction } from '@obs/service-kit';
import type { MetricServiceConfig } from '../config.js';
import {
  emptyWindowState,
  loadWindowState,
  mergeWindowState,
  observe,
  observeDistribution,
  storeWindowState,
  type StoredWindowState,
  type WindowState,
} from '../window/window-state.js';
import type { MetricStream } from './metric-stream.js';
import type { PreparedPoint } from './prepared-point.js';

export interface IngestResult {
  /** Points stored and counted in their windows. */
  readonly accepted: number;
  /** Points stored but dropped from the windows, because one of their windows had closed. */
  readonly late: number;
}

/** The points of one stream in one minute: the unit windows are merged and late is judged by. */
interface Cell {
  readonly stream: MetricStream;
  readonly minuteStart: number;
  readonly points: PreparedPoint[];
  readonly state: WindowState;
  /** The window ids of the cell, one per size (1m, 5m, 1h, 1d). */
  readonly windowIds: readonly string[];
  late: boolean;
}

interface WindowTarget {
  readonly id: string;
  readonly stream: MetricStream;
  readonly size: WindowSize;
  readonly start: number;
  readonly end: number;
  readonly delta: WindowState;
}

interface LockedWindow {
  id: string;
  status: string;
  count: string;
  state: StoredWindowState;
}

// Every point carries all eleven dimensions (DESIGN.md section 5), so all eleven are "seen".
const DIMENSION_NAMES_SORTED = [...DIMENSION_NAMES].sort();
const EMPTY_STATE = JSON.stringify(storeWindowState(emptyWindowState()));
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Stores a batch of points and folds them into their windows in ONE transaction, so a 2xx means
 * the raw points and every window they count in are committed (durable before the answer).
 *
 * Each point is folded into a per-(stream, minute) state first; that finer state is then merged
 * into the 1m, 5m, 1h and 1d windows it belongs to, so coarser windows are exactly the merge of
 * finer sketches. Rows are locked in id order (streams, then windows, then the catalogue), so
 * concurrent batches never deadlock. A cell whose window of any size has already closed is late:
 * its points are stored (flagged) and counted, never added to a window that was already emitted.
 */
export class PointIngest {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: MetricServiceConfig,
  ) {}

  async ingest(
    tx: Transaction,
    tenantId: string,
    points: readonly PreparedPoint[],
    receivedAt: number,
  ): Promise<IngestResult> {
    if (points.length === 0) return { accepted: 0, late: 0 };
    const cells = this.cellsOf(points);
    await this.upsertStreams(tx, points);
    const targets = this.targetsOf(cells);
    const locked = await this.lockWindows(tx, targets);
    for (const cell of cells.values()) {
      cell.late = cell.windowIds.some((id) => locked.get(id)?.status === 'closed');
    }
    await this.mergeWindows(tx, cells, targets, locked);
    await this.insertRawPoints(tx, tenantId, cells, receivedAt);
    const late = [...cells.values()].reduce((n, c) => n + (c.late ? c.points.length : 0), 0);
    await this.upsertCatalogue(tx, tenantId, cells);
    return { accepted: points.length - late, late };
  }

  private cellsOf(points: readonly PreparedPoint[]): Map<string, Cell> {
    const cells = new Map<string, Cell>();
    const n = this.config.exemplars;
    for (const point of points) {
      const minuteStart = windowContaining('1m', point.at).start;
      const key = `${point.stream.id}|${minuteStart}`;
      let cell = cells.get(key);
      if (cell === undefined) {
        const windowIds = WINDOWS.map((size) =>
          this.windowId(point.stream, size, windowContaining(size, point.at).start),
        );
        cell = {
          stream: point.stream,
          minuteStart,
          points: [],
          state: emptyWindowState(),
          windowIds,
          late: false,
        };
        cells.set(key, cell);
      }
      cell.points.push(point);
      const c = point.contribution;
      if (c.kind === 'value') observe(cell.state, c.value, point.traceId, n);
      else observeDistribution(cell.state, c.distribution, n);
    }
    return cells;
  }

  private windowId(stream: MetricStream, size: WindowSize, start: number): string {
    return metricSeriesId({
      tenantId: stream.tenantId,
      projectId: stream.projectId,
      metricName: stream.metricName,
      window: size,
      windowStart: iso(start),
      groupKey: stream.groupKey,
    });
  }

  private targetsOf(cells: ReadonlyMap<string, Cell>): Map<string, WindowTarget> {
    const targets = new Map<string, WindowTarget>();
    for (const cell of cells.values()) {
      WINDOWS.forEach((size, i) => {
        const id = cell.windowIds[i] as string;
        if (targets.has(id)) return;
        const window = windowContaining(size, cell.minuteStart);
        targets.set(id, {
          id,
          stream: cell.stream,
          size,
          start: window.start,
          end: window.end,
          delta: emptyWindowState(),
        });
      });
    }
    return targets;
  }

  private async upsertStreams(tx: Transaction, points: readonly PreparedPoint[]): Promise<void> {
    const latest = new Map<string, { stream: MetricStream; at: number }>();
    for (const p of points) {
      const held = latest.get(p.stream.id);
      if (held === undefined || p.at > held.at)
        latest.set(p.stream.id, { stream: p.stream, at: p.at });
    }
    const rows = [...latest.values()].sort((a, b) => (a.stream.id < b.stream.id ? -1 : 1));
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('streams')} AS s
         (id, tenant_id, project_id, metric_name, unit, kind, dimensions, attributes, labels, group_key, last_point_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                            $7::jsonb[], $8::jsonb[], $9::jsonb[], $10::text[], $11::timestamptz[])
       ON CONFLICT (id) DO UPDATE SET
         last_point_at = GREATEST(s.last_point_at, EXCLUDED.last_point_at),
         unit = EXCLUDED.unit, kind = EXCLUDED.kind`,
      [
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
      ],
    );
  }

  private async lockWindows(
    tx: Transaction,
    targets: ReadonlyMap<string, WindowTarget>,
  ): Promise<Map<string, LockedWindow>> {
    const sorted = [...targets.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('windows')}
         (id, tenant_id, project_id, metric_name, stream_id, window_size, window_start, window_end,
          unit, group_key, group_values, count, state, status, version)
       SELECT v.*, 0, $12::jsonb, 'open', 0
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[], $11::jsonb[]) AS v
       ON CONFLICT (id) DO NOTHING`,
      [
        sorted.map((t) => t.id),
        sorted.map((t) => t.stream.tenantId),
        sorted.map((t) => t.stream.projectId),
        sorted.map((t) => t.stream.metricName),
        sorted.map((t) => t.stream.id),
        sorted.map((t) => t.size),
        sorted.map((t) => iso(t.start)),
        sorted.map((t) => iso(t.end)),
        sorted.map((t) => t.stream.unit),
        sorted.map((t) => t.stream.groupKey),
        sorted.map((t) => JSON.stringify(t.stream.group)),
        EMPTY_STATE,
      ],
    );
    const rows: LockedWindow[] = await tx.manager.query(
      `SELECT id, status, count, state FROM ${this.ctx.table('windows')}
        WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [sorted.map((t) => t.id)],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  private async mergeWindows(
    tx: Transaction,
    cells: ReadonlyMap<string, Cell>,
    targets: ReadonlyMap<string, WindowTarget>,
    locked: ReadonlyMap<string, LockedWindow>,
  ): Promise<void> {
    const n = this.config.exemplars;
    const touched = new Set<string>();
    for (const cell of cells.values()) {
      if (cell.late) continue;
      for (const id of cell.windowIds) {
        mergeWindowState((targets.get(id) as WindowTarget).delta, cell.state, n);
        touched.add(id);
      }
    }
    if (touched.size === 0) return;
    const ids = [...touched].sort();
    const counts: number[] = [];
    const states: string[] = [];
    for (const id of ids) {
      const row = locked.get(id) as LockedWindow;
      const state = loadWindowState(Number(row.count), row.state);
      mergeWindowState(state, (targets.get(id) as WindowTarget).delta, n);
      counts.push(state.count);
      states.push(JSON.stringify(storeWindowState(state)));
    }
    await tx.manager.query(
      `UPDATE ${this.ctx.table('windows')} AS w
          SET count = v.count, state = v.state, version = w.version + 1
         FROM unnest($1::text[], $2::bigint[], $3::jsonb[]) AS v(id, count, state)
        WHERE w.id = v.id`,
      [ids, counts, states],
    );
  }

  private async insertRawPoints(
    tx: Transaction,
    tenantId: string,
    cells: ReadonlyMap<string, Cell>,
    receivedAt: number,
  ): Promise<void> {
    const streamIds: string[] = [];
    const times: string[] = [];
    const values: number[] = [];
    const traceIds: (string | null)[] = [];
    const details: (string | null)[] = [];
    const late: boolean[] = [];
    for (const cell of cells.values()) {
      for (const p of cell.points) {
        streamIds.push(p.stream.id);
        times.push(iso(p.at));
        values.push(p.value);
        traceIds.push(p.traceId);
        details.push(p.detail === null ? null : JSON.stringify(p.detail));
        late.push(cell.late);
      }
    }
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('raw_points')}
         (tenant_id, stream_id, observed_at, value, trace_id, detail, late, received_at)
       SELECT $1, v.* , $8::timestamptz
         FROM unnest($2::text[], $3::timestamptz[], $4::float8[], $5::text[], $6::jsonb[], $7::bool[]) AS v`,
      [tenantId, streamIds, times, values, traceIds, details, late, iso(receivedAt)],
    );
  }

  private async upsertCatalogue(
    tx: Transaction,
    tenantId: string,
    cells: ReadonlyMap<string, Cell>,
  ): Promise<void> {
    interface Entry {
      unit: string;
      kind: string;
      attributes: Set<string>;
      first: number;
      last: number;
      late: number;
    }
    const byName = new Map<string, Entry>();
    for (const cell of cells.values()) {
      const s = cell.stream;
      let entry = byName.get(s.metricName);
      if (entry === undefined) {
        entry = {
          unit: s.unit,
          kind: s.kind,
          attributes: new Set(),
          first: Infinity,
          last: -Infinity,
          late: 0,
        };
        byName.set(s.metricName, entry);
      }
      for (const key of Object.keys(s.attributes)) entry.attributes.add(key);
      for (const p of cell.points) {
        if (p.at < entry.first) entry.first = p.at;
        if (p.at > entry.last) entry.last = p.at;
      }
      if (cell.late) entry.late += cell.points.length;
    }
    const names = [...byName.keys()].sort();
    const entries = names.map((name) => byName.get(name) as Entry);
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('metrics')} AS m
         (id, tenant_id, name, unit, kind, dimensions, attributes, first_seen_at, last_seen_at, late_points)
       SELECT gen_random_uuid(), $1, v.name, v.unit, v.kind, $2::text[],
              ARRAY(SELECT x FROM jsonb_array_elements_text(v.attributes) AS t(x) ORDER BY x COLLATE "C"),
              v.first_seen_at, v.last_seen_at, v.late_points
         FROM unnest($3::text[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[], $8::timestamptz[], $9::bigint[])
              AS v(name, unit, kind, attributes, first_seen_at, last_seen_at, late_points)
       ON CONFLICT (tenant_id, name) DO UPDATE SET
         unit = EXCLUDED.unit,
         kind = EXCLUDED.kind,
         attributes = ARRAY(SELECT DISTINCT a COLLATE "C" FROM unnest(m.attributes || EXCLUDED.attributes) AS a ORDER BY 1),
         first_seen_at = LEAST(m.first_seen_at, EXCLUDED.first_seen_at),
         last_seen_at = GREATEST(m.last_seen_at, EXCLUDED.last_seen_at),
         late_points = m.late_points + EXCLUDED.late_points`,
      [
        tenantId,
        DIMENSION_NAMES_SORTED,
        names,
        entries.map((e) => e.unit),
        entries.map((e) => e.kind),
        entries.map((e) => JSON.stringify([...e.attributes].sort())),
        entries.map((e) => iso(e.first)),
        entries.map((e) => iso(e.last)),
        entries.map((e) => e.late),
      ],
    );
  }
}
