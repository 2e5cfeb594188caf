import multipart from '@fastify/multipart';
import { MAX_ATTACHMENTS } from '@obs/domain';
import { notFound, problems, type ServiceContext } from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AttachmentUpload } from '../attachment-upload.js';
import { streamedBody, type BlobStore } from '../blob-store.js';
import type { FeedbackServiceConfig } from '../config.js';
import { findAttachment } from '../feedback-item.queries.js';
import { viewOfAttachment } from '../feedback-item.view.js';
import {
  attachmentFormDoc,
  attachmentParams,
  attachmentSchema,
  binarySchema,
  idParams,
} from './feedback.schemas.js';
import { TAGS } from './feedback.routes.js';

/** `filename="…"` for plain ASCII names, `filename*=UTF-8''…` (RFC 8187) for the rest. */
export function contentDisposition(fileName: string | null): string {
  if (fileName === null) return 'attachment';
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * Attachments, in their own plugin scope: only these routes parse multipart/form-data (every other
 * route keeps answering 415 for it), and the form is read as a stream by the upload.
 */
export async function attachmentRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  upload: AttachmentUpload,
  blobs: BlobStore,
  config: FeedbackServiceConfig,
): Promise<void> {
  await app.register(async (scoped) => {
    // The upload counts the bytes itself (ByteLimit) and answers 413 with its own problem.
    await scoped.register(multipart, { throwFileSizeLimit: false });
    const r = scoped.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/v1/feedback/:id/attachments',
      {
        config: { scope: 'write' },
        schema: {
          tags: TAGS,
          summary: 'Attach a file',
          description: `Uploads one file as multipart/form-data (one "file" part and an optional "kind" field, in any order) and attaches it to the item. The file is streamed to Blob storage, never held whole in memory. Larger than FEEDBACK_ATTACHMENT_MAX_BYTES (${config.attachmentMaxBytes} bytes here) answers 413; a part Content-Type off the allow-list (${config.attachmentContentTypes.join(', ')}) or a body that is not multipart answers 415. At most ${MAX_ATTACHMENTS} per item, none once applied (422). A failed upload keeps nothing: no attachment and no blob. Needs the write scope. 201 with the attachment and a Location header to download it.`,
          consumes: ['multipart/form-data'],
          params: idParams,
          // Documented as the form; validated by the upload itself as it streams.
          body: z.unknown().meta(attachmentFormDoc),
          response: {
            201: attachmentSchema,
            ...problems(
              [400, 404, 413, 415, 422],
              ['feedback.applied_immutable', 'feedback.too_many_attachments'],
            ),
          },
        },
      },
      async (request, reply) => {
        const saved = await upload.upload(request, request.params.id);
        const attachments = saved.aggregate.toSnapshot().attachments;
        const view = viewOfAttachment(saved.id, attachments[attachments.length - 1]!);
        return reply.code(201).header('location', view.url).send(view);
      },
    );

    r.get(
      '/v1/feedback/:id/attachments/:attachmentId',
      {
        config: { scope: 'read' },
        schema: {
          tags: TAGS,
          summary: 'Download an attachment',
          description:
            "Streams the file back from Blob storage with its content type, length and a Content-Disposition naming the uploaded file. Another tenant's item or attachment answers 404. Needs the read scope.",
          params: attachmentParams,
          response: {
            200: {
              description: 'The file, in the content type it was uploaded with',
              content: Object.fromEntries(
                config.attachmentContentTypes.map((type) => [type, { schema: binarySchema }]),
              ),
            },
            ...problems([400, 404]),
          },
        },
      },
      async (request, reply) => {
        const { id, attachmentId } = request.params;
        const row = await findAttachment(ctx.dataSource, request.auth.tenantId, id, attachmentId);
        if (!row) throw notFound('attachment', attachmentId);
        const blob = await blobs.download(row.blobRef);
        if (!blob) throw notFound('attachment', attachmentId);
        return reply
          .type(row.contentType)
          .header('content-length', String(blob.contentLength ?? row.sizeBytes))
          .header('content-disposition', contentDisposition(row.fileName))
          .header('x-content-type-options', 'nosniff')
          .send(streamedBody(blob.stream));
      },
    );
  });
}
