import {
  ATTACHMENT_KINDS,
  FEEDBACK_CATEGORIES,
  FEEDBACK_SOURCES,
  FEEDBACK_STATUSES,
  SENTIMENTS,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { EXPORT_STATUSES } from '../feedback-export.repository.js';

/*
 * Request schemas check types and the enumerations (an unknown field answers 400); what a value
 * must be beyond that (a non-blank summary, attribution, a sourceId for platform sources, a W3C
 * trace id, the lifecycle) is the domain's to decide, and it answers 422 with the invariant's code.
 */

const ITEM_ID = 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a';
const ATTACHMENT_ID = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
const EXPORT_ID = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CREATED_AT = '2024-05-01T11:40:02.000Z';

export const sourceSchema = z
  .enum(FEEDBACK_SOURCES)
  .describe('Who or what the feedback came from')
  .meta({ example: 'human' });
export const categorySchema = z
  .enum(FEEDBACK_CATEGORIES)
  .describe('What the feedback is about')
  .meta({ example: 'performance' });
export const sentimentSchema = z.enum(SENTIMENTS).meta({ example: 'negative' });
export const statusSchema = z
  .enum(FEEDBACK_STATUSES)
  .describe('captured → routed → applied')
  .meta({ example: 'captured' });

const text = (description: string, example: string) =>
  z.string().describe(description).meta({ example });
const optionalRef = (description: string, example: string) =>
  z.string().nullable().optional().describe(description).meta({ example });

export const idParams = z.object({ id: z.uuid().describe('The feedback item id') });
export const attachmentParams = z.object({
  id: z.uuid().describe('The feedback item id'),
  attachmentId: z.uuid().describe('The attachment id'),
});
export const exportParams = z.object({ id: z.uuid().describe('The export id') });

/** A printable key of up to 255 characters (draft-ietf-httpapi-idempotency-key-header). */
export const createFeedbackBody = z
  .strictObject({
    projectId: optionalRef(
      'Project the feedback is about (this or artifactId is required)',
      'checkout',
    ),
    artifactId: optionalRef(
      'Artifact (build, model, prompt, agent) the feedback is about',
      'payments-api',
    ),
    moduleId: optionalRef('Module of the project it is about (a routing label)', 'payments'),
    source: sourceSchema
      .optional()
      .describe(
        'Default: human for a token with the write scope, agent for an ingest-only token. incident and runtime-signal need a sourceId.',
      ),
    sourceId: optionalRef(
      'Id of the incident, SLO or signal it came from (≤ 256 characters)',
      'run-2024-05-01-17',
    ),
    category: categorySchema,
    sentiment: sentimentSchema,
    summary: text(
      'The headline, 1-500 characters (trimmed); frozen once routed',
      'Checkout page takes 4 s to load',
    ),
    detail: z.string().nullable().optional().describe('Free text, ≤ 10 000 characters'),
    traceId: z
      .string()
      .nullable()
      .optional()
      .describe('W3C trace id (32 lowercase hex) of a trace showing it'),
  })
  .describe('Feedback from a person (write scope) or an agent or machine (ingest scope)')
  .meta({
    example: {
      projectId: 'checkout',
      artifactId: 'payments-api',
      category: 'performance',
      sentiment: 'negative',
      summary: 'Checkout page takes 4 s to load',
      detail: 'Seen on mobile in EU regions since the 1.14 release.',
      traceId: TRACE_ID,
    },
  });

export const routeBody = z
  .strictObject({
    to: text('The team, backlog or agent it is routed to (1-256 characters)', 'team-payments'),
  })
  .describe('Where the item goes: captured → routed; the summary is frozen from here on')
  .meta({ example: { to: 'team-payments' } });

export const applyBody = z
  .strictObject({
    changeRef: text(
      'The change that applied it: a commit, pull request, deployment or ticket (1-256 characters)',
      'github:acme/checkout#1432',
    ),
  })
  .describe('routed → applied, naming the change that applied the improvement')
  .meta({ example: { changeRef: 'github:acme/checkout#1432' } });

export const editBody = z
  .strictObject({
    summary: text(
      'The new headline, 1-500 characters; refused once routed',
      'Checkout p95 above 2 s',
    ),
  })
  .describe('Edits the summary while the item is still captured')
  .meta({ example: { summary: 'Checkout p95 above 2 s' } });

export const attachmentSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(ATTACHMENT_KINDS),
    contentType: z.string(),
    sizeBytes: z.number().int(),
    fileName: z.string().nullable(),
    attachedAt: z.string(),
    url: z.string().describe('Where GET streams the file back'),
  })
  .describe('An attachment: evidence kept in Blob storage')
  .meta({
    example: {
      id: ATTACHMENT_ID,
      kind: 'screenshot',
      contentType: 'image/png',
      sizeBytes: 48213,
      fileName: 'checkout.png',
      attachedAt: CREATED_AT,
      url: `/v1/feedback/${ITEM_ID}/attachments/${ATTACHMENT_ID}`,
    },
  });

