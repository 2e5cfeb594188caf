import { createHash } from 'node:crypto';
import {
  FeedbackItem,
  feedbackFromCostAnomaly,
  feedbackFromIncidentResolved,
  feedbackFromSloBreached,
  type FeedbackDraft,
} from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';
import type { Transaction } from '@obs/service-kit';
import type { FeedbackItemStore } from './feedback-item.repository.js';
import { routeOnCreation } from './feedback-router.js';

/**
 * The item id for the feedback distilled from one event: a UUID (version 8, RFC 9562) derived
 * from the event id, so the same event always names the same item. The consumer's inbox already
 * makes a redelivery a no-op; this also holds when the event comes back through another path
 * (a DLQ re-drive, a renamed consumer group): the item exists, nothing new is created.
 */
export function feedbackIdForEvent(eventId: string): string {
  const hex = createHash('sha256').update(`feedback-item:${eventId}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The trace of the contributing usage, when the cost service sends the traceIds of the largest
 * lines (the issue asks it to; an optional field of a later payload revision) and the envelope has
 * none of its own.
 */
function firstTraceOf(payload: object): string | null {
  const traceIds = (payload as { traceIds?: unknown }).traceIds;
  return Array.isArray(traceIds) && typeof traceIds[0] === 'string' ? traceIds[0] : null;
}

/**
 * Creates a FeedbackItem from each platform signal (IncidentResolved, SloBreached,
 * CostAnomalyDetected) in the consumer's transaction, next to its inbox row, routed by the
 * tenant's rules in that transaction. The item belongs to
 * the envelope's tenant; its source, sourceId and traceId come from the event (the domain's
 * drafts decide category, sentiment, summary and detail).
 */
export class FeedbackIntake {
  constructor(private readonly store: FeedbackItemStore) {}

  incidentResolved(envelope: Envelope<'IncidentResolved'>, tx: Transaction): Promise<boolean> {
    return this.capture(
      envelope,
      feedbackFromIncidentResolved(envelope.payload, { traceId: envelope.traceId }),
      tx,
    );
  }

  sloBreached(envelope: Envelope<'SloBreached'>, tx: Transaction): Promise<boolean> {
    return this.capture(
      envelope,
      feedbackFromSloBreached(envelope.payload, { traceId: envelope.traceId }),
      tx,
    );
  }

  costAnomalyDetected(
    envelope: Envelope<'CostAnomalyDetected'>,
    tx: Transaction,
  ): Promise<boolean> {
    return this.capture(
      envelope,
      feedbackFromCostAnomaly(envelope.payload, {
        traceId: envelope.traceId ?? firstTraceOf(envelope.payload),
      }),
      tx,
    );
  }

  /** True when an item was created; false when this event's item already exists. */
  private async capture(envelope: Envelope, draft: FeedbackDraft, tx: Transaction) {
    const feedbackItemId = feedbackIdForEvent(envelope.eventId);
    const existing = await this.store.loadForUpdate(tx, envelope.tenantId, feedbackItemId);
    if (existing) return false;
    const item = FeedbackItem.create({ ...draft, feedbackItemId, tenantId: envelope.tenantId });
    // Routed as it is created, at its own time (the event's), so the rule in force then decides.
    await routeOnCreation(tx, item, envelope.tenantId, draft.createdAt);
    await this.store.save(tx, item, 0);
    return true;
  }
}
