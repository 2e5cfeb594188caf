export type {
  FeedbackSource,
  FeedbackCategory,
  Sentiment,
  FeedbackStatus,
} from './feedback-values.js';
export {
  FEEDBACK_SOURCES,
  FEEDBACK_CATEGORIES,
  SENTIMENTS,
  FEEDBACK_STATUSES,
  SUMMARY_MAX_LENGTH,
  DETAIL_MAX_LENGTH,
  REFERENCE_MAX_LENGTH,
  feedbackSource,
  feedbackCategory,
  sentiment,
  feedbackStatus,
  requiresSourceId,
  feedbackSummary,
} from './feedback-values.js';
export type {
  AttachmentKind,
  FeedbackAttachment,
  FeedbackAttachmentInput,
} from './feedback-attachment.js';
export {
  ATTACHMENT_KINDS,
  MAX_ATTACHMENTS,
  BLOB_REF_MAX_LENGTH,
  FILE_NAME_MAX_LENGTH,
  feedbackAttachment,
} from './feedback-attachment.js';
export type {
  FeedbackItemCreatedPayload,
  FeedbackItemCreated,
  FeedbackItemRoutedPayload,
  FeedbackItemRouted,
  FeedbackItemAppliedPayload,
  FeedbackItemApplied,
  FeedbackItemEvent,
} from './feedback-item.events.js';
export { FEEDBACK_ITEM_AGGREGATE_TYPE } from './feedback-item.events.js';
export type {
  FeedbackItemSnapshot,
  CreateFeedbackItemInput,
  RouteFeedbackInput,
  ApplyFeedbackInput,
} from './feedback-item.aggregate.js';
export { FeedbackItem } from './feedback-item.aggregate.js';
export type { FeedbackDraft, IncidentResolvedFacts, DraftContext } from './feedback-drafts.js';
export {
  feedbackFromIncidentResolved,
  feedbackFromSloBreached,
  feedbackFromCostAnomaly,
  sloCategory,
} from './feedback-drafts.js';
