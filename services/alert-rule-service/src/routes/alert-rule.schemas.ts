import {
  ALERT_ACTION_TARGET_MAX_LENGTH,
  ALERT_ACTION_TYPES,
  ALERT_AGGREGATIONS,
  ALERT_DIMENSION_MAX_LENGTH,
  ALERT_METRIC_MAX_LENGTH,
  ALERT_RULE_NAME_MAX_LENGTH,
  ALERT_SCOPE_ID_MAX_LENGTH,
  COMPARISON_OPERATORS,
  DEFAULT_ALERT_WINDOW,
  MAX_ACTIONS,
  DEFAULT_GROUP_INTERVAL_SECONDS,
  DEFAULT_GROUP_WAIT_SECONDS,
  DEFAULT_REPEAT_INTERVAL_SECONDS,
  GROUP_BY_LABEL_MAX_LENGTH,
  MAX_GROUP_BY_LABELS,
  MAX_GROUP_INTERVAL_SECONDS,
  MAX_GROUP_WAIT_SECONDS,
  MAX_REPEAT_INTERVAL_SECONDS,
  MAX_GROUP_BY,
  SEVERITIES,
  WINDOWS,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';

/*
 * Request schemas stay strict (an unknown field answers 400) and state every rule of the domain
 * that a schema can (lengths, non-blank, enums, bounds, list sizes), so a schema-valid request is
 * never refused with 400. What only the service and the domain can judge answers 422 with the
 * invariant's code: a metric the tenant does not report, a repeated groupBy dimension, an action
 * target that does not fit its type, the same action twice; a name taken in the scope answers 409.
 */

/** What JavaScript's trim() removes, spelled out: `\s` means other things in other regex engines. */
const SPACE = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;

/**
 * Required text as the domain means it: a character trim() keeps, and no U+0000 (PostgreSQL text
 * and jsonb cannot hold it). Documented as `not` all spaces, beside the pattern without U+0000 the
 * kit gives every free-form string; checked by a refinement, not a pattern of its own, so the
 * string stays free-form and generators reading its type and length reach the domain with it.
 */
export const nonBlank = (maxLength: number) =>
  z
    .string()
    .max(maxLength)
    .refine(
      (value) => value.trim() !== '' && !value.includes('\u0000'),
      'must not be blank or hold U+0000',
    )
    .meta({ not: { pattern: `^[${SPACE}]*$` } });

/** The 422 codes the domain can still refuse a schema-valid configuration with. */
export const RULE_DOMAIN_CODES = [
  'alert_rule.metric_unresolvable',
  'alert_rule.invalid_group_by',
  'alert_rule.invalid_action',
  'alert_rule.duplicate_action',
  'alert_rule.invalid_grouping',
  'alert_rule.unknown_receiver',
] as const;

const RULE_ID = '3f1c2b7a-9d4e-4c1f-8a2b-5e6d7f8a9b0c';
const EXAMPLE_CONDITION = {
  metric: 'http.server.duration',
  window: '1m',
  aggregation: 'p95',
  groupBy: ['service'],
  operator: 'gt',
  threshold: 500,
  forMinutes: 3,
} as const;
const EXAMPLE_RULE_CONFIG = {
  name: 'checkout p95 latency',
  scope: { projectId: 'checkout', moduleId: null },
  condition: EXAMPLE_CONDITION,
  severity: 'critical',
  actions: [{ type: 'incident', target: 'payments-oncall' }],
} as const;

export const scopeSchema = z
  .strictObject({
    projectId: nonBlank(ALERT_SCOPE_ID_MAX_LENGTH).describe('Project the rule watches'),
    moduleId: nonBlank(ALERT_SCOPE_ID_MAX_LENGTH)
      .nullable()
      .optional()
      .describe('Narrows the rule to one module; null or absent for the whole project'),
  })
  .describe('Where the rule applies; its name is unique per tenant and scope')
  .meta({ example: { projectId: 'checkout', moduleId: null } });

export const conditionSchema = z
  .strictObject({
    metric: nonBlank(ALERT_METRIC_MAX_LENGTH).describe(
      'Metric name; must be one the tenant reports (metric-aggregation-service GET /v1/metrics/{name}), else 422 alert_rule.metric_unresolvable unless ?allowUnresolved=true',
    ),
    window: z
      .enum(WINDOWS)
      .default(DEFAULT_ALERT_WINDOW)
      .describe(
        'Window size the rule evaluates (1m, 5m, 1h, 1d); closed windows of other sizes are ignored. Defaults to 1m',
      )
      .meta({ example: '5m' }),
    aggregation: z
      .enum(ALERT_AGGREGATIONS)
      .describe('Which aggregate of each closed window is compared'),
    groupBy: z
      .array(nonBlank(ALERT_DIMENSION_MAX_LENGTH))
      .max(MAX_GROUP_BY)
      .optional()
      .describe(
        'Distinct dimensions the rule is evaluated per; empty = one group. One named twice answers 422 alert_rule.invalid_group_by',
      ),
    operator: z.enum(COMPARISON_OPERATORS).describe('gt | gte | lt | lte | eq | neq'),
    threshold: z
      .number()
      .min(-Number.MAX_VALUE)
      .max(Number.MAX_VALUE)
      .describe('Value compared against the window aggregate'),
    forMinutes: z
      .number()
      .int()
      .min(0)
      .describe(
        'Whole minutes the condition must hold (event time) before firing; 0 fires at once',
      ),
  })
  .describe('A condition over the closed windows of a metric series')
  .meta({
    example: EXAMPLE_CONDITION,
  });

export const actionSchema = z
  .strictObject({
    type: z.enum(ALERT_ACTION_TYPES).describe('What firing does besides AlertTriggered'),
    target: nonBlank(ALERT_ACTION_TARGET_MAX_LENGTH).describe(
      "incident: escalation policy or team; webhook: the id of one of the tenant's receivers (/v1/receivers: notified, signed, retried; an unknown id answers 422 alert_rule.unknown_receiver) or, for compatibility, an http(s) URL (accepted and stored, never called); email: an address. One that does not fit its type answers 422 alert_rule.invalid_action",
    ),
    groupBy: z
      .array(nonBlank(GROUP_BY_LABEL_MAX_LENGTH))
      .max(MAX_GROUP_BY_LABELS)
      .optional()
      .describe(
        "Receiver actions only (Alertmanager group_by): the alert labels whose values split the rule's alerts into groups, one notification stream each. Absent or empty (the default): all the rule's alerts in one group; ['...'] alone: one group per alert",
      ),
    groupWaitSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GROUP_WAIT_SECONDS)
      .optional()
      .describe(
        `Receiver actions only (group_wait): how long a new group waits for more alerts before its first notification; default ${DEFAULT_GROUP_WAIT_SECONDS}; 0 sends at once`,
      ),
    groupIntervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_GROUP_INTERVAL_SECONDS)
      .optional()
      .describe(
        `Receiver actions only (group_interval): after a group's first notification, changes to it (alerts firing or resolving) go out at most this often; default ${DEFAULT_GROUP_INTERVAL_SECONDS}`,
      ),
    repeatIntervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_REPEAT_INTERVAL_SECONDS)
      .optional()
      .describe(
        `Receiver actions only (repeat_interval): an unchanged group still firing is notified again after this long; default ${DEFAULT_REPEAT_INTERVAL_SECONDS} (4 h)`,
      ),
  })
  .meta({ example: { type: 'incident', target: 'payments-oncall' } });

