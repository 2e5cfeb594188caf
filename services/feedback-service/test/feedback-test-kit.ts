import type {} from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { bearer, buildEvent, startTestService, type TestClock } from '@obs/service-kit/testing';
import { expect, inject } from 'vitest';
import { createFeedbackService } from '../src/app.js';
import { BlobStore } from '../src/blob-store.js';
import {
  DEFAULT_ATTACHMENT_CONTENT_TYPES,
  DEFAULT_ATTACHMENT_MAX_BYTES,
  DEFAULT_IDEMPOTENCY_TTL_HOURS,
  type FeedbackServiceConfig,
} from '../src/config.js';

/** Test helpers shared by the feedback-service integration tests (real Postgres, Kafka, Azurite). */

/** The blob container of the tests: the real Azurite (or storage account) of the global setup. */
export const TEST_CONTAINER = 'feedback-test';

export function testConfig(overrides: Partial<FeedbackServiceConfig> = {}): FeedbackServiceConfig {
  return {
    storageConnectionString: inject('infra').azureStorageConnectionString,
    blobContainer: TEST_CONTAINER,
    attachmentMaxBytes: DEFAULT_ATTACHMENT_MAX_BYTES,
    attachmentContentTypes: DEFAULT_ATTACHMENT_CONTENT_TYPES,
    // The tests run the export job with runOnce().
    exportIntervalMs: 0,
    idempotencyTtlHours: DEFAULT_IDEMPOTENCY_TTL_HOURS,
    ...overrides,
  };
}

/** The test container read directly, as an operator would (no service code in between). */
export function testBlobs(): BlobStore {
  return BlobStore.fromConnectionString(
    inject('infra').azureStorageConnectionString,
    TEST_CONTAINER,
  );
}

export async function startFeedbackService(
  options: {
    clock?: TestClock;
    config?: Partial<FeedbackServiceConfig>;
    runConsumers?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<RunningService> {
  return startTestService(createFeedbackService(testConfig(options.config)), {
    clock: options.clock?.now,
    runConsumers: options.runConsumers,
    runJobs: false,
    // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
    env: { RATE_LIMIT_MAX: '100000', ...options.env },
  });
}

/** A tenant no other test (or earlier run against the same database) uses. */
export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const writer = (tenantId: string) => bearer(tenantId, ['read', 'write']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);
export const machine = (tenantId: string) => bearer(tenantId, ['ingest']);

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export interface AttachmentBody {
  id: string;
  kind: string;
  contentType: string;
  sizeBytes: number;
  fileName: string | null;
  attachedAt: string;
  url: string;
}

export interface FeedbackBody {
  id: string;
  tenantId: string;
  projectId: string | null;
  artifactId: string | null;
  moduleId: string | null;
  source: string;
  sourceId: string | null;
  category: string;
  sentiment: string;
  summary: string;
  detail: string | null;
  traceId: string | null;
  status: string;
  routedTo: string | null;
  createdAt: string;
  routedAt: string | null;
  appliedAt: string | null;
  appliedChangeRef: string | null;
  attachments: AttachmentBody[];
  version: number;
}

export const SAMPLE = {
  projectId: 'checkout',
  category: 'performance',
  sentiment: 'negative',
  summary: 'Checkout is slow',
} as const;

export async function postFeedback(
  service: RunningService,
  tenantId: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = writer(tenantId),
): Promise<FeedbackBody> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/feedback',
    headers,
    payload: { ...SAMPLE, ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<FeedbackBody>();
}

export async function runVerb(
  service: RunningService,
  tenantId: string,
  id: string,
  verb: 'route' | 'apply',
  body: Record<string, unknown> = verb === 'route' ? { to: 'team-a' } : { changeRef: 'pr-1' },
) {
  return service.app.inject({
    method: 'POST',
    url: `/v1/feedback/${id}/${verb}`,
    headers: writer(tenantId),
    payload: body,
  });
}

export async function listOf(
  service: RunningService,
  tenantId: string,
  query = '',
): Promise<FeedbackBody[]> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/feedback${query}`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: FeedbackBody[] }>().items;
}

/** A multipart/form-data body built by hand: each part exactly as a browser would send it. */
export function multipartBody(
  parts: readonly (
    | { name: string; value: string }
    | { name: string; fileName: string; contentType: string; data: Buffer }
  )[],
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----feedback${randomUUID().replace(/-/g, '')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('value' in part) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`,
        ),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.fileName}"\r\nContent-Type: ${part.contentType}\r\n\r\n`,
        ),
        part.data,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

export async function uploadFile(
  service: RunningService,
  tenantId: string,
  itemId: string,
  file: { fileName?: string; contentType?: string; data: Buffer; kind?: string },
  headers: Record<string, string> = writer(tenantId),
) {
  const form = multipartBody([
    ...(file.kind ? [{ name: 'kind', value: file.kind }] : []),
    {
      name: 'file',
      fileName: file.fileName ?? 'notes.txt',
      contentType: file.contentType ?? 'text/plain',
      data: file.data,
    },
  ]);
  return service.app.inject({
    method: 'POST',
    url: `/v1/feedback/${itemId}/attachments`,
    headers: { ...headers, ...form.headers },
    payload: form.payload,
  });
}

/** Platform events, from the registered examples with this test's tenant and ids. */
export function incidentResolved(input: {
  tenantId: string;
  rootCause?: string;
  resolvedAt: string;
  traceId?: string | null;
}): Envelope<'IncidentResolved'> {
  const incidentId = randomUUID();
  return buildEvent('IncidentResolved', {
    tenantId: input.tenantId,
    traceId: input.traceId === undefined ? TRACE_ID : input.traceId,
    aggregateId: incidentId,
    occurredAt: input.resolvedAt,
    payload: {
      incidentId,
      rootCause: input.rootCause ?? 'Connection pool exhausted after a config change',
      resolvedAt: input.resolvedAt,
    },
  });
}

export function sloBreached(input: {
  tenantId: string;
  breachedAt: string;
  traceId?: string | null;
}): Envelope<'SloBreached'> {
  const sloId = randomUUID();
  return buildEvent('SloBreached', {
    tenantId: input.tenantId,
    traceId: input.traceId === undefined ? TRACE_ID : input.traceId,
    aggregateId: sloId,
    occurredAt: input.breachedAt,
    payload: { sloId, breachedAt: input.breachedAt },
  });
}

export function costAnomalyDetected(input: {
  tenantId: string;
  detectedAt: string;
  traceId?: string | null;
}): Envelope<'CostAnomalyDetected'> {
  const costSignalId = `checkout|model_inference|${randomUUID()}`;
  return buildEvent('CostAnomalyDetected', {
    tenantId: input.tenantId,
    traceId: input.traceId === undefined ? TRACE_ID : input.traceId,
    aggregateId: costSignalId,
    occurredAt: input.detectedAt,
    payload: { costSignalId, detectedAt: input.detectedAt },
  });
}

/**
 * Runs the export job until the export has left the queue. Other suites (the fuzz test) may have
 * queued exports before it, and each run finishes a bounded number, oldest first.
 */
export async function runExportJobUntilDone(
  service: RunningService,
  tenantId: string,
  exportId: string,
): Promise<void> {
  for (let run = 0; run < 100; run += 1) {
    await service.jobs.get('feedback-export')!.runOnce();
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/feedback/exports/${exportId}`,
      headers: reader(tenantId),
    });
    const status = res.json<{ status: string }>().status;
    if (status !== 'queued' && status !== 'running') return;
  }
  throw new Error(`export ${exportId} is still queued after 100 runs of the export job`);
}
