import { EntitySchema, type DataSource, type EntityManager } from 'typeorm';
import type { SignalFilter } from '../cost-signal.queries.js';

export const EXPORT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** An export request: a job record, not an aggregate (it publishes nothing). */
export interface CostExportRow {
  id: string;
  tenantId: string;
  status: ExportStatus;
  filter: SignalFilter;
  requestedBy: string;
  requestedAt: Date;
  completedAt: Date | null;
  blobName: string | null;
  rowCount: number | null;
  byteSize: string | null;
  error: string | null;
}

export const CostExportEntity = new EntitySchema<CostExportRow>({
  name: 'CostExport',
  tableName: 'cost_exports',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    status: { type: 'text' },
    filter: { type: 'jsonb' },
    requestedBy: { type: 'text', name: 'requested_by' },
    requestedAt: { type: 'timestamptz', name: 'requested_at' },
    completedAt: { type: 'timestamptz', name: 'completed_at', nullable: true },
    blobName: { type: 'text', name: 'blob_name', nullable: true },
    rowCount: { type: 'integer', name: 'row_count', nullable: true },
    byteSize: { type: 'bigint', name: 'byte_size', nullable: true },
    error: { type: 'text', nullable: true },
  },
});

export interface CostExportView {
  readonly id: string;
  readonly status: ExportStatus;
  readonly filter: SignalFilter;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly completedAt: string | null;
  readonly rowCount: number | null;
  readonly byteSize: number | null;
  readonly error: string | null;
  readonly downloadUrl: string | null;
}

export function viewOfExport(row: CostExportRow): CostExportView {
  return {
    id: row.id,
    status: row.status,
    filter: { ...row.filter },
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    rowCount: row.rowCount,
    byteSize: row.byteSize === null ? null : Number(row.byteSize),
    error: row.error,
    downloadUrl: row.status === 'succeeded' ? `/v1/cost-signals/exports/${row.id}/download` : null,
  };
}

export async function insertExport(dataSource: DataSource, row: CostExportRow): Promise<void> {
  await dataSource.getRepository(CostExportEntity).insert(row);
}

export async function findExport(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<CostExportRow | null> {
  return dataSource.getRepository(CostExportEntity).findOneBy({ id, tenantId });
}

/** The oldest pending export nobody else is writing, locked for the transaction. */
export async function lockNextPending(
  manager: EntityManager,
  table: string,
  skip: readonly string[],
): Promise<CostExportRow | undefined> {
  const rows: { id: string }[] = await manager.query(
    `SELECT id FROM ${table}
      WHERE status = 'pending' AND NOT (id = ANY($1::uuid[]))
      ORDER BY requested_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [skip],
  );
  const id = rows[0]?.id;
  if (id === undefined) return undefined;
  return (await manager.getRepository(CostExportEntity).findOneBy({ id })) ?? undefined;
}
