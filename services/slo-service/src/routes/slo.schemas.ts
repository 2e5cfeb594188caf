import {
  BURN_ALERT_RULE_NAMES,
  BURN_ALERT_SEVERITIES,
  LATENCY_PERCENTILES,
  MAX_BURN_ALERT_RECEIVERS,
  SLO_BURN_WINDOWS,
  SLO_QUALITY_DIMENSIONS,
  SLO_STATUSES,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';

/*
 * Request schemas check types and the bounds a column needs; what a value must be (a target in
 * (0, 100] with six decimals, distinct metrics, a positive threshold, a window that ends after it
 * starts) is the domain's to decide, and it answers 422 with the invariant's code.
 */

const SLO_ID = 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b';
const CREATED_AT = '2024-05-01T09:00:00.000Z';
const EVALUATED_AT = '2024-05-01T10:30:00.000Z';
/** A year and a day: the longest rolling window accepted (OpenSLO's 1y, in minutes, with room). */
export const MAX_WINDOW_MINUTES = 366 * 24 * 60;

const RATIO_EXAMPLE = {
  kind: 'ratio',
  goodMetric: 'checkout.requests.good',
  totalMetric: 'checkout.requests',
  filter: { service: 'payments-api' },
} as const;
const LATENCY_EXAMPLE = {
  kind: 'latency',
  metric: 'http.server.duration',
  percentile: 'p99',
  threshold: 300,
  filter: {},
} as const;

const filterSchema = z
  .record(z.string(), z.string())
  .describe(
    'Group values a metric window must carry to count (e.g. {"service":"payments-api"}); at most 20, empty counts every group',
  )
  .meta({ example: { service: 'payments-api' } });

export const ratioSliSchema = z
  .strictObject({
    kind: z.literal('ratio'),
    goodMetric: z.string().describe('Metric whose window sum counts the good events'),
    totalMetric: z.string().describe('Metric whose window sum counts all events'),
    filter: filterSchema.optional(),
  })
  .describe(
    'good/total from two metrics: each 1m window of a metric contributes its sum (a counter: the events in the window)',
  )
  .meta({ example: RATIO_EXAMPLE });

export const latencySliSchema = z
  .strictObject({
    kind: z.literal('latency'),
    metric: z.string().describe('A histogram metric (e.g. http.server.duration)'),
    percentile: z.enum(LATENCY_PERCENTILES).describe('Which percentile of each window is compared'),
    threshold: z
      .number()
      .describe('Good while the percentile is at most this, in the metric’s unit'),
    filter: filterSchema.optional(),
  })
  .describe(
    'Latency threshold: the count events of a 1m window are all good when its chosen percentile is ≤ threshold, all bad otherwise',
  )
  .meta({ example: LATENCY_EXAMPLE });

export const sliInputSchema = z
  .discriminatedUnion('kind', [ratioSliSchema, latencySliSchema])
  .describe('The service-level indicator')
  .meta({ example: RATIO_EXAMPLE });

export const sliSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('ratio'),
      goodMetric: z.string(),
      totalMetric: z.string(),
      filter: z.record(z.string(), z.string()),
    }),
    z.object({
      kind: z.literal('latency'),
      metric: z.string(),
      percentile: z.enum(LATENCY_PERCENTILES),
      threshold: z.number(),
      filter: z.record(z.string(), z.string()),
    }),
  ])
  .describe('The service-level indicator')
  .meta({ example: RATIO_EXAMPLE });

const RECEIVER_ID = '0b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const BURN_RATE_ALERTS_EXAMPLE = { enabled: true, receivers: [RECEIVER_ID] };

export const burnRateAlertsBody = z
  .strictObject({
    enabled: z.boolean().optional().describe('Whether the burn-rate alerts fire (default true)'),
    receivers: z
      .array(z.uuid().describe('A receiver id of the tenant (/v1/receivers on alert-rule-service)'))
      .max(MAX_BURN_ALERT_RECEIVERS)
      .optional()
      .describe(
        `Receivers the SloBurnRateAlertFired/Resolved events name for notification; at most ${MAX_BURN_ALERT_RECEIVERS} (default none)`,
      ),
  })
  .describe(
    'Multiwindow burn-rate alerts: page at 14.4× over 1h and 5m or 6× over 6h and 30m, ticket at 1× over 3d and 6h. Left out: on, with no receivers.',
  )
  .meta({ example: BURN_RATE_ALERTS_EXAMPLE });

