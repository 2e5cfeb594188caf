import type { LogLevel } from '@obs/domain';
import type { AttributeValue } from '@obs/service-kit';
import type { Transaction } from '@obs/service-kit';
import type { LogRecordRow } from '../ingest/otlp-logs.js';

/** What a query asks one store for; values are data, never query text (see kql.ts). */
export interface LogStoreQuery {
  readonly tenantId: string;
  /** Exactly one of traceId and executionId. */
  readonly traceId?: string;
  readonly executionId?: string;
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
  readonly minLevel: LogLevel;
  /** Case-insensitive substring of the body. */
  readonly text?: string;
  /** Keyset position: records strictly after (timeMs, id). */
  readonly after?: { readonly timeMs: number; readonly id: string };
  readonly limit: number;
}

/** A log line as a query answers it, whichever store it came from. */
export interface StoredLogRecord {
  readonly id: string;
  readonly timeMs: number;
  readonly timestamp: string;
  readonly level: LogLevel;
  readonly severityText: string | null;
  readonly body: string;
  readonly traceId: string | null;
  readonly spanId: string | null;
  readonly executionId: string | null;
  readonly attributes: Record<string, AttributeValue>;
  /** The workspace the record was read from (the reference's logAnalyticsRef.workspaceId). */
  readonly workspaceId: string;
}

/**
 * The log store port. `append` writes within the ingest transaction (so records and their
 * references commit together); a store whose bodies are written elsewhere (Log Analytics, fed by
 * the application's own exporter) has no append. `query` answers records in (timeMs, id) order.
 */
export interface LogStore {
  readonly workspaceId: string;
  append?(tx: Transaction, records: readonly LogRecordRow[]): Promise<void>;
  query(query: LogStoreQuery): Promise<readonly StoredLogRecord[]>;
}
