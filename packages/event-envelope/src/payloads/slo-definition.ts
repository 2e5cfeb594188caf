import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { groupSchema, idSchema, instantSchema, traceIdSchema } from './common.js';

/** Percentages as docs/design.md#slo has them: target in (0,100], errorBudget = 100 - target. */
const percent = z.number().min(0).max(100);

export const sloBreachedPayloadSchema = z.strictObject({
  sloId: idSchema,
  projectId: idSchema,
  name: z.string().min(1),
  target: z.number().gt(0).max(100).describe('Objective in percent of good events, e.g. 99.9'),
  windowMinutes: z.number().int().min(1),
  errorBudget: percent.describe('100 - target, in percent of events'),
  // Breached means exactly "the whole budget is used", so the contract fixes this at 0.
  budgetRemaining: z.literal(0),
  badPct: percent.describe('Observed bad events over the window, in percent'),
  breachedAt: instantSchema,
  dimension: z
    .enum(['reliability', 'performance'])
    .optional()
    .describe(
      'The quality dimension the SLO guards, from its indicator: latency → performance, else reliability. Absent in events before issue 29 (consumers then judge by the name).',
    ),
});

export const sloBreached = defineEvent({
  eventType: 'SloBreached',
  eventVersion: 1,
  aggregateType: 'SloDefinition',
  visibility: 'public',
  description:
    'An SLO used its whole error budget over its rolling window (with at least one bad event); once per breach.',
  schema: sloBreachedPayloadSchema,
  example: {
    aggregateId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
    aggregateVersion: 3,
    occurredAt: '2024-05-01T10:30:00.000Z',
    payload: {
      sloId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
      projectId: 'checkout',
      name: 'Payments availability',
      target: 99.9,
      windowMinutes: 43_200,
      errorBudget: 0.1,
      budgetRemaining: 0,
      badPct: 0.12,
      breachedAt: '2024-05-01T10:30:00.000Z',
    },
  },
});

export const SLO_BURN_ALERT_SEVERITIES = ['page', 'ticket'] as const;
export const SLO_BURN_ALERT_WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;
export const SLO_BURN_ALERT_RULES = ['page-1h-5m', 'page-6h-30m', 'ticket-3d-6h'] as const;

const burnRate = z
  .number()
  .min(0)
  .nullable()
  .describe('bad ratio / (1 - target/100); null when the error budget is 0 (target 100)');
const burnWindow = z.enum(SLO_BURN_ALERT_WINDOWS);

const burnRuleSchema = z
  .strictObject({
    rule: z.enum(SLO_BURN_ALERT_RULES),
    longWindow: burnWindow,
    shortWindow: burnWindow,
    threshold: z.number().positive().describe('Burn rate both windows must reach (14.4, 6 or 1)'),
    longBurnRate: burnRate,
    shortBurnRate: burnRate,
  })
  .describe('One multiwindow rule of the severity, with the burn rates seen at the evaluation');

/** What SloBurnRateAlertFired and SloBurnRateAlertResolved share, in the same order in both. */
const burnAlertFields = {
  sloId: idSchema,
  projectId: idSchema,
  name: z.string().min(1),
  severity: z
    .enum(SLO_BURN_ALERT_SEVERITIES)
    .describe('page: 14.4x over 1h and 5m, or 6x over 6h and 30m; ticket: 1x over 3d and 6h'),
  target: z.number().gt(0).max(100),
  windowMinutes: z.number().int().min(1),
  errorBudget: percent,
  budgetRemaining: percent.describe('Over the rolling window at the evaluation'),
  rules: z
    .array(burnRuleSchema)
    .min(1)
    .max(3)
    .describe('Fired: the rules that fired; Resolved: those firing until the short window cleared'),
  burnRates: z
    .strictObject({
      '5m': burnRate,
      '30m': burnRate,
      '1h': burnRate,
      '6h': burnRate,
      '3d': burnRate,
    })
    .describe('Burn rate over every alert window at the evaluation'),
  dimensions: groupSchema.describe('The group values the SLO counts (its SLI filter); {} for all'),
  receivers: z
    .array(idSchema)
    .max(10)
    .describe('Receiver ids the SLO names for its burn-rate alerts (may be empty)'),
  traceIds: z.array(traceIdSchema).max(10).describe('Traces of the burn when known'),
  firedAt: instantSchema.describe('Event time of the evaluation that fired the alert'),
};

export const sloBurnRateAlertFiredPayloadSchema = z.strictObject(burnAlertFields);

export const sloBurnRateAlertResolvedPayloadSchema = z.strictObject({
  ...burnAlertFields,
  resolvedAt: instantSchema.describe('Event time of the evaluation whose short windows cleared'),
});

const BURN_EXAMPLE = {
  sloId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
  projectId: 'checkout',
  name: 'Payments availability',
  severity: 'page' as const,
  target: 99.9,
  windowMinutes: 43_200,
  errorBudget: 0.1,
  budgetRemaining: 0.098,
  rules: [
    {
      rule: 'page-1h-5m' as const,
      longWindow: '1h' as const,
      shortWindow: '5m' as const,
      threshold: 14.4,
      longBurnRate: 20,
      shortBurnRate: 20,
    },
  ],
  burnRates: { '5m': 20, '30m': 20, '1h': 20, '6h': 20, '3d': 0.35 },
  dimensions: { service: 'payments-api' },
  receivers: ['0b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d'],
  traceIds: [],
  firedAt: '2024-05-01T10:05:00.000Z',
};

export const sloBurnRateAlertFired = defineEvent({
  eventType: 'SloBurnRateAlertFired',
  eventVersion: 1,
  aggregateType: 'SloDefinition',
  visibility: 'public',
  description:
    'A multiwindow burn-rate alert of an SLO started firing (Google SRE workbook: page at 14.4x over 1h and 5m or 6x over 6h and 30m, ticket at 1x over 3d and 6h); once per firing episode and severity, long before the budget is spent.',
  schema: sloBurnRateAlertFiredPayloadSchema,
  example: {
    aggregateId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
    aggregateVersion: 6,
    occurredAt: '2024-05-01T10:05:00.000Z',
    payload: BURN_EXAMPLE,
  },
});

export const sloBurnRateAlertResolved = defineEvent({
  eventType: 'SloBurnRateAlertResolved',
  eventVersion: 1,
  aggregateType: 'SloDefinition',
  visibility: 'public',
  description:
    'A burn-rate alert of an SLO stopped firing: the short window of every rule that was firing burns below its threshold again (or the alerts were disabled, or the SLO redefined).',
  schema: sloBurnRateAlertResolvedPayloadSchema,
  example: {
    aggregateId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
    aggregateVersion: 19,
    occurredAt: '2024-05-01T10:40:00.000Z',
    payload: {
      ...BURN_EXAMPLE,
      rules: [
        {
          rule: 'page-1h-5m',
          longWindow: '1h',
          shortWindow: '5m',
          threshold: 14.4,
          longBurnRate: 9.5,
          shortBurnRate: 0,
        },
      ],
      burnRates: { '5m': 0, '30m': 3.1, '1h': 9.5, '6h': 2.4, '3d': 0.36 },
      budgetRemaining: 0.097,
      resolvedAt: '2024-05-01T10:40:00.000Z',
    },
  },
});
