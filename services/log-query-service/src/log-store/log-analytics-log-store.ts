import { LogsQueryClient, LogsQueryResultStatus, type LogsTable } from '@azure/monitor-query-logs';
import { HttpProblem, type AttributeValue } from '@obs/service-kit';
import { buildLogQuery, levelOfSeverityLevel } from './kql.js';
import type { LogStoreQuery, StoredLogRecord } from './log-store.port.js';

/** The client's credential type (`@azure/core-auth` is its dependency, not this service's). */
export type TokenCredential = ConstructorParameters<typeof LogsQueryClient>[0];

export interface LogAnalyticsStoreOptions {
  readonly endpoint: string;
  readonly credential: TokenCredential;
  readonly serverTimeoutSeconds: number;
  /** Extra CA certificates (PEM), for a TLS endpoint signed by a private CA (the tests' server). */
  readonly ca?: string;
}

/**
 * The Log Analytics read side: AppTraces by OperationId (= traceId) or execution.id, through the
 * real `LogsQueryClient`, with the KQL of kql.ts. A failed query is a 503 (the store is
 * unavailable), never a 5xx of this service's own; a partial answer is refused the same way,
 * since a page with holes would move the cursor past records never shown.
 */
export class LogAnalyticsLogStore {
  private readonly client: LogsQueryClient;

  constructor(private readonly options: LogAnalyticsStoreOptions) {
    this.client = new LogsQueryClient(options.credential, {
      endpoint: options.endpoint,
      retryOptions: { maxRetries: 1 },
      ...(options.ca === undefined ? {} : { tlsOptions: { ca: options.ca } }),
    });
  }

  async query(workspaceId: string, q: LogStoreQuery): Promise<readonly StoredLogRecord[]> {
    const kql = buildLogQuery(q);
    let result;
    try {
      result = await this.client.queryWorkspace(
        workspaceId,
        kql.text,
        { startTime: new Date(q.fromMs), endTime: new Date(q.toMs) },
        { serverTimeoutInSeconds: this.options.serverTimeoutSeconds },
      );
    } catch (error) {
      throw unavailable(workspaceId, (error as Error).message);
    }
    if (result.status !== LogsQueryResultStatus.Success) {
      throw unavailable(workspaceId, `partial answer: ${result.partialError.message ?? ''}`);
    }
    const table = result.tables[0];
    return table === undefined ? [] : mapRows(table, workspaceId);
  }
}

function unavailable(workspaceId: string, why: string): HttpProblem {
  return new HttpProblem(
    503,
    'log_store_unavailable',
    'Service Unavailable',
    `Log Analytics workspace ${workspaceId} did not answer the query (${why.slice(0, 200)})`,
  );
}

/** Rows by column name, so a reordered projection still maps. */
export function mapRows(table: LogsTable, workspaceId: string): StoredLogRecord[] {
  const index = new Map(table.columnDescriptors.map((c, i) => [c.name ?? '', i]));
  return table.rows.map((row) => {
    const cell = (name: string): unknown => {
      const i = index.get(name);
      return i === undefined ? undefined : row[i];
    };
    const properties = asRecord(cell('Properties'));
    const timeMs = Number(cell('TimeMs'));
    const parentId = cell('ParentId');
    const executionId = properties['execution.id'];
    return {
      id: text(cell('ItemId')),
      timeMs,
      timestamp: stringOrNull(cell('TimeText')) ?? new Date(timeMs).toISOString(),
      level: levelOfSeverityLevel(cell('SeverityLevel')),
      severityText: null,
      body: text(cell('Message')),
      traceId: stringOrNull(cell('OperationId')),
      spanId: stringOrNull(parentId),
      executionId: typeof executionId === 'string' ? executionId : null,
      attributes: properties,
      workspaceId,
    };
  });
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function asRecord(value: unknown): Record<string, AttributeValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, AttributeValue>)
    : {};
}
