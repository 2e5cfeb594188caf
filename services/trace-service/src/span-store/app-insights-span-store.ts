import { LogsQueryClient, LogsQueryResultStatus, type LogsTable } from '@azure/monitor-query-logs';
import {
  DIMENSION_ATTRIBUTE_KEYS,
  DIMENSION_NAMES,
  type AttributeValue,
  type TelemetryDimensions,
} from '@obs/domain';
import { HttpProblem } from '@obs/service-kit';
import { buildSpansQuery } from './app-insights-kql.js';
import type { SequencedSpan, SpanReader } from './span-store.port.js';

/** The client's credential type (`@azure/core-auth` is its dependency, not this service's). */
export type TokenCredential = ConstructorParameters<typeof LogsQueryClient>[0];

export interface AppInsightsSpanStoreOptions {
  /** The Log Analytics query endpoint with its API version, e.g. https://api.loganalytics.azure.com/v1 */
  readonly endpoint: string;
  readonly workspaceId: string;
  readonly credential: TokenCredential;
  /** How far back a trace is looked for (the query's timespan). */
  readonly lookbackDays: number;
  /** Extra CA certificates (PEM), for an endpoint signed by a private CA (the tests' server). */
  readonly ca?: string;
}

const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * The span store's read side over Application Insights, through the real `LogsQueryClient`: KQL
 * over AppRequests and AppDependencies by OperationId (app-insights-kql.ts). Nothing the caller
 * sends reaches the query text. A failed or partial answer is a 503 naming the workspace.
 */
export class AppInsightsSpanStore implements SpanReader {
  private readonly client: LogsQueryClient;

  constructor(private readonly options: AppInsightsSpanStoreOptions) {
    this.client = new LogsQueryClient(options.credential, {
      endpoint: options.endpoint,
      retryOptions: { maxRetries: 1 },
      ...(options.ca === undefined ? {} : { tlsOptions: { ca: options.ca } }),
    });
  }

  async spansOf(tenantId: string, traceId: string): Promise<readonly SequencedSpan[]> {
    let result;
    try {
      result = await this.client.queryWorkspace(
        this.options.workspaceId,
        buildSpansQuery(tenantId, traceId),
        { duration: `P${this.options.lookbackDays}D` },
      );
    } catch (error) {
      throw unavailable(this.options.workspaceId, (error as Error).message);
    }
    if (result.status !== LogsQueryResultStatus.Success) {
      throw unavailable(this.options.workspaceId, `partial answer: ${result.partialError.message}`);
    }
    const table = result.tables[0];
    return table === undefined ? [] : mapSpanRows(table, tenantId);
  }
}

function unavailable(workspaceId: string, why: string): HttpProblem {
  return new HttpProblem(
    503,
    'span_store_unavailable',
    'Service Unavailable',
    `Application Insights workspace ${workspaceId} did not answer the query (${why.slice(0, 200)})`,
  );
}

/** Rows by column name, so a reordered projection still maps. */
export function mapSpanRows(table: LogsTable, tenantId: string): SequencedSpan[] {
  const index = new Map(table.columnDescriptors.map((c, i) => [c.name ?? '', i]));
  return table.rows.map((row, seq) => {
    const cell = (name: string): unknown => {
      const i = index.get(name);
      return i === undefined ? undefined : row[i];
    };
    const properties = asRecord(cell('Properties'));
    const parent = text(cell('ParentId'));
    const service = text(cell('AppRoleName'));
    return {
      seq,
      tenantId,
      traceId: text(cell('OperationId')),
      spanId: text(cell('Id')),
      // The root's ParentId is its OperationId (or empty), not a span id.
      parentSpanId: SPAN_ID.test(parent) ? parent : null,
      name: text(cell('Name')),
      kind: Number(cell('Kind')) || 0,
      startMs: Number(cell('StartMs')),
      durationMs: Number(cell('DurationMs')) || 0,
      status: cell('Success') === false ? 'error' : 'ok',
      statusMessage: cell('Success') === false ? text(cell('ResultCode')) || null : null,
      service,
      dimensions: dimensionsOf(properties, tenantId, service),
      attributes: properties,
      events: [],
      // Application Insights keeps neither OTLP times nor the resource: readers derive them.
      detail: null,
    };
  });
}

function dimensionsOf(
  properties: Record<string, AttributeValue>,
  tenantId: string,
  service: string,
): TelemetryDimensions {
  const entries = DIMENSION_NAMES.map((name) => {
    const value = properties[DIMENSION_ATTRIBUTE_KEYS[name]];
    return [name, typeof value === 'string' ? value : ''] as const;
  });
  return {
    ...Object.fromEntries(entries),
    tenantId,
    service: service || '',
  } as TelemetryDimensions;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function asRecord(value: unknown): Record<string, AttributeValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, AttributeValue>)
    : {};
}
