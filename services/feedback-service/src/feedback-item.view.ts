import type {
  AttachmentKind,
  FeedbackAttachment,
  FeedbackCategory,
  FeedbackItemSnapshot,
  FeedbackSource,
  FeedbackStatus,
  Sentiment,
} from '@obs/domain';

/** An attachment as the API lists it: its metadata and where to download it, never the blob name. */
export interface AttachmentView {
  readonly id: string;
  readonly kind: AttachmentKind;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly fileName: string | null;
  readonly attachedAt: string;
  readonly url: string;
}

/** The feedback item as the API shows it, with the stored version (the ETag). */
export interface FeedbackItemView {
  readonly id: string;
  readonly tenantId: string;
  readonly projectId: string | null;
  readonly artifactId: string | null;
  readonly moduleId: string | null;
  readonly source: FeedbackSource;
  readonly sourceId: string | null;
  readonly category: FeedbackCategory;
  readonly sentiment: Sentiment;
  readonly summary: string;
  readonly detail: string | null;
  readonly traceId: string | null;
  readonly status: FeedbackStatus;
  readonly routedTo: string | null;
  readonly createdAt: string;
  readonly routedAt: string | null;
  readonly appliedAt: string | null;
  readonly appliedChangeRef: string | null;
  readonly attachments: readonly AttachmentView[];
  readonly version: number;
}

export const attachmentUrl = (itemId: string, attachmentId: string): string =>
  `/v1/feedback/${itemId}/attachments/${attachmentId}`;

export function viewOfAttachment(itemId: string, attachment: FeedbackAttachment): AttachmentView {
  return {
    id: attachment.attachmentId,
    kind: attachment.kind,
    contentType: attachment.contentType,
    sizeBytes: attachment.sizeBytes,
    fileName: attachment.fileName,
    attachedAt: attachment.attachedAt,
    url: attachmentUrl(itemId, attachment.attachmentId),
  };
}

export function viewOfSnapshot(snapshot: FeedbackItemSnapshot, version: number): FeedbackItemView {
  return {
    id: snapshot.feedbackItemId,
    tenantId: snapshot.tenantId,
    projectId: snapshot.projectId,
    artifactId: snapshot.artifactId,
    moduleId: snapshot.moduleId,
    source: snapshot.source,
    sourceId: snapshot.sourceId,
    category: snapshot.category,
    sentiment: snapshot.sentiment,
    summary: snapshot.summary,
    detail: snapshot.detail,
    traceId: snapshot.traceId,
    status: snapshot.status,
    routedTo: snapshot.routedTo,
    createdAt: snapshot.createdAt,
    routedAt: snapshot.routedAt,
    appliedAt: snapshot.appliedAt,
    appliedChangeRef: snapshot.appliedChangeRef,
    attachments: snapshot.attachments.map((a) => viewOfAttachment(snapshot.feedbackItemId, a)),
    version,
  };
}
