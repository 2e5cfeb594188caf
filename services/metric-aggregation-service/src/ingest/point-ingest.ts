import { DIMENSION_NAMES, WINDOWS, windowContaining, type WindowSize } from '@obs/domain';
import { copyRows, type ServiceContext, type Transaction } from '@obs/service-kit';
import type { MetricServiceConfig } from '../config.js';
import {
  insertMissingWindows,
  lockTenantWindows,
  windowIdOf,
  type WindowTarget,
} from '../window-rows.js';
import {
  emptyWindowState,
  observe,
  observeDistribution,
  storeWindowState,
  type WindowState,
} from '../window/window-state.js';
import type { MetricStream } from './metric-stream.js';
import { RAW_POINT_COLUMNS, rawPointCopyText, streamColumns } from './point-rows.js';
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
  /** Its 1m window. */
  readonly minuteId: string;
  /** Its 5m, 1h and 1d windows: rows exist once their first minute closed into them. */
  readonly parentIds: readonly string[];
  late: boolean;
}

const PARENT_SIZES: readonly WindowSize[] = WINDOWS.filter((size) => size !== '1m');
const MINUTE_MS = 60_000;

// Every point carries all eleven dimensions (docs/design.md#dimensions), so all eleven are "seen".
const DIMENSION_NAMES_SORTED = [...DIMENSION_NAMES].sort();
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Stores a batch of points and folds them into their 1m windows in ONE transaction, so a 2xx
 * means the raw points and the windows they count in are committed (durable before the answer).
 *
 * Points are folded into a state per (stream, minute), appended as a part of that minute's window
 * (inserts only: no batch rewrites a window's state; the close job folds the parts in). The
 * coarser windows (5m, 1h, 1d) are the merge of their minutes' sketches: a minute is merged into
 * them when it closes (WindowCloser), and a query adds the minutes still open. Rows are locked in
 * id order (windows, then streams, then the catalogue), so concurrent batches never deadlock. A
 * cell whose minute, or any window above it, has already closed is late: its points are stored
 * (flagged) and counted, never added to a window that was already emitted.
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
    // Round trips: the lock, the windows, the raw points (COPY), parts, streams and catalogue,
    // then the commit.
    await lockTenantWindows(tx, tenantId, 'shared');
    const cells = this.cellsOf(points);
    const closed = await this.ensureMinutes(tx, cells);
    const parts = new Map<string, WindowState>();
    let late = 0;
    for (const cell of cells.values()) {
      cell.late = closed.has(cell.minuteId) || cell.parentIds.some((id) => closed.has(id));
      if (cell.late) late += cell.points.length;
      else parts.set(cell.minuteId, cell.state);
    }
    await this.insertRawPoints(tx, tenantId, cells, receivedAt);
    await this.upsertStreamsAndCatalogue(tx, tenantId, cells, parts, points);
    return { accepted: points.length - late, late };
  }

  /**
   * Creates the cells' 1m window rows where missing (open, empty) and answers which of their
   * windows, minutes and the parents above them, are closed, in one statement. Its snapshot is
   * taken after the tenant's shared lock was granted, so every close committed before is seen and
   * none can happen meanwhile; a row it inserts, or another batch inserts concurrently, is open.
   */
  private async ensureMinutes(
    tx: Transaction,
    cells: ReadonlyMap<string, Cell>,
  ): Promise<Set<string>> {
    const targets = [...cells.values()].map((cell): WindowTarget => ({
      id: cell.minuteId,
      stream: cell.stream,
      size: '1m',
      start: cell.minuteStart,
      end: cell.minuteStart + 60_000,
    }));
    const ids = new Set<string>();
    for (const cell of cells.values()) {
      ids.add(cell.minuteId);
      for (const id of cell.parentIds) ids.add(id);
    }
    const table = this.ctx.table('windows');
    const insert = insertMissingWindows(table, targets, 2);
    const rows: { id: string }[] = await tx.manager.query(
      `WITH created AS (${insert.sql})
       SELECT id FROM ${table} WHERE id = ANY($1::text[]) AND status = 'closed'`,
      [[...ids], ...insert.params],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The raw points, with COPY on the transaction's connection (inserts only: no row is locked). */
  private async insertRawPoints(
    tx: Transaction,
    tenantId: string,
    cells: ReadonlyMap<string, Cell>,
    receivedAt: number,
  ): Promise<void> {
    await copyRows(
      tx,
      this.ctx.table('raw_points'),
      RAW_POINT_COLUMNS,
      rawPointCopyText(tenantId, cells, receivedAt),
    );
  }

  /**
   * The batch's cells, by their 1m window id. Points find their cell through their stream object
   * and minute (no key string per point); a second stream object with the same id still lands in
   * the cell of that id.
   */
  private cellsOf(points: readonly PreparedPoint[]): Map<string, Cell> {
    const cells = new Map<string, Cell>();
    const byStream = new Map<MetricStream, Map<number, Cell>>();
    const n = this.config.exemplars;
    for (const point of points) {
      const minuteStart = Math.floor(point.at / MINUTE_MS) * MINUTE_MS;
      let minutes = byStream.get(point.stream);
      if (minutes === undefined) {
        minutes = new Map();
        byStream.set(point.stream, minutes);
      }
      let cell = minutes.get(minuteStart);
      if (cell === undefined) {
        const minuteId = windowIdOf(point.stream, '1m', minuteStart);
        cell = cells.get(minuteId) ?? {
          stream: point.stream,
          minuteStart,
          points: [],
          state: emptyWindowState(),
          minuteId,
          parentIds: PARENT_SIZES.map((size) =>
            windowIdOf(point.stream, size, windowContaining(size, point.at).start),
          ),
          late: false,
        };
        cells.set(minuteId, cell);
        minutes.set(minuteStart, cell);
      }
      cell.points.push(point);
      const c = point.contribution;
      if (c.kind === 'value') observe(cell.state, c.value, point.traceId, n);
      else observeDistribution(cell.state, c.distribution, n);
    }
    return cells;
  }

  /**
   * The minutes' parts (inserts), the streams (newest point time) and the catalogue (first and
   * last seen, attribute keys, late count) in one statement, the last before the commit. Streams
   * and catalogue are the rows every batch of a metric updates: they stay locked from here to the
   * commit, so concurrent batches queue on them for one statement and one round trip only (as the
   * first statement after the lock, they queued for the whole transaction: an ingest 7× slower
   * than COPY with 4 senders). Streams come in id order and metrics in name order, through the
   * same statement in every batch, so concurrent batches lock them in one order: no deadlock.
   */
  private async upsertStreamsAndCatalogue(
    tx: Transaction,
    tenantId: string,
    cells: ReadonlyMap<string, Cell>,
    parts: ReadonlyMap<string, WindowState>,
    points: readonly PreparedPoint[],
  ): Promise<void> {
    const catalogue = catalogueColumns(cells);
    const partIds = [...parts.keys()];
    await tx.manager.query(
      `WITH parts AS (
         INSERT INTO ${this.ctx.table('window_parts')} (window_id, tenant_id, count, state)
         SELECT v.id, $1, v.count, v.state
           FROM unnest($21::text[], $22::bigint[], $23::jsonb[]) AS v(id, count, state)),
       streams AS (
         INSERT INTO ${this.ctx.table('streams')} AS s
           (id, tenant_id, project_id, metric_name, unit, kind, dimensions, attributes, labels, group_key, last_point_at, prom_type)
         SELECT * FROM unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
                              $16::jsonb[], $17::jsonb[], $18::jsonb[], $19::text[], $20::timestamptz[], $24::text[])
         ON CONFLICT (id) DO UPDATE SET
           last_point_at = GREATEST(s.last_point_at, EXCLUDED.last_point_at),
           unit = EXCLUDED.unit, kind = EXCLUDED.kind, prom_type = EXCLUDED.prom_type)
       INSERT INTO ${this.ctx.table('metrics')} AS m
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
        ...catalogue,
        ...streamColumns(points).slice(0, 11),
        partIds,
        partIds.map((id) => (parts.get(id) as WindowState).count),
        partIds.map((id) => JSON.stringify(storeWindowState(parts.get(id) as WindowState))),
        streamColumns(points)[11],
      ],
    );
  }
}

/** The batch's metrics as the seven unnest columns of the catalogue upsert, in name order. */
function catalogueColumns(cells: ReadonlyMap<string, Cell>): unknown[][] {
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
  return [
    names,
    entries.map((e) => e.unit),
    entries.map((e) => e.kind),
    entries.map((e) => JSON.stringify([...e.attributes].sort())),
    entries.map((e) => iso(e.first)),
    entries.map((e) => iso(e.last)),
    entries.map((e) => e.late),
  ];
}
