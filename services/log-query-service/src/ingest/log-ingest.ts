import { LOG_LEVELS, LogRecordReference, type LogLevel } from '@obs/domain';
import {
  OtlpBackpressureError,
  startConsumerSpan,
  type OtlpIngestResult,
  type OtlpLogsRequest,
  type ServiceContext,
} from '@obs/service-kit';
import { randomUUID } from 'node:crypto';
import type { LogQueryServiceConfig } from '../config.js';
import type { LogStore } from '../log-store/log-store.port.js';
import type {
  IndexedReference,
  LogRecordReferenceRepository,
} from '../log-record-reference.repository.js';
import { parseOtlpLogs, type LogRecordRow } from './otlp-logs.js';

/** The most reasons named in partialSuccess.errorMessage (the rest are counted only). */
const MAX_REASONS = 10;
/** Postgres answers these when it cannot take more now (disk full, out of memory, connections). */
const STORE_FULL_CODES = new Set(['53100', '53200', '53300']);

/** The handle a reference carries: the store turns it back into "the records of this trace". */
export function queryHandleOf(traceId: string): string {
  return `traceId=${traceId}`;
}

/**
 * OTLP logs → the log store, plus one immutable LogRecordReference per (traceId, executionId) of
 * the batch, all in one transaction: a batch is stored with its references or not at all.
 * Records without a traceId are stored but indexed by no reference (the domain requires a
 * traceId to correlate). Past `maxInFlightBatches` concurrent batches the store counts as full.
 */
export class LogIngest {
  private inFlight = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: LogQueryServiceConfig,
    private readonly store: LogStore,
    private readonly references: LogRecordReferenceRepository,
  ) {}

  async ingest(request: OtlpLogsRequest, tenantId: string): Promise<OtlpIngestResult> {
    const parsed = parseOtlpLogs(request, tenantId, this.ctx.clock());
    if (parsed.records.length > 0) await this.write(tenantId, parsed.records);
    const reasons = parsed.reasons.slice(0, MAX_REASONS).join('; ');
    return reasons === ''
      ? { rejected: parsed.rejected }
      : { rejected: parsed.rejected, errorMessage: reasons };
  }

  private async write(tenantId: string, records: readonly LogRecordRow[]): Promise<void> {
    if (this.inFlight >= this.config.maxInFlightBatches) {
      throw new OtlpBackpressureError(this.config.retryAfterSeconds);
    }
    this.inFlight += 1;
    const { span, context } = startConsumerSpan('ingest OTLP logs', {});
    try {
      const indexed = referencesOf(tenantId, records, this.store.workspaceId);
      await this.ctx.uow.run({ context }, async (tx) => {
        await this.store.append?.(tx, records);
        await this.references.insertAll(tx, indexed);
      });
    } catch (error) {
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code;
      if (code !== undefined && STORE_FULL_CODES.has(code)) {
        throw new OtlpBackpressureError(this.config.retryAfterSeconds);
      }
      throw error;
    } finally {
      this.inFlight -= 1;
      span.end();
    }
  }
}

/** One reference per (traceId, executionId): its level the batch's highest, its time the earliest. */
export function referencesOf(
  tenantId: string,
  records: readonly LogRecordRow[],
  workspaceId: string,
): IndexedReference[] {
  const groups = new Map<string, LogRecordRow[]>();
  for (const record of records) {
    if (record.traceId === null) continue;
    const key = JSON.stringify([record.traceId, record.executionId]);
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => {
    const first = group.reduce((a, b) => (b.timeMs < a.timeMs ? b : a));
    const level = group.reduce<LogLevel>(
      (max, r) => (LOG_LEVELS.indexOf(r.level) > LOG_LEVELS.indexOf(max) ? r.level : max),
      'Verbose',
    );
    const traceId = first.traceId as string;
    return {
      reference: LogRecordReference.create({
        referenceId: randomUUID(),
        tenantId,
        traceId,
        level,
        timestamp: new Date(first.timeMs).toISOString(),
        logAnalyticsRef: { workspaceId, queryHandle: queryHandleOf(traceId) },
        dimensions: first.dimensions,
      }),
      recordCount: group.length,
    };
  });
}