const severitySchema = z
  .enum(SEVERITIES)
  .describe('info < warning < high < critical')
  .meta({ example: 'critical' });

export const createRuleSchema = z
  .strictObject({
    name: nonBlank(ALERT_RULE_NAME_MAX_LENGTH).describe(
      'Unique per tenant and scope (case-insensitive; 409 alert_rule.name_not_unique); trimmed',
    ),
    scope: scopeSchema,
    condition: conditionSchema,
    severity: severitySchema,
    actions: z
      .array(actionSchema)
      .max(MAX_ACTIONS)
      .optional()
      .describe(
        'Defaults to none; the same type and target twice answers 422 alert_rule.duplicate_action',
      ),
    enabled: z.boolean().optional().describe('Defaults to true; a disabled rule never triggers'),
  })
  .describe('A new alert rule')
  .meta({
    example: EXAMPLE_RULE_CONFIG,
  });

export const replaceRuleSchema = createRuleSchema
  .omit({ enabled: true })
  .describe("The rule's new configuration (enable/disable have their own commands)")
  .meta({
    example: {
      name: 'checkout p95 latency',
      scope: { projectId: 'checkout', moduleId: null },
      condition: {
        metric: 'http.server.duration',
        window: '5m',
        aggregation: 'p95',
        groupBy: ['service'],
        operator: 'gt',
        threshold: 800,
        forMinutes: 10,
      },
      severity: 'high',
      actions: [],
    },
  });

