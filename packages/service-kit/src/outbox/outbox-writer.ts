import type { DomainEvent } from '@obs/domain';
import { envelopeFromDomainEvent } from '@obs/event-envelope';
import { busMessageOf } from './bus-message.js';
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
      return { eventId: envelope.eventId, message: busMessageOf(envelope, traceparent) };
    });
    // One statement for the whole batch: a round trip per event dominated the write path.
    await manager.query(
      `INSERT INTO ${this.table} (event_id, topic, message_key, envelope, headers)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
      [
        rows.map((r) => r.eventId),
        rows.map((r) => r.message.topic),
        rows.map((r) => r.message.key),
        rows.map((r) => r.message.value),
        rows.map((r) => JSON.stringify(r.message.headers)),
      ],
    );
  }
}
