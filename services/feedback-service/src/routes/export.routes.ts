import { randomUUID } from 'node:crypto';
import {
  HttpProblem,
  notFound,
  problems,
  BODY_PROBLEMS,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { streamedBody, type BlobStore } from '../blob-store.js';
import type { FeedbackExportRow, FeedbackExports } from '../feedback-export.repository.js';
import { binarySchema, exportBody, exportParams, exportSchema } from './feedback.schemas.js';
import { TAGS } from './feedback.routes.js';

const NDJSON = 'application/x-ndjson';
const statusUrl = (id: string) => `/v1/feedback/exports/${id}`;
const downloadUrl = (id: string) => `/v1/feedback/exports/${id}/download`;

function toDto(row: FeedbackExportRow): z.input<typeof exportSchema> {
  return {
    id: row.id,
    status: row.status,
    filter: { ...row.filter },
    requestedAt: row.requestedAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    completedAt: row.completedAt?.toISOString() ?? null,
    itemCount: row.itemCount,
    sizeBytes: row.sizeBytes,
    error: row.error,
    download: row.status === 'succeeded' ? { url: downloadUrl(row.id), contentType: NDJSON } : null,
  };
}

/**
 * Exports: POST queues one (202), the export job writes the NDJSON blob, GET shows its progress,
 * and `/download` streams the blob through the service with the caller's token (no SAS URL: the
 * storage account never faces clients, and the download obeys the same tenancy as every read).
 */
export function exportRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  exports: FeedbackExports,
  blobs: BlobStore,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/feedback::export',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Export feedback as NDJSON',
        description:
          'Queues an export of every item matching the filter (the list filter: projectId, artifactId, source, category, sentiment, status, from, to). Answers 202 with the export and a Location to poll; a background job writes one item per line (the GET /v1/feedback/{id} shape, newest first) to Blob storage. A malformed filter answers 400. Needs the read scope.',
        body: exportBody,
        response: { 202: exportSchema, ...problems([...BODY_PROBLEMS]) },
      },
    },
    async (request, reply) => {
      const row = await exports.request({
        id: randomUUID(),
        tenantId: request.auth.tenantId,
        filter: request.body.filter ?? {},
        requestedBy: request.auth.subject,
        at: new Date(ctx.clock()),
      });
      return reply.code(202).header('location', statusUrl(row.id)).send(toDto(row));
    },
  );

  r.get(
    '/v1/feedback/exports/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Get an export',
        description:
          "The export's status (queued, running, succeeded, failed), its counts and, once succeeded, the download URL. Another tenant's export answers 404. Needs the read scope.",
        params: exportParams,
        response: { 200: exportSchema, ...problems([400, 404]) },
      },
    },
    async (request) => {
      const row = await exports.find(request.auth.tenantId, request.params.id);
      if (!row) throw notFound('export', request.params.id);
      return toDto(row);
    },
  );

  r.get(
    '/v1/feedback/exports/:id/download',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Download an export',
        description:
          'Streams the NDJSON of a succeeded export from Blob storage. 409 export_not_ready while it is queued or running (or when it failed). Needs the read scope.',
        params: exportParams,
        response: {
          200: {
            description: 'One feedback item per line',
            content: { [NDJSON]: { schema: binarySchema } },
          },
          ...problems([400, 404, 409]),
        },
      },
    },
    async (request, reply) => {
      const row = await exports.find(request.auth.tenantId, request.params.id);
      if (!row) throw notFound('export', request.params.id);
      if (row.status !== 'succeeded' || row.blobRef === null) {
        throw new HttpProblem(
          409,
          'export_not_ready',
          'Conflict',
          `export ${row.id} is ${row.status}; download once it has succeeded`,
        );
      }
      const blob = await blobs.download(row.blobRef);
      if (!blob) throw notFound('export', request.params.id);
      return reply
        .type(NDJSON)
        .header('content-length', String(blob.contentLength ?? row.sizeBytes ?? 0))
        .header('content-disposition', `attachment; filename="feedback-export-${row.id}.ndjson"`)
        .send(streamedBody(blob.stream));
    },
  );
}
