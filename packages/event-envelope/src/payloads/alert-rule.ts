import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { groupSchema, idSchema, instantSchema, severitySchema } from './common.js';

export const AGGREGATIONS = ['count', 'sum', 'avg', 'p50', 'p95', 'p99'] as const;
export const COMPARISON_OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
export const ALERT_ACTION_TYPES = ['incident', 'webhook', 'email'] as const;

const actionsSchema = z
  .array(
    z.strictObject({
      type: z.enum(ALERT_ACTION_TYPES),
      target: z
        .string()
        .min(1)
        .describe(
          'incident: escalation target; webhook: a receiver id (or, for a legacy URL webhook, only its origin); email: an address',
        ),
    }),
  )
  .max(20)
  .optional()
  .describe(
    "The rule's actions when it fired. Absent from older producers' events: consumers treat absence as the old behaviour (an incident is opened).",
  );

/** The fields AlertTriggered and AlertResolved share, in the order both documents list them. */
const ruleFields = { alertRuleId: idSchema, ruleName: z.string().min(1) };
const conditionFields = {
  groupKey: z.string(),
  group: groupSchema,
  severity: severitySchema,
  metric: idSchema,
  aggregation: z.enum(AGGREGATIONS),
  operator: z.enum(COMPARISON_OPERATORS),
  threshold: z.number(),
};
const scopeFields = { projectId: idSchema, moduleId: idSchema.nullable(), actions: actionsSchema };

export const alertTriggeredPayloadSchema = z.strictObject({
  ...ruleFields,
  fingerprint: idSchema.describe('Rule id + group key: one incident per unresolved fingerprint'),
  ...conditionFields,
  observedValue: z.number(),
  // 0 is the Prometheus `for: 0`: fire on the first breaching window.
  forMinutes: z.number().int().min(0),
  activeAt: instantSchema.describe('When the condition first held (pending since)'),
  firedAt: instantSchema,
  ...scopeFields,
  silenced: z
    .literal(true)
    .optional()
    .describe(
      'Present (true) when an active silence matched the alert when it fired: nothing is to be done (no notification, no incident), and `actions` is then empty so a consumer older than this field does nothing either. Absent otherwise.',
    ),
  silencedBy: z
    .array(idSchema)
    .min(1)
    .max(100)
    .optional()
    .describe('The ids of the silences that matched (with `silenced`)'),
  inhibitedBy: z
    .array(idSchema)
    .min(1)
    .max(100)
    .optional()
    .describe(
      'Present when inhibition rules muted the alert when it fired (a firing alert matched their source matchers with the same `equal` labels): their ids. Nothing is to be done (no notification, no incident), and `actions` is then empty so a consumer older than this field does nothing either. Absent otherwise.',
    ),
});

export const alertTriggered = defineEvent({
  eventType: 'AlertTriggered',
  eventVersion: 1,
  aggregateType: 'AlertRule',
  visibility: 'public',
  description:
    'An alert rule moved to firing for one group: once per firing episode, identified by its fingerprint.',
  schema: alertTriggeredPayloadSchema,
  example: {
    aggregateId: 'b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f',
    aggregateVersion: 5,
    occurredAt: '2024-05-01T10:10:00.000Z',
    payload: {
      alertRuleId: 'b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f',
      ruleName: 'Payments p95 latency',
      fingerprint: 'b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f:service=payments-api',
      groupKey: 'service=payments-api',
      group: { service: 'payments-api' },
      severity: 'high',
      metric: 'http.server.duration',
      aggregation: 'p95',
      operator: 'gt',
      threshold: 300,
      observedValue: 310,
      forMinutes: 5,
      activeAt: '2024-05-01T10:05:00.000Z',
      firedAt: '2024-05-01T10:10:00.000Z',
      projectId: 'checkout',
      moduleId: 'payments',
      actions: [
        { type: 'incident', target: 'payments-oncall' },
        { type: 'webhook', target: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f' },
      ],
    },
  },
});

export const alertResolvedPayloadSchema = z.strictObject({
  ...ruleFields,
  fingerprint: idSchema.describe('The fingerprint of the AlertTriggered of the episode it ends'),
  ...conditionFields,
  observedValue: z
    .number()
    .nullable()
    .describe('The value of the window that resolved it; null when the metric stopped reporting'),
  resolveAfterWindows: z
    .number()
    .int()
    .min(1)
    .describe('Closed windows without the condition that resolve an episode'),
  activeAt: instantSchema.describe("The episode's activeAt, as in its AlertTriggered"),
  firedAt: instantSchema.describe("The episode's firedAt, as in its AlertTriggered"),
  resolvedAt: instantSchema.describe('The end of the last window without the condition'),
  ...scopeFields,
});

export const alertResolved = defineEvent({
  eventType: 'AlertResolved',
  eventVersion: 1,
  aggregateType: 'AlertRule',
  visibility: 'public',
  description:
    'A firing episode ended: the condition did not hold for resolveAfterWindows closed windows (a missing window counts). Once per episode announced by AlertTriggered, same fingerprint.',
  schema: alertResolvedPayloadSchema,
  example: {
    aggregateId: 'b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f',
    aggregateVersion: 5,
    occurredAt: '2024-05-01T10:14:00.000Z',
    payload: {
      alertRuleId: 'b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f',
      ruleName: 'Payments p95 latency',
      fingerprint: 'b2d7e1f0-8a9c-4d3e-b5f6-7a8b9c0d1e2f:service=payments-api',
      groupKey: 'service=payments-api',
      group: { service: 'payments-api' },
      severity: 'high',
      metric: 'http.server.duration',
      aggregation: 'p95',
      operator: 'gt',
      threshold: 300,
      observedValue: 180,
      resolveAfterWindows: 1,
      activeAt: '2024-05-01T10:05:00.000Z',
      firedAt: '2024-05-01T10:10:00.000Z',
      resolvedAt: '2024-05-01T10:14:00.000Z',
      projectId: 'checkout',
      moduleId: 'payments',
      actions: [
        { type: 'incident', target: 'payments-oncall' },
        { type: 'webhook', target: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f' },
      ],
    },
  },
});
