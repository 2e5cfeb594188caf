import { randomUUID } from 'node:crypto';
import {
  BODY_PROBLEMS,
  getRoute,
  HttpProblem,
  notFound,
  problems,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findExport, insertExport, viewOfExport } from '../export/cost-export.repository.js';
import type { ExportBlobStore } from '../export/export-blob-store.js';
import { exportBody, exportIdParams, exportSchema } from './cost-export.schemas.js';

const TAGS = ['cost exports'];
/** `::` is a literal colon for Fastify's router: the Google-style custom method `:export`. */
const EXPORT_URL = '/v1/cost-signals::export';

/** Why an export fails at once on a service started without blob storage. */
export const NO_BLOB_STORAGE =
  'blob storage is not configured: set AZURE_STORAGE_CONNECTION_STRING';

/**
 * Export in the 202-and-status shape: the POST records the request and answers at once; the
 * `cost-export` job writes the CSV to Blob; the status route says when it is ready and the
 * download route streams it from Blob (never a SAS URL: the caller's token and tenancy hold).
 */
export function costExportRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  blobs: ExportBlobStore | undefined,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    EXPORT_URL,
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Export cost signals as CSV',
        description:
          'Records an export of the signals matching the filter (projectId, period, periodStart in [from, to)) and answers 202 with its status resource and a Location; the cost-export job writes the CSV to Azure Blob Storage. Poll GET /v1/cost-signals/exports/{id}; once succeeded, GET its downloadUrl. Exporting reads data, so it needs the read scope. A service without blob storage records the export as failed at once, with the reason.',
        body: exportBody,
        response: { 202: exportSchema, ...problems([...BODY_PROBLEMS]) },
      },
    },
    async (request, reply) => {
      const id = randomUUID();
      const now = new Date(ctx.clock());
      // Without blob storage the export cannot be written: it is recorded as failed with the
      // reason (the request itself was fine), rather than answering a 5xx.
      const row = {
        id,
        tenantId: request.auth.tenantId,
        status: blobs ? ('pending' as const) : ('failed' as const),
        filter: { ...request.body },
        requestedBy: request.auth.subject,
        requestedAt: now,
        completedAt: blobs ? null : now,
        blobName: null,
        rowCount: null,
        byteSize: null,
        error: blobs ? null : NO_BLOB_STORAGE,
      };
      await insertExport(ctx.dataSource, row);
      return reply
        .code(202)
        .header('location', `/v1/cost-signals/exports/${id}`)
        .send(viewOfExport(row));
    },
  );

  getRoute(app, {
    url: '/v1/cost-signals/exports/:id',
    tags: TAGS,
    summary: 'Get an export’s status',
    description: 'pending → succeeded (rowCount, byteSize, downloadUrl) or failed (error).',
    resource: 'cost export',
    params: exportIdParams,
    response: exportSchema,
    find: async (tenantId, id) => {
      const row = await findExport(ctx.dataSource, tenantId, id);
      return row ? viewOfExport(row) : undefined;
    },
  });

  r.get(
    '/v1/cost-signals/exports/:id/download',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Download an export',
        description:
          "Streams the CSV from Blob storage (text/csv, RFC 4180, CRLF, a header row; columns in docs/services/cost-telemetry.md) without buffering it. 409 export_not_ready while pending or failed; another tenant's id answers 404. Needs the read scope.",
        params: exportIdParams,
        response: {
          200: {
            description: 'The CSV file',
            content: { 'text/csv': { schema: z.string().describe('CSV, UTF-8') } },
          },
          ...problems([400, 404, 409]),
        },
      },
    },
    async (request, reply) => {
      const row = await findExport(ctx.dataSource, request.auth.tenantId, request.params.id);
      if (!row) throw notFound('cost export', request.params.id);
      if (row.status !== 'succeeded' || row.blobName === null) {
        throw new HttpProblem(
          409,
          'export_not_ready',
          'Conflict',
          `export ${row.id} is ${row.status}; download it once it has succeeded`,
        );
      }
      const blob = await blobs?.download(row.blobName);
      if (!blob) throw notFound('cost export file', row.id);
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="cost-signals-${row.id}.csv"`);
      if (blob.contentLength !== undefined) reply.header('content-length', blob.contentLength);
      // A stream, not the string the documented schema describes: Fastify pipes it untouched.
      return reply.send(blob.body as unknown as string);
    },
  );
}