const burnRateAlertsSchema = z
  .object({ enabled: z.boolean(), receivers: z.array(z.string()) })
  .describe('The burn-rate alert settings')
  .meta({ example: BURN_RATE_ALERTS_EXAMPLE });

const DEFINITION_EXAMPLE = {
  name: 'Payments availability',
  projectId: 'checkout',
  target: 99.9,
  windowMinutes: 43_200,
  sli: RATIO_EXAMPLE,
  burnRateAlerts: BURN_RATE_ALERTS_EXAMPLE,
};

export const sloDefinitionBody = z
  .strictObject({
    name: z.string().describe('1-200 characters; unique per tenant and project (409)'),
    projectId: z.string().describe('Project whose metric windows the SLO counts'),
    target: z
      .number()
      .describe('Objective in percent of good events, (0, 100] with at most six decimals'),
    windowMinutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_WINDOW_MINUTES)
      .describe('Rolling window in minutes (43200 = 30 days)'),
    sli: sliInputSchema,
    burnRateAlerts: burnRateAlertsBody.optional(),
    qualityDimension: z
      .enum(SLO_QUALITY_DIMENSIONS)
      .optional()
      .describe(
        'The quality dimension the SLO guards, which its breaches lower in the quality score; left out: performance for a latency SLI, reliability otherwise',
      ),
  })
  .describe('An SLO definition')
  .meta({ example: DEFINITION_EXAMPLE });

export const maintenanceWindowBody = z
  .strictObject({
    start: z.iso.datetime({ offset: true }).describe('Inclusive start (ISO-8601)'),
    end: z.iso.datetime({ offset: true }).describe('Exclusive end, after start'),
    reason: z.string().nullable().optional().describe('Why (≤ 1000 characters)'),
  })
  .describe('A time range whose metric windows are left out of the budget')
  .meta({
    example: {
      start: '2024-05-01T22:00:00Z',
      end: '2024-05-01T23:00:00Z',
      reason: 'Database failover drill',
    },
  });

const maintenanceWindowSchema = z
  .object({
    id: z.uuid(),
    start: z.string(),
    end: z.string(),
    reason: z.string().nullable(),
  })
  .describe('A maintenance window')
  .meta({
    example: {
      id: '0b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
      start: '2024-05-01T22:00:00.000Z',
      end: '2024-05-01T23:00:00.000Z',
      reason: 'Database failover drill',
    },
  });

export const statusSchema = z
  .enum(SLO_STATUSES)
  .describe('healthy, at-risk (a burn-rate pair fires or < 25 % budget left) or breached')
  .meta({ example: 'healthy' });

export const sloSchema = z
  .object({
    id: z.uuid(),
    tenantId: z.string(),
    projectId: z.string(),
    name: z.string(),
    sli: sliSchema,
    target: z.number(),
    windowMinutes: z.number().int(),
    errorBudget: z.number().describe('100 − target, percent of events'),
    budgetRemaining: z.number().describe('max(0, errorBudget − bad %) over the rolling window'),
    status: statusSchema,
    lastEvaluatedAt: z.string().nullable().describe('Event time of the last evaluation'),
    maintenanceWindows: z.array(maintenanceWindowSchema),
    burnRateAlerts: burnRateAlertsSchema,
    qualityDimension: z
      .enum(SLO_QUALITY_DIMENSIONS)
      .describe('The quality dimension it guards: declared, or its SLI default'),
    qualityDimensionDeclared: z
      .boolean()
      .describe('Whether the definition names qualityDimension (false: the SLI default)'),
    createdAt: z.string(),
    version: z
      .number()
      .int()
      .describe(
        'Also the ETag; each evaluation stores a new version too, so re-read before If-Match',
      ),
  })
  .describe('An SLO')
  .meta({
    example: {
      id: SLO_ID,
      tenantId: 'acme',
      ...DEFINITION_EXAMPLE,
      sli: RATIO_EXAMPLE,
      errorBudget: 0.1,
      budgetRemaining: 0.06,
      status: 'healthy',
      lastEvaluatedAt: EVALUATED_AT,
      maintenanceWindows: [],
      createdAt: CREATED_AT,
      version: 7,
    },
  });

const rate = z.number().nullable();

