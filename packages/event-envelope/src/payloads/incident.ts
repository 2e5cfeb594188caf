import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import {
  EXAMPLE_DIMENSIONS,
  dimensionsSchema,
  idSchema,
  instantSchema,
  severitySchema,
} from './common.js';

export const INCIDENT_SOURCES = ['alert', 'slo', 'trace', 'manual'] as const;

const incidentIdentity = {
  incidentId: idSchema,
  title: z.string().min(1),
  severity: severitySchema,
  source: z.enum(INCIDENT_SOURCES),
  sourceRef: idSchema
    .nullable()
    .describe('Alert fingerprint, sloId or traceId, depending on source; null for manual'),
  projectId: idSchema,
  moduleId: idSchema.nullable(),
};

export const incidentOpenedPayloadSchema = z.strictObject({
  ...incidentIdentity,
  openedAt: instantSchema,
  dimensions: dimensionsSchema.nullable().describe('Telemetry dimensions when the source has them'),
});

export const incidentResolvedPayloadSchema = z.strictObject({
  ...incidentIdentity,
  rootCause: z.string().min(1),
  openedAt: instantSchema,
  resolvedAt: instantSchema,
  durationMs: z.number().min(0),
});

export const incidentAcknowledgedPayloadSchema = z.strictObject({
  incidentId: idSchema,
  actor: idSchema.describe('Subject (user or agent) that acknowledged'),
  acknowledgedAt: instantSchema,
});

export const incidentEscalatedPayloadSchema = z.strictObject({
  incidentId: idSchema,
  level: z.number().int().min(1),
  target: idSchema.describe('Who was paged at this level (user, team or schedule)'),
  escalatedAt: instantSchema,
});

const INCIDENT_ID = '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6c';
const FINGERPRINT = 'b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f:service=payments-api';

export const incidentOpened = defineEvent({
  eventType: 'IncidentOpened',
  eventVersion: 1,
  aggregateType: 'Incident',
  visibility: 'public',
  description:
    'An incident was opened from an alert, an SLO breach, a failing trace or by hand. A repeated alert fingerprint appends to the open incident instead.',
  schema: incidentOpenedPayloadSchema,
  example: {
    aggregateId: INCIDENT_ID,
    aggregateVersion: 1,
    occurredAt: '2024-05-01T10:10:01.000Z',
    payload: {
      incidentId: INCIDENT_ID,
      title: 'Payments p95 latency above 300 ms',
      severity: 'high',
      source: 'alert',
      sourceRef: FINGERPRINT,
      projectId: 'checkout',
      moduleId: 'payments',
      openedAt: '2024-05-01T10:10:01.000Z',
      dimensions: EXAMPLE_DIMENSIONS,
    },
  },
});

export const incidentResolved = defineEvent({
  eventType: 'IncidentResolved',
  eventVersion: 1,
  aggregateType: 'Incident',
  visibility: 'public',
  description: 'An incident was resolved with its root cause; durationMs = resolvedAt - openedAt.',
  schema: incidentResolvedPayloadSchema,
  example: {
    aggregateId: INCIDENT_ID,
    aggregateVersion: 5,
    occurredAt: '2024-05-01T11:40:01.000Z',
    payload: {
      incidentId: INCIDENT_ID,
      title: 'Payments p95 latency above 300 ms',
      severity: 'high',
      source: 'alert',
      sourceRef: FINGERPRINT,
      projectId: 'checkout',
      moduleId: 'payments',
      rootCause: 'Connection pool exhausted after a config change',
      openedAt: '2024-05-01T10:10:01.000Z',
      resolvedAt: '2024-05-01T11:40:01.000Z',
      durationMs: 5_400_000,
    },
  },
});

export const incidentAcknowledged = defineEvent({
  eventType: 'IncidentAcknowledged',
  eventVersion: 1,
  aggregateType: 'Incident',
  visibility: 'internal',
  description: 'Someone took ownership of an incident; stops its escalation.',
  schema: incidentAcknowledgedPayloadSchema,
  example: {
    aggregateId: INCIDENT_ID,
    aggregateVersion: 2,
    occurredAt: '2024-05-01T10:12:00.000Z',
    payload: {
      incidentId: INCIDENT_ID,
      actor: 'user-42',
      acknowledgedAt: '2024-05-01T10:12:00.000Z',
    },
  },
});

export const incidentEscalated = defineEvent({
  eventType: 'IncidentEscalated',
  eventVersion: 1,
  aggregateType: 'Incident',
  visibility: 'internal',
  description: 'An unacknowledged incident reached the next escalation step.',
  schema: incidentEscalatedPayloadSchema,
  example: {
    aggregateId: INCIDENT_ID,
    aggregateVersion: 2,
    occurredAt: '2024-05-01T10:25:01.000Z',
    payload: {
      incidentId: INCIDENT_ID,
      level: 2,
      target: 'team-payments-oncall',
      escalatedAt: '2024-05-01T10:25:01.000Z',
    },
  },
});
