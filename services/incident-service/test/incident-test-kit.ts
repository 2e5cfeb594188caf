import type {} from '@obs/local-infra';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { bearer, buildEvent, startTestService, type TestClock } from '@obs/service-kit/testing';
import { expect } from 'vitest';
import { createIncidentService } from '../src/app.js';
import {
  DEFAULT_ESCALATION_POLICY,
  DEFAULT_REPLAY_HORIZON_MS,
  type IncidentServiceConfig,
} from '../src/config.js';

/** Test helpers shared by the incident-service integration tests (real Postgres and Kafka). */

export const TEST_CONFIG: IncidentServiceConfig = {
  escalationPolicy: DEFAULT_ESCALATION_POLICY,
  // The tests drive the scheduler with tick(); the interval has its own test.
  escalationIntervalMs: 0,
  sloSeverity: 'critical',
  replayHorizonMs: DEFAULT_REPLAY_HORIZON_MS,
};

export async function startIncidentService(
  options: {
    clock?: TestClock;
    config?: Partial<IncidentServiceConfig>;
    runConsumers?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<RunningService> {
  return startTestService(createIncidentService({ ...TEST_CONFIG, ...options.config }), {
    clock: options.clock?.now,
    runConsumers: options.runConsumers,
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

export interface IncidentBody {
  id: string;
  tenantId: string;
  title: string;
  severity: string;
  status: string;
  source: string;
  sourceRef: string | null;
  traceId: string | null;
  projectId: string;
  moduleId: string | null;
  dimensions: Record<string, string> | null;
  openedAt: string;
  escalationStartsAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  rootCause: string | null;
  escalationPolicyId: string | null;
  escalationSteps: {
    level: number;
    target: string;
    delayMinutes: number;
    at: string | null;
    receiverIds?: string[];
    scheduleIds?: string[];
  }[];
  nextEscalationAt: string | null;
  version: number;
}

export interface TimelineLine {
  timestamp: string;
  type: string;
  actor: string;
  note: string | null;
}

export async function openManual(
  service: RunningService,
  tenantId: string,
  body: Record<string, unknown> = {},
): Promise<IncidentBody> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: writer(tenantId),
    payload: { title: 'Checkout is slow', severity: 'high', projectId: 'checkout', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<IncidentBody>();
}

export async function runCommand(
  service: RunningService,
  tenantId: string,
  id: string,
  verb: string,
  body: Record<string, unknown> = { actor: 'user-42' },
  headers: Record<string, string> = {},
) {
  return service.app.inject({
    method: 'POST',
    url: `/v1/incidents/${id}/${verb}`,
    headers: { ...writer(tenantId), ...headers },
    payload: body,
  });
}

export async function timelineOf(
  service: RunningService,
  tenantId: string,
  id: string,
): Promise<TimelineLine[]> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/incidents/${id}/events?limit=500`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: TimelineLine[] }>().items;
}

export async function listOf(
  service: RunningService,
  tenantId: string,
  query = '',
): Promise<IncidentBody[]> {
  const res = await service.app.inject({
    method: 'GET',
    url: `/v1/incidents${query}`,
    headers: reader(tenantId),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: IncidentBody[] }>().items;
}

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** An AlertTriggered of one rule and group, from the registered example (fingerprint rule:group). */
export function alertTriggered(input: {
  tenantId: string;
  alertRuleId?: string;
  groupKey?: string;
  group?: Record<string, string>;
  severity?: 'info' | 'warning' | 'high' | 'critical';
  firedAt: string;
  traceId?: string | null;
  projectId?: string;
  /** The rule's actions; the example's (an incident action) by default, null for none at all. */
  actions?: { type: 'incident' | 'webhook' | 'email'; target: string }[] | null;
}): Envelope<'AlertTriggered'> {
  const alertRuleId = input.alertRuleId ?? randomUUID();
  const groupKey = input.groupKey ?? 'service=payments-api';
  const event = buildEvent('AlertTriggered', {
    tenantId: input.tenantId,
    traceId: input.traceId === undefined ? TRACE_ID : input.traceId,
    aggregateId: alertRuleId,
    occurredAt: input.firedAt,
    payload: {
      alertRuleId,
      fingerprint: `${alertRuleId}:${groupKey}`,
      groupKey,
      group: input.group ?? { service: 'payments-api' },
      severity: input.severity ?? 'critical',
      observedValue: 412,
      activeAt: input.firedAt,
      firedAt: input.firedAt,
      projectId: input.projectId ?? 'checkout',
      moduleId: 'payments',
      ...(input.actions ? { actions: input.actions } : {}),
    },
  });
  if (input.actions !== null) return event;
  // As a producer older than the field sends it.
  const { actions: _omitted, ...payload } = event.payload;
  return { ...event, payload };
}

/** The AlertResolved ending the episode of an AlertTriggered (same rule, group, fingerprint). */
export function alertResolved(
  alert: Envelope<'AlertTriggered'>,
  resolvedAt: string,
  observedValue: number | null = 120,
): Envelope<'AlertResolved'> {
  const p = alert.payload;
  return buildEvent('AlertResolved', {
    tenantId: alert.tenantId,
    traceId: null,
    aggregateId: p.alertRuleId,
    occurredAt: resolvedAt,
    payload: {
      alertRuleId: p.alertRuleId,
      fingerprint: p.fingerprint,
      groupKey: p.groupKey,
      group: p.group,
      severity: p.severity,
      observedValue,
      activeAt: p.activeAt,
      firedAt: p.firedAt,
      resolvedAt,
      projectId: p.projectId,
      moduleId: p.moduleId,
    },
  });
}

/** An SloBreached of one SLO, from the registered example. */
export function sloBreached(input: {
  tenantId: string;
  sloId?: string;
  breachedAt: string;
  traceId?: string | null;
}): Envelope<'SloBreached'> {
  const sloId = input.sloId ?? randomUUID();
  return buildEvent('SloBreached', {
    tenantId: input.tenantId,
    traceId: input.traceId ?? null,
    aggregateId: sloId,
    occurredAt: input.breachedAt,
    payload: { sloId, projectId: 'checkout', breachedAt: input.breachedAt },
  });
}
