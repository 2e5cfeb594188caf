import type {} from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { bearer, buildEvent, startTestService, type TestClock } from '@obs/service-kit/testing';
import { expect } from 'vitest';
import { qualityScoreService } from '../src/app.js';

/** Test helpers shared by the quality-score-service integration tests (real Postgres and Kafka). */

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const DAY = { start: '2024-05-01T00:00:00.000Z', end: '2024-05-02T00:00:00.000Z' };

export async function startQualityService(
  options: { clock?: TestClock; runConsumers?: boolean } = {},
): Promise<RunningService> {
  return startTestService(qualityScoreService, {
    clock: options.clock?.now,
    runConsumers: options.runConsumers,
    // Suites send hundreds of requests per tenant within a minute; the limiter is the kit's concern.
    env: { RATE_LIMIT_MAX: '100000' },
  });
}

/** A tenant no other test (or earlier run against the same database) uses. */
export function uniqueTenant(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const writer = (tenantId: string) => bearer(tenantId, ['read', 'write']);
export const reader = (tenantId: string) => bearer(tenantId, ['read']);
export const ingester = (tenantId: string) => bearer(tenantId, ['read', 'ingest']);

export interface ScoreBody {
  id: string;
  tenantId: string;
  projectId: string;
  window: { start: string; end: string };
  computedAt: string;
  overall: number;
  dimensions: Record<
    'reliability' | 'performance' | 'cost_efficiency' | 'maintainability' | 'correctness',
    number
  >;
  artifactScores: { artifactId: string; score: number; openFeedbackCount: number }[];
  version: number;
}

export async function compute(
  service: RunningService,
  tenantId: string,
  projectId: string,
  window: { start: string; end: string } = DAY,
): Promise<ScoreBody> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/quality-scores:compute',
    headers: writer(tenantId),
    payload: { projectId, window },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ScoreBody>();
}

export async function latestOf(
  service: RunningService,
  tenantId: string,
  projectId: string,
): Promise<ScoreBody | undefined> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/quality-scores/${encodeURIComponent(projectId)}`,
    headers: reader(tenantId),
  });
  if (res.statusCode === 404) return undefined;
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ScoreBody>();
}

export async function historyOf(
  service: RunningService,
  tenantId: string,
  projectId: string,
  query = '',
): Promise<{ items: ScoreBody[]; nextCursor: string | null }> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/quality-scores/${encodeURIComponent(projectId)}/history${query}`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export function postChecks(
  service: RunningService,
  tenantId: string,
  projectId: string,
  results: Record<string, unknown>[],
) {
  return service.app.inject({
    method: 'POST',
    url: `/v1/quality-scores/${encodeURIComponent(projectId)}/check-results`,
    headers: ingester(tenantId),
    payload: { results },
  });
}

export function check(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    checkId: `ci/${randomUUID()}`,
    source: 'ci',
    name: 'unit tests',
    dimension: 'correctness',
    outcome: 'failed',
    completedAt: '2024-05-01T10:00:00Z',
    ...overrides,
  };
}

export function feedbackCreated(input: {
  tenantId: string;
  projectId?: string | null;
  category?: string;
  sentiment?: string;
  artifactId?: string | null;
  createdAt?: string;
  traceId?: string | null;
}): Envelope<'FeedbackItemCreated'> {
  const feedbackItemId = randomUUID();
  return buildEvent('FeedbackItemCreated', {
    tenantId: input.tenantId,
    traceId: input.traceId ?? null,
    aggregateId: feedbackItemId,
    aggregateVersion: 1,
    occurredAt: input.createdAt ?? '2024-05-01T12:00:00.000Z',
    payload: {
      feedbackItemId,
      projectId: input.projectId === undefined ? 'checkout' : input.projectId,
      artifactId: input.artifactId ?? null,
      source: 'human',
      sourceId: null,
      category: input.category ?? 'reliability',
      sentiment: input.sentiment ?? 'negative',
      summary: 'Checkout fails now and then',
      createdAt: input.createdAt ?? '2024-05-01T12:00:00.000Z',
    } as Envelope<'FeedbackItemCreated'>['payload'],
  });
}

export function incidentOpened(input: {
  tenantId: string;
  incidentId?: string;
  severity?: 'info' | 'warning' | 'high' | 'critical';
  openedAt?: string;
  projectId?: string;
}): Envelope<'IncidentOpened'> {
  const incidentId = input.incidentId ?? randomUUID();
  return buildEvent('IncidentOpened', {
    tenantId: input.tenantId,
    aggregateId: incidentId,
    aggregateVersion: 1,
    payload: {
      incidentId,
      severity: input.severity ?? 'high',
      projectId: input.projectId ?? 'checkout',
      openedAt: input.openedAt ?? '2024-05-01T10:00:00.000Z',
      dimensions: null,
    },
  });
}

export function incidentResolved(input: {
  tenantId: string;
  incidentId: string;
  severity?: 'info' | 'warning' | 'high' | 'critical';
  openedAt?: string;
  resolvedAt?: string;
  projectId?: string;
}): Envelope<'IncidentResolved'> {
  return buildEvent('IncidentResolved', {
    tenantId: input.tenantId,
    aggregateId: input.incidentId,
    aggregateVersion: 5,
    payload: {
      incidentId: input.incidentId,
      severity: input.severity ?? 'high',
      projectId: input.projectId ?? 'checkout',
      openedAt: input.openedAt ?? '2024-05-01T10:00:00.000Z',
      resolvedAt: input.resolvedAt ?? '2024-05-01T11:00:00.000Z',
      durationMs: 3_600_000,
    },
  });
}

export function sloBreached(input: {
  tenantId: string;
  name?: string;
  breachedAt?: string;
  projectId?: string;
}): Envelope<'SloBreached'> {
  const sloId = randomUUID();
  return buildEvent('SloBreached', {
    tenantId: input.tenantId,
    aggregateId: sloId,
    payload: {
      sloId,
      projectId: input.projectId ?? 'checkout',
      name: input.name ?? 'Payments availability',
      breachedAt: input.breachedAt ?? '2024-05-01T13:00:00.000Z',
    },
  });
}
