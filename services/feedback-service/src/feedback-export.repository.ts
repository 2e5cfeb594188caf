import { EntitySchema, type DataSource } from 'typeorm';
import type { FeedbackFilter } from './feedback-item.queries.js';

export const EXPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * An export job: not a domain aggregate (it has no invariant beyond its own progress), so a plain
 * table written by the route (queued) and the export job (running → succeeded | failed).
 */
export interface FeedbackExportRow {
  id: string;
  tenantId: string;
  filter: FeedbackFilter;
  status: ExportStatus;
  requestedBy: string;
  requestedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  blobRef: string | null;
  itemCount: number | null;
  sizeBytes: number | null;
  error: string | null;
}

export const FeedbackExportEntity = new EntitySchema<FeedbackExportRow>({
  name: 'FeedbackExport',
  tableName: 'feedback_exports',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    filter: { type: 'jsonb' },
    status: { type: 'text' },
    requestedBy: { type: 'text', name: 'requested_by' },
    requestedAt: { type: 'timestamptz', name: 'requested_at' },
    startedAt: { type: 'timestamptz', name: 'started_at', nullable: true },
    completedAt: { type: 'timestamptz', name: 'completed_at', nullable: true },
    blobRef: { type: 'text', name: 'blob_ref', nullable: true },
    itemCount: { type: 'integer', name: 'item_count', nullable: true },
    // bigint arrives as a string from pg; exports stay far below 2^53 bytes.
    sizeBytes: {
      type: 'bigint',
      name: 'size_bytes',
      nullable: true,
      transformer: {
        to: (value: number | null) => value,
        from: (value: string | null) => (value === null ? null : Number(value)),
      },
    },
    error: { type: 'text', nullable: true },
  },
});

/** A running export not finished after this long is taken again (its process died). */
export const EXPORT_LEASE_MS = 15 * 60_000;

export class FeedbackExports {
  constructor(
    private readonly dataSource: DataSource,
    private readonly table: string,
  ) {}

  async request(input: {
    id: string;
    tenantId: string;
    filter: FeedbackFilter;
    requestedBy: string;
    at: Date;
  }): Promise<FeedbackExportRow> {
    const row: FeedbackExportRow = {
      id: input.id,
      tenantId: input.tenantId,
      filter: input.filter,
      status: 'queued',
      requestedBy: input.requestedBy,
      requestedAt: input.at,
      startedAt: null,
      completedAt: null,
      blobRef: null,
      itemCount: null,
      sizeBytes: null,
      error: null,
    };
    await this.dataSource.getRepository(FeedbackExportEntity).insert(row);
    return row;
  }

  async find(tenantId: string, id: string): Promise<FeedbackExportRow | undefined> {
    return (
      (await this.dataSource.getRepository(FeedbackExportEntity).findOneBy({ id, tenantId })) ??
      undefined
    );
  }

  /** Takes the oldest queued export (or one whose runner died) and marks it running. */
  async claimNext(now: Date): Promise<FeedbackExportRow | undefined> {
    // An UPDATE … RETURNING comes back from pg as [rows, affected count].
    const rows = await this.dataSource.query<[{ id: string; tenant_id: string }[], number]>(
      `UPDATE ${this.table} SET status = 'running', started_at = $1
       WHERE id = (
         SELECT id FROM ${this.table}
         WHERE status = 'queued' OR (status = 'running' AND started_at < $2)
         ORDER BY requested_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, tenant_id`,
      [now, new Date(now.getTime() - EXPORT_LEASE_MS)],
    );
    const claimed = rows[0]?.[0];
    return claimed ? this.find(claimed.tenant_id, claimed.id) : undefined;
  }

  async succeed(
    id: string,
    result: { blobRef: string; itemCount: number; sizeBytes: number; at: Date },
  ): Promise<void> {
    await this.dataSource.getRepository(FeedbackExportEntity).update(
      { id, status: 'running' },
      {
        status: 'succeeded',
        blobRef: result.blobRef,
        itemCount: result.itemCount,
        sizeBytes: result.sizeBytes,
        completedAt: result.at,
      },
    );
  }

  async fail(id: string, error: string, at: Date): Promise<void> {
    await this.dataSource
      .getRepository(FeedbackExportEntity)
      .update({ id, status: 'running' }, { status: 'failed', error, completedAt: at });
  }
}
