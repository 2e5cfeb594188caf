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

const POLICY_STEP = 'Present when the step comes from an escalation policy; absent otherwise.';

export const incidentEscalatedPayloadSchema = z.strictObject({
  incidentId: idSchema,
  level: z.number().int().min(1),
  target: idSchema.describe(
    'Who was paged at this level: the target of a step given by hand or by the default policy, or `<policy> step N` for a policy step',
  ),
  escalatedAt: instantSchema,
  escalationPolicyId: idSchema
    .nullable()
    .optional()
    .describe(`The escalation policy the incident follows. ${POLICY_STEP}`),
  receiverIds: z
    .array(idSchema)
    .optional()
    .describe(
      `Receivers (alert-rule-service /v1/receivers) this step notifies; alert-rule-service queues one notification each. ${POLICY_STEP}`,
    ),
  onCall: z
    .array(
      z.strictObject({
        scheduleId: idSchema,
        member: z
          .string()
          .min(1)
          .nullable()
          .describe(
            'Who the schedule puts on call at escalatedAt; null: nobody, or the schedule is gone',
          ),
      }),
    )
    .optional()
    .describe(`The step's schedules and who each puts on call. ${POLICY_STEP}`),
  title: z.string().min(1).optional().describe(`The incident's title. ${POLICY_STEP}`),
  severity: severitySchema.optional().describe(`The incident's severity. ${POLICY_STEP}`),
  projectId: idSchema.optional().describe(`The incident's project. ${POLICY_STEP}`),
  sourceRef: idSchema
    .nullable()
    .optional()
    .describe(`Alert fingerprint or sloId the incident opened from. ${POLICY_STEP}`),
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
  description:
    'An unacknowledged incident reached the next escalation step. A step of an escalation policy also names its receivers (alert-rule-service notifies each) and who its schedules put on call; older events and steps without a policy carry only incidentId, level, target and escalatedAt.',
  schema: incidentEscalatedPayloadSchema,
  example: {
    aggregateId: INCIDENT_ID,
    aggregateVersion: 2,
    occurredAt: '2024-05-01T10:25:01.000Z',
    payload: {
      incidentId: INCIDENT_ID,
      level: 2,
      target: 'payments step 2',
      escalatedAt: '2024-05-01T10:25:01.000Z',
      escalationPolicyId: '2a7c9e1f-3b5d-4f7a-9c1e-3f5a7b9c1d3e',
      receiverIds: ['6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f'],
      onCall: [{ scheduleId: '4d6f8a0c-2e4a-4c6e-8a0c-2e4a6c8e0a2c', member: 'alice@example.com' }],
      title: 'Payments p95 latency above 300 ms',
      severity: 'high',
      projectId: 'checkout',
      sourceRef: FINGERPRINT,
    },
  },
});
