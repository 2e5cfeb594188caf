import { ensure } from '../kernel/domain-error.js';
import { requiredText } from '../kernel/ids.js';
import { parseInstant, toIso } from '../kernel/time.js';

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
export const FILE_NAME_MAX_LENGTH = 255;
/** An item is a headline with evidence, not a file store. */
export const MAX_ATTACHMENTS = 20;

/** `type/subtype` without parameters (RFC 9110 tokens): what the blob is served back as. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/**
 * Entity of FeedbackAttachment: a reference to evidence kept in Azure Blob, never the bytes. Its
 * media type and size are facts about the stored blob, kept so it can be listed and served back.
 */
export interface FeedbackAttachment {
  readonly attachmentId: string;
  readonly blobRef: string;
  readonly kind: AttachmentKind;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly fileName: string | null;
  readonly attachedAt: string;
}

export interface FeedbackAttachmentInput {
  readonly attachmentId: string;
  readonly blobRef: string;
  readonly kind: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly fileName?: string | null;
  readonly attachedAt: string;
}

export function feedbackAttachment(input: FeedbackAttachmentInput): FeedbackAttachment {
  const attachmentId = requiredText(
    input.attachmentId,
    'attachmentId',
    'feedback.invalid_attachment_id',
  );
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
  const contentType = typeof input.contentType === 'string' ? input.contentType.toLowerCase() : '';
  ensure(
    MEDIA_TYPE.test(contentType),
    'feedback.invalid_attachment_content_type',
    'attachment contentType must be a media type such as image/png',
    { contentType: input.contentType },
  );
  ensure(
    Number.isSafeInteger(input.sizeBytes) && input.sizeBytes >= 0,
    'feedback.invalid_attachment_size',
    'attachment sizeBytes must be a whole number of bytes ≥ 0',
    { sizeBytes: input.sizeBytes },
  );
  const fileName =
    input.fileName === null || input.fileName === undefined || input.fileName.trim() === ''
      ? null
      : input.fileName.trim();
  ensure(
    fileName === null || fileName.length <= FILE_NAME_MAX_LENGTH,
    'feedback.attachment_file_name_too_long',
    `attachment fileName must be at most ${FILE_NAME_MAX_LENGTH} characters`,
  );
  return {
    attachmentId,
    blobRef: input.blobRef.trim(),
    kind: input.kind as AttachmentKind,
    contentType,
    sizeBytes: input.sizeBytes,
    fileName,
    attachedAt: toIso(parseInstant(input.attachedAt, 'attachedAt')),
  };
}

/** True when `candidate` would be the same evidence twice (same id or same blob). */
export function sameAttachment(a: FeedbackAttachment, candidate: FeedbackAttachment): boolean {
  return a.attachmentId === candidate.attachmentId || a.blobRef === candidate.blobRef;
}

/** Attachments are a set keyed by attachmentId and blobRef, capped so the aggregate stays small. */
export function attachmentList(
  inputs: readonly FeedbackAttachmentInput[],
): readonly FeedbackAttachment[] {
  const list: FeedbackAttachment[] = [];
  for (const input of inputs) {
    const attachment = feedbackAttachment(input);
    ensure(
      !list.some((existing) => sameAttachment(existing, attachment)),
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
