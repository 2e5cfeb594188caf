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

/**
 * The item was handed to a team, backlog or agent: by a routing rule when it was created
 * (`feedbackRouteId`, and the rule's `receiverId` when it names one) or by hand (both null).
 */
export interface FeedbackItemRoutedPayload {
  readonly feedbackItemId: string;
  readonly projectId: string | null;
  readonly artifactId: string | null;
  readonly category: FeedbackCategory;
  readonly sentiment: Sentiment;
  readonly summary: string;
  readonly routedTo: string;
  readonly feedbackRouteId: string | null;
  readonly receiverId: string | null;
  readonly routedAt: string;
}

export type FeedbackItemRouted = DomainEvent<'FeedbackItemRouted', FeedbackItemRoutedPayload>;

/** The improvement was applied by a named change (a commit, pull request, deployment, ticket). */
export interface FeedbackItemAppliedPayload {
  readonly feedbackItemId: string;
  readonly projectId: string | null;
  readonly artifactId: string | null;
  readonly routedTo: string;
  readonly changeRef: string;
  readonly appliedAt: string;
}

export type FeedbackItemApplied = DomainEvent<'FeedbackItemApplied', FeedbackItemAppliedPayload>;

/** Creation, routing and applying are published: the loop reaches whoever acts (issue 29). */
export type FeedbackItemEvent = FeedbackItemCreated | FeedbackItemRouted | FeedbackItemApplied;
