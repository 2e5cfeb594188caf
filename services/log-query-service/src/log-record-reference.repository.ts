import {
  LogRecordReference,
  type LogLevel,
  type LogRecordReferenceSnapshot,
  type TelemetryDimensions,
} from '@obs/domain';
import type { ServiceContext, Transaction } from '@obs/service-kit';
import { EntitySchema } from 'typeorm';

/** A log_record_references row; one per (batch, traceId, executionId), never updated. */
export interface LogRecordReferenceRow {
  id: string;
  tenantId: string;
  traceId: string;
  executionId: string;
  projectId: string;
  moduleId: string;
  level: string;
  timestamp: Date;
  /** Epoch ms of `timestamp`, the keyset of reference lists. */
  timeMs: string;
  workspaceId: string;
  queryHandle: string;
  dimensions: TelemetryDimensions;
  recordCount: number;
}

export const LogRecordReferenceEntity = new EntitySchema<LogRecordReferenceRow>({
  name: 'LogRecordReference',
  tableName: 'log_record_references',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    traceId: { type: 'text', name: 'trace_id' },
    executionId: { type: 'text', name: 'execution_id' },
    projectId: { type: 'text', name: 'project_id' },
    moduleId: { type: 'text', name: 'module_id' },
    level: { type: 'text' },
    timestamp: { type: 'timestamptz' },
    timeMs: { type: 'bigint', name: 'time_ms' },
    workspaceId: { type: 'text', name: 'workspace_id' },
    queryHandle: { type: 'text', name: 'query_handle' },
    dimensions: { type: 'jsonb' },
    recordCount: { type: 'integer', name: 'record_count' },
  },
});

/** A reference and how many records of its batch it indexes (an ingest fact, not domain state). */
export interface IndexedReference {
  readonly reference: LogRecordReference;
  readonly recordCount: number;
}

/** The explicit mapping, both ways. */
export function toReferenceRow(indexed: IndexedReference): LogRecordReferenceRow {
  const s = indexed.reference.toSnapshot();
  return {
    id: s.referenceId,
    tenantId: s.tenantId,
    traceId: s.traceId,
    executionId: s.dimensions.executionId,
    projectId: s.dimensions.projectId,
    moduleId: s.dimensions.moduleId,
    level: s.level,
    timestamp: new Date(s.timestamp),
    timeMs: String(Date.parse(s.timestamp)),
    workspaceId: s.logAnalyticsRef.workspaceId,
    queryHandle: s.logAnalyticsRef.queryHandle,
    dimensions: s.dimensions,
    recordCount: indexed.recordCount,
  };
}

export function toReference(row: LogRecordReferenceRow): LogRecordReference {
  const snapshot: LogRecordReferenceSnapshot = {
    referenceId: row.id,
    tenantId: row.tenantId,
    traceId: row.traceId,
    level: row.level as LogLevel,
    timestamp: row.timestamp.toISOString(),
    logAnalyticsRef: { workspaceId: row.workspaceId, queryHandle: row.queryHandle },
    dimensions: row.dimensions,
  };
  return LogRecordReference.rehydrate(snapshot);
}

/**
 * The LogRecordReference repository: insert-only (references are immutable), in the ingest
 * transaction, one multi-row INSERT per batch. Reads are in log-record-reference.queries.ts.
 */
export class LogRecordReferenceRepository {
  constructor(private readonly ctx: ServiceContext) {}

  async insertAll(tx: Transaction, references: readonly IndexedReference[]): Promise<void> {
    if (references.length === 0) return;
    const rows = references.map(toReferenceRow);
    const col = <T>(pick: (r: LogRecordReferenceRow) => T) => rows.map(pick);
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('log_record_references')}
         (id, tenant_id, trace_id, execution_id, project_id, module_id, level, timestamp, time_ms,
          workspace_id, query_handle, dimensions, record_count)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
          $7::text[], $8::timestamptz[], $9::bigint[], $10::text[], $11::text[], $12::jsonb[],
          $13::integer[])`,
      [
        col((r) => r.id),
        col((r) => r.tenantId),
        col((r) => r.traceId),
        col((r) => r.executionId),
        col((r) => r.projectId),
        col((r) => r.moduleId),
        col((r) => r.level),
        col((r) => r.timestamp.toISOString()),
        col((r) => r.timeMs),
        col((r) => r.workspaceId),
        col((r) => r.queryHandle),
        col((r) => JSON.stringify(r.dimensions)),
        col((r) => r.recordCount),
      ],
    );
  }
}
