import { randomUUID } from 'node:crypto';
import { DomainError, SpanMetricsBatch, TraceRecord, type TraceRecordSnapshot } from '@obs/domain';
import {
  startConsumerSpan,
  type JobDefinition,
  type ServiceContext,
  type Transaction,
} from '@obs/service-kit';
import type { TraceServiceConfig } from '../config.js';
import type { SequencedSpan, SpanReader } from '../span-store/span-store.port.js';
import { countNewSpans } from './span-metrics.js';
import {
  TRACE_ROW_COLUMNS,
  toSpanInput,
  toSpanSnapshot,
  type TraceRow,
} from '../trace-record.mapping.js';

/** Traces assembled per transaction; a run repeats until nothing is due. */
const BATCH = 100;

/**
 * Turns pending traces into TraceRecords: a trace is due once its root span is present and no
 * span of it arrived for TRACE_IDLE_MS (by the injected clock). The first assembly creates the
 * record (TraceRecorded, version 1); spans that arrive later mark the trace pending again and
 * the next assembly merges them (TraceRecorded again, a higher version). Row locks with SKIP
 * LOCKED let several processes assemble at once, and an ingest batch of the same trace waits.
 *
 * Each run also counts the RED metrics of the spans its traces hold for the first time and
 * queues them as SpanMetricsRecorded, one batch per tenant, in the same transaction: a span is
 * counted if and only if the assembly that first held it commits.
 */