export const feedbackSchema = z
  .object({
    id: z.uuid(),
    tenantId: z.string(),
    projectId: z.string().nullable(),
    artifactId: z.string().nullable(),
    moduleId: z.string().nullable(),
    source: sourceSchema,
    sourceId: z.string().nullable(),
    category: categorySchema,
    sentiment: sentimentSchema,
    summary: z.string(),
    detail: z.string().nullable(),
    traceId: z.string().nullable(),
    status: statusSchema,
    routedTo: z.string().nullable(),
    createdAt: z.string(),
    routedAt: z.string().nullable(),
    appliedAt: z.string().nullable(),
    appliedChangeRef: z.string().nullable(),
    attachments: z.array(attachmentSchema),
    version: z.number().int(),
  })
  .describe('A feedback item')
  .meta({
    example: {
      id: ITEM_ID,
      tenantId: 'acme',
      projectId: 'checkout',
      artifactId: 'payments-api',
      moduleId: null,
      source: 'human',
      sourceId: null,
      category: 'performance',
      sentiment: 'negative',
      summary: 'Checkout page takes 4 s to load',
      detail: 'Seen on mobile in EU regions since the 1.14 release.',
      traceId: TRACE_ID,
      status: 'captured',
      routedTo: null,
      createdAt: CREATED_AT,
      routedAt: null,
      appliedAt: null,
      appliedChangeRef: null,
      attachments: [],
      version: 1,
    },
  });

const instant = (description: string) =>
  z.iso.datetime({ offset: true }).optional().describe(description);

/** The filter shared by the list and the export (every field optional, all must match). */
export const filterFields = {
  projectId: z.string().min(1).max(256).optional(),
  artifactId: z.string().min(1).max(256).optional(),
  source: z.enum(FEEDBACK_SOURCES).optional(),
  category: z.enum(FEEDBACK_CATEGORIES).optional(),
  sentiment: z.enum(SENTIMENTS).optional(),
  status: z.enum(FEEDBACK_STATUSES).optional(),
  routedTo: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe(
      'The inbox of a team, backlog or agent: items routed to it. An ingest-only token (an agent) reads its own inbox: this defaults to its subject, and another value answers 403',
    ),
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional()
    .describe('Items about this W3C trace (32 lowercase hex)'),
  from: instant('createdAt ≥ from (ISO-8601 with offset)'),
  to: instant('createdAt < to (ISO-8601 with offset); from ≥ to matches nothing'),
};

export const listQuery = z.object({ ...keysetPageQuery, ...filterFields });

export const exportFilterSchema = z
  .strictObject(filterFields)
  .describe('Which items to export; omitted fields match everything')
  .meta({
    example: { projectId: 'checkout', category: 'reliability', from: '2024-05-01T00:00:00Z' },
  });

export const exportBody = z
  .strictObject({ filter: exportFilterSchema.optional() })
  .describe('An export of the items matching the filter, written as NDJSON to Blob storage')
  .meta({ example: { filter: { projectId: 'checkout', status: 'captured' } } });

export const exportSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(EXPORT_STATUSES),
    filter: z.object(filterFields),
    requestedAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    itemCount: z.number().int().nullable(),
    sizeBytes: z.number().int().nullable(),
    error: z.string().nullable(),
    download: z
      .object({ url: z.string(), contentType: z.string() })
      .nullable()
      .describe('Once succeeded: GET url (same token) streams the NDJSON'),
  })
  .describe('An export job and, once it succeeded, where to download it')
  .meta({
    example: {
      id: EXPORT_ID,
      status: 'succeeded',
      filter: { projectId: 'checkout' },
      requestedAt: CREATED_AT,
      startedAt: CREATED_AT,
      completedAt: CREATED_AT,
      itemCount: 42,
      sizeBytes: 31877,
      error: null,
      download: {
        url: `/v1/feedback/exports/${EXPORT_ID}/download`,
        contentType: 'application/x-ndjson',
      },
    },
  });

/**
 * The multipart form of POST /v1/feedback/{id}/attachments, for the OpenAPI document only: the
 * route reads the form as a stream itself (the file is never parsed into a body).
 */
export const attachmentFormDoc = {
  type: 'object',
  required: ['file'],
  properties: {
    kind: {
      type: 'string',
      enum: [...ATTACHMENT_KINDS],
      description:
        'What the file is (before or after the file part). Default from its type: image → screenshot, text/plain and NDJSON → log, PDF and Markdown → document, CSV → export, otherwise other.',
    },
    file: {
      type: 'string',
      format: 'binary',
      description:
        'The file (one part); its part Content-Type must be on the allow-list (FEEDBACK_ATTACHMENT_CONTENT_TYPES) and its size within FEEDBACK_ATTACHMENT_MAX_BYTES',
    },
  },
  additionalProperties: false,
} as const;

export const binarySchema = z.string().meta({ format: 'binary' });
