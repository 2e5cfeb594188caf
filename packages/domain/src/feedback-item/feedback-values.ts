import { ensure } from '../kernel/domain-error.js';

export const FEEDBACK_SOURCES = ['incident', 'runtime-signal', 'human', 'agent'] as const;
export type FeedbackSource = (typeof FEEDBACK_SOURCES)[number];

export const FEEDBACK_CATEGORIES = [
  'reliability',
  'performance',
  'cost',
  'maintainability',
  'correctness',
] as const;
export type FeedbackCategory = (typeof FEEDBACK_CATEGORIES)[number];

export const SENTIMENTS = ['positive', 'neutral', 'negative'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

/** captured → routed → applied; no step is skipped and none goes back. */
export const FEEDBACK_STATUSES = ['captured', 'routed', 'applied'] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];

/** Limits keep rows and event payloads bounded; a summary is a headline, detail holds the rest. */
export const SUMMARY_MAX_LENGTH = 500;
export const DETAIL_MAX_LENGTH = 10_000;
export const REFERENCE_MAX_LENGTH = 256;

function oneOf<T extends string>(
  allowed: readonly T[],
  value: string,
  code: string,
  field: string,
): T {
  ensure(
    (allowed as readonly string[]).includes(value),
    code,
    `${field} must be one of ${allowed.join(', ')}`,
    { field, value },
  );
  return value as T;
}

export function feedbackSource(value: string): FeedbackSource {
  return oneOf(FEEDBACK_SOURCES, value, 'feedback.invalid_source', 'source');
}

export function feedbackCategory(value: string): FeedbackCategory {
  return oneOf(FEEDBACK_CATEGORIES, value, 'feedback.invalid_category', 'category');
}

export function sentiment(value: string): Sentiment {
  return oneOf(SENTIMENTS, value, 'feedback.invalid_sentiment', 'sentiment');
}

export function feedbackStatus(value: string): FeedbackStatus {
  return oneOf(FEEDBACK_STATUSES, value, 'feedback.invalid_status', 'status');
}

/**
 * Feedback distilled from a platform record (an incident, an SLO breach, a cost anomaly) must
 * point back at it, or the loop cannot be traced; people and agents may speak unprompted.
 */
export function requiresSourceId(source: FeedbackSource): boolean {
  switch (source) {
    case 'incident':
    case 'runtime-signal':
      return true;
    case 'human':
    case 'agent':
      return false;
    default: {
      const unreachable: never = source;
      throw new Error(`unknown feedback source ${String(unreachable)}`);
    }
  }
}

export function feedbackSummary(value: string): string {
  ensure(
    typeof value === 'string' && value.trim().length > 0,
    'feedback.summary_required',
    'summary is required',
  );
  const summary = value.trim();
  ensure(
    summary.length <= SUMMARY_MAX_LENGTH,
    'feedback.summary_too_long',
    `summary must be at most ${SUMMARY_MAX_LENGTH} characters`,
    { length: summary.length },
  );
  return summary;
}

export function feedbackDetail(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  ensure(
    value.length <= DETAIL_MAX_LENGTH,
    'feedback.detail_too_long',
    `detail must be at most ${DETAIL_MAX_LENGTH} characters`,
    { length: value.length },
  );
  return value;
}

/**
 * Optional references to other records (projectId, artifactId, sourceId): blank means absent, so
 * a form that sends "" is judged by the attribution rules rather than stored as a fake id.
 */
export function optionalReference(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  ensure(
    value.length <= REFERENCE_MAX_LENGTH,
    'feedback.reference_too_long',
    `${field} must be at most ${REFERENCE_MAX_LENGTH} characters`,
    { field },
  );
  return value;
}