export class TraceAssembler {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: TraceServiceConfig,
    private readonly spans: SpanReader,
  ) {}

  asJob(): JobDefinition {
    return {
      name: 'trace-assembly',
      intervalMs: this.config.assemblyIntervalMs,
      singleActive: false,
      run: async () => {
        while ((await this.assembleBatch()) === BATCH) {
          // A full batch means more may be due.
        }
      },
    };
  }

  /** @returns how many traces were due in this batch. */
  async assembleBatch(): Promise<number> {
    const now = this.ctx.clock();
    const { span, context } = startConsumerSpan('assemble traces', {});
    try {
      return await this.ctx.uow.run({ context }, async (tx) => {
        const due: TraceRow[] = await tx.manager.query(
          `SELECT ${TRACE_ROW_COLUMNS} FROM ${this.ctx.table('traces')}
            WHERE pending AND root_seen AND last_span_at <= $1
            ORDER BY last_span_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [now - this.config.idleMs, BATCH],
        );
        const metrics = new Map<string, SpanMetricsBatch>();
        for (const row of due) {
          let batch = metrics.get(row.tenant_id);
          if (batch === undefined) {
            batch = SpanMetricsBatch.forTenant(row.tenant_id);
            metrics.set(row.tenant_id, batch);
          }
          await this.assemble(tx, row, now, batch);
        }
        await this.publishSpanMetrics(tx, metrics.values(), now);
        return due.length;
      });
    } finally {
      span.end();
    }
  }

  /** Each tenant's batch as its own events (an aggregate per batch; each part its version). */
  private async publishSpanMetrics(
    tx: Transaction,
    batches: Iterable<SpanMetricsBatch>,
    now: number,
  ): Promise<void> {
    const at = new Date(now).toISOString();
    for (const batch of batches) {
      for (const event of batch.recorded(randomUUID(), at)) {
        await tx.publish([event], event.payload.part);
      }
    }
  }

  private async assemble(
    tx: Transaction,
    row: TraceRow,
    now: number,
    metrics: SpanMetricsBatch,
  ): Promise<void> {
    const spans = await this.spans.spansOf(row.tenant_id, row.trace_id, tx);
    // Whatever the tree's verdict, the spans new to this assembly are counted now, and only now:
    // every path below moves assembled_seq past them.
    countNewSpans(metrics, spans, Number(row.assembled_seq));
    const lastSeq = spans.reduce((max, s) => Math.max(max, s.seq), Number(row.assembled_seq));
    const at = new Date(now).toISOString();
    let record: TraceRecord;
    try {
      if (row.version === 0) {
        record = TraceRecord.assemble({
          traceId: row.trace_id,
          tenantId: row.tenant_id,
          dimensions: rootOf(spans).dimensions,
          spans: spans.map(toSpanInput),
          recordedAt: at,
        });
      } else {
        const heldThrough = Number(row.assembled_seq);
        record = TraceRecord.rehydrate(
          snapshotOf(
            row,
            spans.filter((s) => s.seq <= heldThrough),
          ),
        );
        const late = spans.filter((s) => s.seq > heldThrough).map(toSpanInput);
        if (record.reassemble(late, at) === 0) {
          // Exporter retries only: nothing changed, but ingest counted the copies.
          await this.settle(tx, row, lastSeq, distinctSpanCount(spans));
          return;
        }
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // A rule outside the tree's (the edge keeps spans domain-valid, so this is a defect):
      // the trace is marked, not retried forever, and its spans stay.
      this.ctx.logger.error({ err: error, traceId: row.trace_id }, 'trace cannot be assembled');
      await tx.manager.query(
        `UPDATE ${this.ctx.table('traces')} SET status = 'error', problem_code = $3,
                problem_message = $4, pending = false, assembled_seq = $5
          WHERE tenant_id = $1 AND trace_id = $2`,
        [row.tenant_id, row.trace_id, error.code, error.message, lastSeq],
      );
      return;
    }
    const version = row.version + 1;
    const snapshot = record.toSnapshot();
    const root = snapshot.spans.find((s) => s.parentSpanId === null);
    await tx.manager.query(
      `UPDATE ${this.ctx.table('traces')} SET
              version = $3, status = $4, problem_code = $5, problem_message = $6,
              root_span_id = $7, root_span_name = $8, start_ms = $9, duration_ms = $10,
              end_ms = $9::bigint + $10::double precision, span_count = $11, project_id = $12,
              module_id = $13, service = $14, execution_id = $15, dimensions = $16,
              pending = false, assembled_seq = $17, recorded_at = $18, updated_at = $19
        WHERE tenant_id = $1 AND trace_id = $2`,
      [
        row.tenant_id,
        row.trace_id,
        version,
        snapshot.status,
        snapshot.problem?.code ?? null,
        snapshot.problem?.message ?? null,
        root?.spanId ?? null,
        snapshot.rootSpanName,
        Date.parse(snapshot.startedAt),
        snapshot.durationMs,
        snapshot.spanCount,
        snapshot.dimensions.projectId,
        snapshot.dimensions.moduleId,
        snapshot.dimensions.service,
        snapshot.dimensions.executionId,
        JSON.stringify(snapshot.dimensions),
        lastSeq,
        Date.parse(snapshot.recordedAt),
        Date.parse(snapshot.updatedAt),
      ],
    );
    await tx.publish(record.pullEvents(), version);
  }

  private async settle(
    tx: Transaction,
    row: TraceRow,
    lastSeq: number,
    spanCount: number,
  ): Promise<void> {
    await tx.manager.query(
      `UPDATE ${this.ctx.table('traces')} SET pending = false, assembled_seq = $3, span_count = $4
        WHERE tenant_id = $1 AND trace_id = $2`,
      [row.tenant_id, row.trace_id, lastSeq, spanCount],
    );
  }
}

/**
 * Spans counted once each: ingest adds every span received to the row's count (it cannot tell a
 * retried copy without reading the store), so an assembled count is taken from the spans.
 */
function distinctSpanCount(spans: readonly SequencedSpan[]): number {
  return new Set(spans.map((s) => s.spanId)).size;
}

/** The earliest parentless span: the root whose dimensions the record carries. */
function rootOf(spans: readonly SequencedSpan[]): SequencedSpan {
  const root = spans.find((s) => s.parentSpanId === null) ?? spans[0];
  if (root === undefined) throw new Error('a pending trace with a root has no spans');
  return root;
}

function snapshotOf(row: TraceRow, held: readonly SequencedSpan[]): TraceRecordSnapshot {
  return {
    traceId: row.trace_id,
    tenantId: row.tenant_id,
    projectId: row.dimensions.projectId,
    moduleId: row.dimensions.moduleId,
    rootSpanName: row.root_span_name ?? '',
    startedAt: new Date(Number(row.start_ms)).toISOString(),
    durationMs: row.duration_ms,
    status: row.status as TraceRecordSnapshot['status'],
    spanCount: distinctSpanCount(held),
    dimensions: row.dimensions,
    spans: held.map(toSpanSnapshot),
    recordedAt: new Date(Number(row.recorded_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
    ...(row.problem_code === null
      ? {}
      : { problem: { code: row.problem_code, message: row.problem_message ?? '' } }),
  };
}
