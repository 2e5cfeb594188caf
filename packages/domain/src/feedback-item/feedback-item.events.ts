import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { FeedbackCategory, FeedbackSource, Sentiment } from './feedback-values.js';

export const FEEDBACK_ITEM_AGGREGATE_TYPE = 'FeedbackItem';

/** Payload fixed by the event contract (packages/event-envelope/src/payloads); times are ISO-8601 UTC. */
export interface FeedbackItemCreatedPayload {
  readonly feedbackItemId: string;
  readonly projectId: string | null;
  readonly artifactId: string | null;
  readonly source: FeedbackSource;
  readonly sourceId: string | null;
  readonly category: FeedbackCategory;
  readonly sentiment: Sentiment;
  readonly summary: string;
  readonly createdAt: string;
}

export type FeedbackItemCreated = DomainEvent<'FeedbackItemCreated', FeedbackItemCreatedPayload>;

/** Routing and applying are internal lifecycle steps; the spec publishes creation only. */
export type FeedbackItemEvent = FeedbackItemCreated;