const activeBurnAlertSchema = z
  .object({
    severity: z.enum(BURN_ALERT_SEVERITIES),
    firedAt: z.string().describe('Event time of the evaluation that fired it'),
    rules: z
      .array(z.enum(BURN_ALERT_RULE_NAMES))
      .describe('Rules firing: page-1h-5m (14.4×), page-6h-30m (6×), ticket-3d-6h (1×)'),
  })
  .describe('A burn-rate alert firing now')
  .meta({
    example: { severity: 'page', firedAt: EVALUATED_AT, rules: ['page-1h-5m'] },
  });
const burnRatesExample = { '5m': 0.4, '30m': 0.5, '1h': 0.45, '6h': 0.38 };

export const sloStatusSchema = z
  .object({
    sloId: z.uuid(),
    status: statusSchema,
    target: z.number(),
    windowMinutes: z.number().int(),
    errorBudget: z.number(),
    budgetRemaining: z.number(),
    budgetRemainingPct: z.number().describe('budgetRemaining as a percentage of the error budget'),
    badPct: z.number().describe('Bad events over the rolling window, percent'),
    badEvents: z.number().int(),
    totalEvents: z.number().int(),
    burnRate: rate.describe('Over the rolling window; null when the error budget is 0'),
    burnRates: z
      .object(
        Object.fromEntries(SLO_BURN_WINDOWS.map((w) => [w, rate])) as Record<
          (typeof SLO_BURN_WINDOWS)[number],
          typeof rate
        >,
      )
      .describe('bad ratio / (1 − target/100) over the last 5m, 30m, 1h and 6h')
      .meta({ example: burnRatesExample }),
    firingAlerts: z
      .array(z.enum(['fast', 'slow']))
      .describe('fast: 1h & 5m both ≥ 14.4×; slow: 6h & 30m both ≥ 6×'),
    activeBurnAlerts: z
      .array(activeBurnAlertSchema)
      .describe('The burn-rate alerts firing at the last evaluation, one per severity at most'),
    lastEvaluatedAt: z.string().nullable(),
    version: z.number().int(),
  })
  .describe('The budget picture of an SLO at its last evaluation')
  .meta({
    example: {
      sloId: SLO_ID,
      status: 'healthy',
      target: 99.9,
      windowMinutes: 43_200,
      errorBudget: 0.1,
      budgetRemaining: 0.06,
      budgetRemainingPct: 60,
      badPct: 0.04,
      badEvents: 40,
      totalEvents: 100_000,
      burnRate: 0.4,
      burnRates: burnRatesExample,
      firingAlerts: [],
      activeBurnAlerts: [],
      lastEvaluatedAt: EVALUATED_AT,
      version: 7,
    },
  });

export const burnEventSchema = z
  .object({
    timestamp: z.string(),
    burnedPct: z.number().describe('Share of the error budget used, percent in [0, 100]'),
  })
  .describe('A BudgetBurnEvent: how much of the budget was burned at an evaluation')
  .meta({ example: { timestamp: EVALUATED_AT, burnedPct: 40 } });

export const importResultSchema = z
  .object({ items: z.array(sloSchema) })
  .describe('The SLOs created, in document order')
  .meta({ example: { items: [] } });

export const idParams = z
  .object({ id: z.uuid().describe('SLO id').meta({ example: SLO_ID }) })
  .meta({ example: { id: SLO_ID } });

const pageQuery = z.object({
  limit: keysetPageQuery.limit.meta({ example: 50 }),
  cursor: keysetPageQuery.cursor.meta({ example: `1714554000000.${SLO_ID}` }),
});

export const listQuery = pageQuery
  .extend({
    projectId: z.string().max(256).optional().describe('Only this project').meta({
      example: 'checkout',
    }),
    status: statusSchema.optional(),
  })
  .meta({ example: { projectId: 'checkout', limit: 50 } });

export const burnEventsQuery = pageQuery.meta({ example: { limit: 100 } });

export const OPENSLO_EXAMPLE = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: payments-availability
  displayName: Payments availability
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 30d
      isRolling: true
  objectives:
    - target: 0.999
  indicator:
    metadata:
      name: payments-good-ratio
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            spec:
              metric: checkout.requests.good
        total:
          metricSource:
            spec:
              metric: checkout.requests
`;

export const importBody = z
  .string()
  .describe('OpenSLO v1 YAML: one or more documents of kind SLO with an inline indicator')
  .meta({ example: OPENSLO_EXAMPLE });
