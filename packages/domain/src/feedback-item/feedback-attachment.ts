import { ensure } from '../shared/domain-error.js';

/** What the blob holds, so a reader knows how to open it before downloading it. */
export const ATTACHMENT_KINDS = [
  'log',
  'trace',
  'screenshot',
  'export',
  'document',
  'other',
] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export const BLOB_REF_MAX_LENGTH = 1024;
/** An item is a headline with evidence, not a file store. */
export const MAX_ATTACHMENTS = 20;

/** Entity of FeedbackItem: a reference to evidence kept in Azure Blob, never the bytes. */
export interface FeedbackAttachment {
  readonly blobRef: string;
  readonly kind: AttachmentKind;
}

export interface FeedbackAttachmentInput {
  readonly blobRef: string;
  readonly kind: string;
}

export function feedbackAttachment(input: FeedbackAttachmentInput): FeedbackAttachment {
  ensure(
    typeof input.blobRef === 'string' &&
      input.blobRef.trim().length > 0 &&
      input.blobRef.length <= BLOB_REF_MAX_LENGTH,
    'feedback.attachment_blob_ref_required',
    `attachment blobRef is required (1-${BLOB_REF_MAX_LENGTH} characters)`,
  );
  ensure(
    (ATTACHMENT_KINDS as readonly string[]).includes(input.kind),
    'feedback.invalid_attachment_kind',
    `attachment kind must be one of ${ATTACHMENT_KINDS.join(', ')}`,
    { kind: input.kind },
  );
  return { blobRef: input.blobRef.trim(), kind: input.kind as AttachmentKind };
}

/** Attachments are a set keyed by blobRef, capped so the aggregate stays small. */
export function attachmentList(
  inputs: readonly FeedbackAttachmentInput[],
): readonly FeedbackAttachment[] {
  const list: FeedbackAttachment[] = [];
  for (const input of inputs) {
    const attachment = feedbackAttachment(input);
    ensure(
      !list.some((existing) => existing.blobRef === attachment.blobRef),
      'feedback.duplicate_attachment',
      'this blob is already attached',
      { blobRef: attachment.blobRef },
    );
    list.push(attachment);
  }
  ensure(
    list.length <= MAX_ATTACHMENTS,
    'feedback.too_many_attachments',
    `at most ${MAX_ATTACHMENTS} attachments per feedback item`,
    { count: list.length },
  );
  return list;
}
