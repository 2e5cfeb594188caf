import { randomUUID } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ATTACHMENT_KINDS, type AttachmentKind, type FeedbackItem } from '@obs/domain';
import { HttpProblem, notFound, type Versioned } from '@obs/service-kit';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { BlobStore } from './blob-store.js';
import type { FeedbackServiceConfig } from './config.js';
import type { FeedbackItemStore } from './feedback-item.repository.js';

/** The multipart form: one `file` part, optionally preceded by a `kind` field. */
export const FILE_FIELD = 'file';
export const KIND_FIELD = 'kind';

/** Counts the bytes passing through and fails the stream once there are more than `max`. */
export class ByteLimit extends Transform {
  bytes = 0;
  exceeded = false;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) {
      this.exceeded = true;
      done(tooLarge(this.max));
      return;
    }
    done(null, chunk);
  }
}

export const tooLarge = (max: number): HttpProblem =>
  new HttpProblem(
    413,
    'attachment_too_large',
    'Payload Too Large',
    `the file is larger than the ${max}-byte limit (FEEDBACK_ATTACHMENT_MAX_BYTES)`,
  );

const badForm = (field: string, message: string): HttpProblem =>
  new HttpProblem(400, 'validation_failed', 'Bad Request', `invalid request: ${field}`, [
    { field, message },
  ]);

/** The media type of a part without parameters (`text/plain; charset=utf-8` → `text/plain`). */
export function mediaTypeOf(mimetype: string | undefined): string {
  return (mimetype ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The kind a file is unless the form names one: what a reader would open it with. */
export function defaultKind(contentType: string): AttachmentKind {
  if (contentType.startsWith('image/')) return 'screenshot';
  if (contentType === 'text/plain' || contentType === 'application/x-ndjson') return 'log';
  if (contentType === 'application/pdf' || contentType === 'text/markdown') return 'document';
  if (contentType === 'text/csv') return 'export';
  return 'other';
}

function kindOf(fields: MultipartFile['fields']): AttachmentKind | undefined {
  for (const [name, value] of Object.entries(fields)) {
    if (name === FILE_FIELD) continue;
    if (name !== KIND_FIELD) throw badForm(`body.${name}`, 'unknown field');
    const field = Array.isArray(value) ? undefined : value;
    if (field?.type !== 'field' || typeof field.value !== 'string') {
      throw badForm('body.kind', 'kind must be one text field');
    }
    if (!(ATTACHMENT_KINDS as readonly string[]).includes(field.value)) {
      throw badForm('body.kind', `kind must be one of ${ATTACHMENT_KINDS.join(', ')}`);
    }
    return field.value as AttachmentKind;
  }
  return undefined;
}

/**
 * POST /v1/feedback/{id}/attachments: streams the file part to Blob (never holding it whole in
 * memory) and then attaches it to the item in one unit of work. Every refusal that can be known
 * before the bytes arrive (unknown item, an item that accepts no more, a bad form, a media type
 * off the allow-list) is answered before a blob is written; any failure after the upload started
 * deletes the blob, so a failed upload leaves neither an attachment row nor an orphan blob.
 */
export class AttachmentUpload {
  constructor(
    private readonly store: FeedbackItemStore,
    private readonly blobs: BlobStore,
    private readonly config: FeedbackServiceConfig,
    private readonly clock: () => number,
  ) {}

  async upload(request: FastifyRequest, itemId: string): Promise<Versioned<FeedbackItem>> {
    if (!request.isMultipart()) {
      throw new HttpProblem(
        415,
        'unsupported_media_type',
        'Unsupported Media Type',
        'attachments are sent as multipart/form-data with a "file" part',
      );
    }
    const tenantId = request.auth.tenantId;
    const loaded = await this.store.load(tenantId, itemId);
    if (!loaded) throw notFound('feedback item', itemId);
    loaded.aggregate.ensureAcceptsAttachment();

    const max = this.config.attachmentMaxBytes;
    const part = await request.file({
      // One byte past the limit is enough to know it is too large; busboy discards the rest.
      limits: { fileSize: max + 1, files: 1, fields: 4, fieldSize: 1024, parts: 5 },
      throwFileSizeLimit: false,
    });
    if (!part) throw badForm('body.file', 'a "file" part is required');
    if (part.fieldname !== FILE_FIELD) {
      part.file.resume();
      throw badForm(`body.${part.fieldname}`, 'the file part must be named "file"');
    }
    let kind: AttachmentKind | undefined;
    try {
      kind = kindOf(part.fields);
    } catch (error) {
      part.file.resume();
      throw error;
    }
    const contentType = mediaTypeOf(part.mimetype);
    if (!this.config.attachmentContentTypes.includes(contentType)) {
      part.file.resume();
      throw new HttpProblem(
        415,
        'attachment_content_type_not_allowed',
        'Unsupported Media Type',
        `the file's content type "${contentType}" is not allowed; allowed: ${this.config.attachmentContentTypes.join(', ')}`,
      );
    }

    const attachmentId = randomUUID();
    const blobRef = `attachments/${tenantId}/${itemId}/${attachmentId}`;
    const limit = new ByteLimit(max);
    try {
      await Promise.all([
        pipeline(part.file, limit),
        this.blobs.upload(blobRef, limit, contentType),
      ]);
    } catch (error) {
      // Stop both ends (a storage failure leaves the form unread), then drop any blob.
      limit.destroy();
      part.file.resume();
      await this.blobs.delete(blobRef).catch(() => undefined);
      if (limit.exceeded) throw tooLarge(max);
      if (error instanceof HttpProblem) throw error;
      request.log.warn({ err: error }, 'attachment upload failed');
      throw new HttpProblem(
        503,
        'blob_unavailable',
        'Service Unavailable',
        'the attachment could not be stored; nothing was kept',
      );
    }

    try {
      return await this.store.change(
        { context: request.otelContext },
        tenantId,
        itemId,
        undefined,
        (item) =>
          item.attach({
            attachmentId,
            blobRef,
            kind: kind ?? defaultKind(contentType),
            contentType,
            sizeBytes: limit.bytes,
            fileName: part.filename,
            attachedAt: new Date(this.clock()).toISOString(),
          }),
      );
    } catch (error) {
      // The row was not written (the unit of work rolled back): neither may the blob stay.
      await this.blobs.delete(blobRef).catch(() => undefined);
      throw error;
    }
  }
}
