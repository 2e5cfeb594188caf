import { LOG_LEVELS, type LogLevel } from '@obs/domain';
import {
  storableText,
  type AttributeValue,
  type ServiceContext,
  type Transaction,
} from '@obs/service-kit';
import { LEVEL_RANK, type LogRecordRow } from '../ingest/otlp-logs.js';
import type { LogStore, LogStoreQuery, StoredLogRecord } from './log-store.port.js';

/** The workspace id references carry when their records are in this service's own schema. */
export const LOCAL_WORKSPACE_ID = 'local';

interface RecordRow {
  id: string;
  time_ms: string;
  time_unix_nano: string;
  level: string;
  severity_text: string | null;
  body: string;
  trace_id: string | null;
  span_id: string | null;
  execution_id: string;
  attributes: Record<string, AttributeValue>;
}

/**
 * The default log store: `log_records` in the service's own schema. One multi-row INSERT per
 * batch (unnest of column arrays: one statement and one round trip, whatever the batch size),
 * inside the ingest transaction (records arrive as storable text: see the kit's storableText).
 */
export class PostgresLogStore implements LogStore {
  readonly workspaceId = LOCAL_WORKSPACE_ID;

  constructor(private readonly ctx: ServiceContext) {}

  async append(tx: Transaction, records: readonly LogRecordRow[]): Promise<void> {
    if (records.length === 0) return;
    const col = <T>(pick: (r: LogRecordRow) => T) => records.map(pick);
    await tx.manager.query(
      `INSERT INTO ${this.ctx.table('log_records')}
         (id, tenant_id, trace_id, span_id, execution_id, time_ms, time_unix_nano, level, level_rank,
          severity_number, severity_text, body, attributes, dimensions)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
          $7::numeric[], $8::text[], $9::smallint[], $10::integer[], $11::text[], $12::text[],
          $13::jsonb[], $14::jsonb[])`,
      [
        col((r) => r.id),
        col((r) => r.tenantId),
        col((r) => r.traceId),
        col((r) => r.spanId),
        col((r) => r.executionId),
        col((r) => r.timeMs),
        col((r) => r.timeUnixNano),
        col((r) => r.level),
        col((r) => LEVEL_RANK[r.level]),
        col((r) => r.severityNumber),
        col((r) => r.severityText),
        col((r) => r.body),
        col((r) => JSON.stringify(r.attributes)),
        col((r) => JSON.stringify(r.dimensions)),
      ],
    );
  }

  async query(q: LogStoreQuery): Promise<readonly StoredLogRecord[]> {
    const params: unknown[] = [q.tenantId, q.fromMs, q.toMs, LEVEL_RANK[q.minLevel]];
    const where = ['tenant_id = $1', 'time_ms >= $2', 'time_ms < $3', 'level_rank >= $4'];
    const add = (sql: (n: number) => string, ...values: unknown[]) => {
      const first = params.length + 1;
      params.push(...values);
      where.push(sql(first));
    };
    if (q.traceId !== undefined) add((n) => `trace_id = $${n}`, q.traceId);
    if (q.executionId !== undefined)
      add((n) => `execution_id = $${n}`, storableText(q.executionId));
    if (q.text !== undefined && q.text !== '') {
      add((n) => `strpos(lower(body), lower($${n})) > 0`, storableText(q.text));
    }
    if (q.after) add((n) => `(time_ms, id) > ($${n}, $${n + 1}::uuid)`, q.after.timeMs, q.after.id);
    params.push(q.limit);
    const rows: RecordRow[] = await this.ctx.dataSource.query(
      `SELECT id, time_ms, time_unix_nano, level, severity_text, body, trace_id, span_id,
              execution_id, attributes
         FROM ${this.ctx.table('log_records')}
        WHERE ${where.join(' AND ')}
        ORDER BY time_ms, id
        LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({
      id: row.id,
      timeMs: Number(row.time_ms),
      timestamp: isoOfNanos(row.time_unix_nano),
      level: toLevel(row.level),
      severityText: row.severity_text,
      body: row.body,
      traceId: row.trace_id,
      spanId: row.span_id,
      executionId: row.execution_id,
      attributes: row.attributes,
      workspaceId: LOCAL_WORKSPACE_ID,
    }));
  }
}

function toLevel(value: string): LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : 'Information';
}

/** ISO-8601 with the record's sub-millisecond digits kept (up to nanoseconds). */
export function isoOfNanos(nanos: string): string {
  const ns = BigInt(nanos);
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  // Years past 9999 are written +YYYYYY-..., so the fraction is cut by pattern, not by position.
  return `${iso.replace(/\.\d{3}Z$/, '')}${fraction === '' ? '' : `.${fraction.padEnd(3, '0')}`}Z`;
}
