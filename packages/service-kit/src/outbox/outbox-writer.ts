import type { DomainEvent } from '@obs/domain';
import { envelopeFromDomainEvent, HEADERS, streamKeyOf, topicFor } from '@obs/event-envelope';
import type { Context } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';
import { quoteIdent } from '../db/data-source.js';
import { traceIdOf, traceparentOf } from '../telemetry.js';

/** Where a change came from: the request or consumed event that caused it. */
export interface EventOrigin {
  /** The OpenTelemetry context of the request or consumer span; propagated as `traceparent`. */
  readonly context: Context;
  readonly correlationId?: string | null;
  /** eventId of the consumed event that caused this change. */
  readonly causationId?: string | null;
}

/** Wraps domain events in the canonical envelope and inserts them as outbox rows. */
export class OutboxWriter {
  private readonly table: string;

  constructor(
    schema: string,
    private readonly producer: string,
  ) {
    this.table = `${quoteIdent(schema)}.outbox`;
  }

  async write(
    manager: EntityManager,
    events: readonly DomainEvent[],
    aggregateVersion: number,
    origin: EventOrigin,
  ): Promise<void> {
    const traceparent = traceparentOf(origin.context);
    const requestTraceId = traceIdOf(origin.context);
    const rows = events.map((event) => {
      const envelope = envelopeFromDomainEvent(event, {
        producer: this.producer,
        aggregateVersion,
        // The telemetry trace an event is about wins; otherwise the platform's own trace.
        traceId: event.traceId ?? requestTraceId,
        correlationId: origin.correlationId ?? requestTraceId,
        causationId: origin.causationId ?? null,
      });
      const headers: Record<string, string> = {
        [HEADERS.eventType]: envelope.eventType,
        [HEADERS.eventVersion]: String(envelope.eventVersion),
        [HEADERS.tenantId]: envelope.tenantId,
        ...(traceparent ? { [HEADERS.traceparent]: traceparent } : {}),
      };
      // The event's declared stream, not always the aggregate: MetricAggregated is one window of a
      // series, and its consumers need the series' windows on one partition, in order.
      return { envelope, headers, key: streamKeyOf(envelope) };
    });
    // One statement for the whole batch: a round trip per event dominated the write path.
    await manager.query(
      `INSERT INTO ${this.table} (event_id, topic, message_key, envelope, headers)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
      [
        rows.map((r) => r.envelope.eventId),
        rows.map((r) => topicFor(r.envelope.eventType)),
        rows.map((r) => r.key),
        rows.map((r) => JSON.stringify(r.envelope)),
        rows.map((r) => JSON.stringify(r.headers)),
      ],
    );
  }
}