export const ruleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scope: z.object({ projectId: z.string(), moduleId: z.string().nullable() }),
    condition: z.object({
      metric: z.string(),
      window: z.enum(WINDOWS),
      aggregation: z.enum(ALERT_AGGREGATIONS),
      groupBy: z.array(z.string()),
      operator: z.enum(COMPARISON_OPERATORS),
      threshold: z.number(),
      forMinutes: z.number(),
    }),
    severity: z.enum(SEVERITIES),
    actions: z.array(
      z.object({
        type: z.enum(ALERT_ACTION_TYPES),
        target: z.string(),
        groupBy: z.array(z.string()).optional(),
        groupWaitSeconds: z.number().int().optional(),
        groupIntervalSeconds: z.number().int().optional(),
        repeatIntervalSeconds: z.number().int().optional(),
      }),
    ),
    enabled: z.boolean(),
    version: z.number().int().describe('Optimistic-concurrency version; also the ETag'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('An alert rule')
  .meta({
    example: {
      id: RULE_ID,
      ...EXAMPLE_RULE_CONFIG,
      enabled: true,
      version: 1,
      createdAt: '2024-05-01T10:00:00.000Z',
      updatedAt: '2024-05-01T10:00:00.000Z',
    },
  });

/** enable and disable take no body (an empty object is accepted too). */
export const noBodySchema = z
  .strictObject({})
  .nullish()
  .describe('No body: the verb says it all (an empty object is accepted too)')
  .meta({ example: {} });

export const listQuerySchema = z
  .object({
    // The kit's limit and keyset cursor (`<created_at epoch ms>.<id>`), with examples.
    limit: keysetPageQuery.limit.meta({ example: 50 }),
    cursor: keysetPageQuery.cursor.meta({ example: `1714557600000.${RULE_ID}` }),
    enabled: z.enum(['true', 'false']).optional().describe('Only enabled or only disabled rules'),
    severity: z.enum(SEVERITIES).optional(),
    metric: z.string().max(256).optional().describe('Only rules on this metric'),
  })
  .meta({ example: { enabled: 'true', severity: 'critical', limit: 50 } });

export const idParamsSchema = z
  .object({ id: z.uuid().describe('Alert rule id').meta({ example: RULE_ID }) })
  .meta({ example: { id: RULE_ID } });

export const groupStateSchema = z
  .object({
    groupKey: z
      .string()
      .describe("Values of the rule's groupBy dimensions; empty for an ungrouped rule"),
    group: z.record(z.string(), z.string()),
    status: z.enum(['inactive', 'pending', 'firing']),
    activeAt: z.iso
      .datetime()
      .nullable()
      .describe('When the condition started holding (end of the first breaching window)'),
    firedAt: z.iso.datetime().nullable(),
    lastWindowEnd: z.iso.datetime().describe('End of the newest window received for the group'),
    lastValue: z
      .number()
      .describe("That window's value; with several series in the group, the worst of theirs"),
  })
  .meta({
    example: {
      groupKey: 'service=payments-api',
      group: { service: 'payments-api' },
      status: 'pending',
      activeAt: '2024-05-01T10:01:00.000Z',
      firedAt: null,
      lastWindowEnd: '2024-05-01T10:02:00.000Z',
      lastValue: 712,
    },
  });

export const ruleStateSchema = z
  .object({
    alertRuleId: z.uuid(),
    enabled: z.boolean(),
    window: z.enum(WINDOWS).describe('The window size the rule evaluates'),
    lateWindows: z
      .number()
      .int()
      .describe(
        'Windows ignored because they arrived after the lateness grace (event time behind the newest window of the rule)',
      ),
    groups: z.array(groupStateSchema),
  })
  .describe('Evaluation state per group key')
  .meta({
    example: { alertRuleId: RULE_ID, enabled: true, window: '1m', lateWindows: 0, groups: [] },
  });

export type CreateRuleBody = z.infer<typeof createRuleSchema>;

/** `?allowUnresolved=true` on create and replace: accept a metric the catalogue has not seen yet. */
export const resolveQuerySchema = z.strictObject({
  allowUnresolved: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      'true accepts a condition on a metric the tenant has not reported yet (a rule written before its metric exists); default false',
    ),
});
