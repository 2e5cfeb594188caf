import { metricSeriesId, type WindowSize } from '@obs/domain';
import type { Transaction } from '@obs/service-kit';
import {
  emptyWindowState,
  loadWindowState,
  mergeWindowState,
  storeWindowState,
  type StoredWindowState,
  type WindowState,
} from './window/window-state.js';

/** What a window row needs of its stream (a MetricStream, or the columns of a stored window). */
export interface StreamRef {
  readonly id: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly metricName: string;
  readonly unit: string;
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
}

export interface WindowTarget {
  readonly id: string;
  readonly stream: StreamRef;
  readonly size: WindowSize;
  readonly start: number;
  readonly end: number;
}

export interface LockedWindow {
  id: string;
  status: string;
  count: string;
  state: StoredWindowState;
}

const EMPTY_STATE = JSON.stringify(storeWindowState(emptyWindowState()));
const iso = (ms: number) => new Date(ms).toISOString();

// Series ids are FNV-1a 128 over BigInt (the domain's, stable across runtimes) and cost tens of
// microseconds; a stream's windows are written batch after batch, so their ids are remembered.
const ids = new Map<string, string>();
const MAX_CACHED_IDS = 100_000;

/** The deterministic seriesId of a stream's window (the domain's metricSeriesId). */
export function windowIdOf(stream: StreamRef, size: WindowSize, start: number): string {
  const key = `${stream.id}|${size}|${start}`;
  let id = ids.get(key);
  if (id === undefined) {
    id = metricSeriesId({
      tenantId: stream.tenantId,
      projectId: stream.projectId,
      metricName: stream.metricName,
      window: size,
      windowStart: iso(start),
      groupKey: stream.groupKey,
    });
    if (ids.size >= MAX_CACHED_IDS) ids.clear();
    ids.set(key, id);
  }
  return id;
}

/**
 * The rows of the targets, created open and empty where missing, locked FOR UPDATE in id order
 * (so concurrent writers never deadlock).
 */
export async function lockWindowRows(
  tx: Transaction,
  table: string,
  targets: readonly WindowTarget[],
): Promise<Map<string, LockedWindow>> {
  const sorted = [...targets].sort((a, b) => (a.id < b.id ? -1 : 1));
  await insertMissing(tx, table, sorted);
  const rows: LockedWindow[] = await tx.manager.query(
    `SELECT id, status, count, state FROM ${table} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [sorted.map((t) => t.id)],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/** Merges each delta into its locked row and writes them back (version + 1). */
export async function addToWindowRows(
  tx: Transaction,
  table: string,
  deltas: ReadonlyMap<string, WindowState>,
  locked: ReadonlyMap<string, LockedWindow>,
  maxExemplars: number,
): Promise<void> {
  if (deltas.size === 0) return;
  const sortedIds = [...deltas.keys()].sort();
  const counts: number[] = [];
  const states: string[] = [];
  for (const id of sortedIds) {
    const row = locked.get(id);
    if (row === undefined) throw new Error(`window ${id} was not locked`);
    const state = loadWindowState(Number(row.count), row.state);
    mergeWindowState(state, deltas.get(id) as WindowState, maxExemplars);
    counts.push(state.count);
    states.push(JSON.stringify(storeWindowState(state)));
  }
  await tx.manager.query(
    `UPDATE ${table} AS w SET count = v.count, state = v.state, version = w.version + 1
       FROM unnest($1::text[], $2::bigint[], $3::jsonb[]) AS v(id, count, state)
      WHERE w.id = v.id`,
    [sortedIds, counts, states],
  );
}

/**
 * Serialises ingest and window closing per tenant: ingests share the lock (they do not wait for
 * each other), the close job takes it alone, so a batch never lands in a window that is closing.
 */
export async function lockTenantWindows(
  tx: Transaction,
  tenantId: string,
  mode: 'shared' | 'exclusive',
): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await tx.manager.query(`SELECT ${fn}(hashtext($1))`, [`metric-windows:${tenantId}`]);
}

/**
 * Folds the parts of the given windows into their rows and deletes them (the caller holds the
 * tenant's exclusive lock, so no part is being added meanwhile).
 */
export async function foldWindowParts(
  tx: Transaction,
  tables: { readonly windows: string; readonly parts: string },
  windowIds: readonly string[],
  maxExemplars: number,
): Promise<void> {
  if (windowIds.length === 0) return;
  const parts: { window_id: string; count: string; state: StoredWindowState }[] =
    await tx.manager.query(
      // As a CTE so the driver answers rows (a bare DELETE … RETURNING answers [rows, count]).
      `WITH folded AS (DELETE FROM ${tables.parts} WHERE window_id = ANY($1::text[])
                       RETURNING window_id, count, state)
       SELECT window_id, count, state FROM folded`,
      [windowIds],
    );
  if (parts.length === 0) return;
  const deltas = new Map<string, WindowState>();
  for (const part of parts) {
    let delta = deltas.get(part.window_id);
    if (delta === undefined) {
      delta = emptyWindowState();
      deltas.set(part.window_id, delta);
    }
    mergeWindowState(delta, loadWindowState(Number(part.count), part.state), maxExemplars);
  }
  const rows: LockedWindow[] = await tx.manager.query(
    `SELECT id, status, count, state FROM ${tables.windows} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [[...deltas.keys()]],
  );
  await addToWindowRows(
    tx,
    tables.windows,
    deltas,
    new Map(rows.map((r) => [r.id, r])),
    maxExemplars,
  );
}

async function insertMissing(
  tx: Transaction,
  table: string,
  sorted: readonly WindowTarget[],
): Promise<void> {
  const insert = insertMissingWindows(table, sorted, 1);
  await tx.manager.query(insert.sql, insert.params);
}

/**
 * The statement creating the targets' rows where missing (open, empty), in id order (so
 * concurrent writers never deadlock), with its parameters numbered from `first` (so a caller can
 * put it in a CTE of a larger statement).
 */
export function insertMissingWindows(
  table: string,
  targets: readonly WindowTarget[],
  first: number,
): { sql: string; params: unknown[] } {
  const sorted = [...targets].sort((a, b) => (a.id < b.id ? -1 : 1));
  const $ = (n: number) => `$${first + n - 1}`;
  return {
    sql: `INSERT INTO ${table}
       (id, tenant_id, project_id, metric_name, stream_id, window_size, window_start, window_end,
        unit, group_key, group_values, count, state, status, version)
     SELECT v.*, 0, ${$(12)}::jsonb, 'open', 0
       FROM unnest(${$(1)}::text[], ${$(2)}::text[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::text[], ${$(6)}::text[],
                   ${$(7)}::timestamptz[], ${$(8)}::timestamptz[], ${$(9)}::text[], ${$(10)}::text[], ${$(11)}::jsonb[]) AS v
     ON CONFLICT (id) DO NOTHING`,
    params: [
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
  };
}
