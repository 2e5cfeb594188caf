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

/** The multipart form: one `file` part and an optional `kind` field, in any order. */
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
    'Content Too Large',
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

/** A form field: only `kind`, once, one of the attachment kinds. */
function kindField(name: string, value: unknown, seen: AttachmentKind | undefined): AttachmentKind {
  if (name !== KIND_FIELD) throw badForm(`body.${name}`, 'unknown field');
  if (seen !== undefined) throw badForm('body.kind', 'kind is given more than once');
  if (typeof value !== 'string' || !(ATTACHMENT_KINDS as readonly string[]).includes(value)) {
    throw badForm('body.kind', `kind must be one of ${ATTACHMENT_KINDS.join(', ')}`);
  }
  return value as AttachmentKind;
}

/** A form busboy cannot read (no boundary, a broken part): the client's fault, never a 500. */
function malformed(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const status = (error as { statusCode?: unknown }).statusCode;
  if (status === 413) {
    return new HttpProblem(
      413,
      'form_too_large',
      'Content Too Large',
      'the form has too many parts',
    );
  }
  return new HttpProblem(
    400,
    'malformed_multipart',
    'Bad Request',
    `the multipart/form-data body cannot be read: ${(error as Error).message ?? 'malformed'}`,
    [{ field: 'body', message: 'malformed multipart/form-data' }],
  );
}

interface Uploaded {
  readonly blobRef: string;
  readonly attachmentId: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly fileName: string;
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

    // The whole form is read part by part: fields may come before or after the file, and the
    // file streams to Blob as its part arrives. Anything wrong with the form deletes the blob.
    let kind: AttachmentKind | undefined;
    let uploaded: Uploaded | undefined;
    let pending: string | undefined;
    try {
      const parts = request.parts({
        // One byte past the limit is enough to know it is too large; busboy discards the rest.
        limits: { fileSize: this.config.attachmentMaxBytes + 1, files: 2, fields: 10, parts: 12 },
      });
      for await (const part of parts) {
        if (part.type === 'field') {
          kind = kindField(part.fieldname, part.value, kind);
          continue;
        }
        if (part.fieldname !== FILE_FIELD || uploaded !== undefined) {
          part.file.resume();
          throw badForm(
            `body.${part.fieldname}`,
            uploaded === undefined ? 'the file part must be named "file"' : 'one file per request',
          );
        }
        pending = `attachments/${tenantId}/${itemId}/${randomUUID()}`;
        uploaded = await this.stream(part, pending, request);
      }
    } catch (error) {
      if (pending !== undefined) await this.blobs.delete(pending).catch(() => undefined);
      throw malformed(error);
    }
    if (!uploaded) throw badForm('body.file', 'a "file" part is required');
    const file = uploaded;

    try {
      return await this.store.change(
        { context: request.otelContext },
        tenantId,
        itemId,
        undefined,
        (item) =>
          item.attach({
            attachmentId: file.attachmentId,
            blobRef: file.blobRef,
            kind: kind ?? defaultKind(file.contentType),
            contentType: file.contentType,
            sizeBytes: file.sizeBytes,
            fileName: file.fileName,
            attachedAt: new Date(this.clock()).toISOString(),
          }),
      );
    } catch (error) {
      // The row was not written (the unit of work rolled back): neither may the blob stay.
      await this.blobs.delete(file.blobRef).catch(() => undefined);
      throw error;
    }
  }

  /** Streams one file part into the blob `blobRef` after checking its media type (415). */
  private async stream(
    part: MultipartFile,
    blobRef: string,
    request: FastifyRequest,
  ): Promise<Uploaded> {
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
    const max = this.config.attachmentMaxBytes;
    const limit = new ByteLimit(max);
    try {
      await Promise.all([
        pipeline(part.file, limit),
        this.blobs.upload(blobRef, limit, contentType),
      ]);
    } catch (error) {
      // Stop both ends (a storage failure leaves the form unread); the caller deletes the blob.
      limit.destroy();
      part.file.resume();
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
    return {
      blobRef,
      attachmentId: blobRef.slice(blobRef.lastIndexOf('/') + 1),
      contentType,
      sizeBytes: limit.bytes,
      fileName: part.filename,
    };
  }
}
