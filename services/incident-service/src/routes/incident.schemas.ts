import {
  INCIDENT_EVENT_TYPES,
  INCIDENT_SOURCES,
  INCIDENT_STATUSES,
  ORIGINS,
  SEVERITIES,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { DEFAULT_ESCALATION_POLICY, MAX_ESCALATION_DELAY_MINUTES } from '../config.js';

/*
 * Request schemas check types only (and stay strict: an unknown field answers 400); what a value
 * must be (a non-blank title, a W3C trace id, ordered escalation levels, a root cause...) is the
 * domain's to decide, and it answers 422 with the invariant's code.
 */

const INCIDENT_ID = '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6c';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const OPENED_AT = '2024-05-01T10:10:00.000Z';

const EXAMPLE_DIMENSIONS = {
  tenantId: 'acme',
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-2024-05-01-0042',
  agentId: 'none',
  service: 'payments-api',
  serviceVersion: '1.14.2',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas',
} as const;

/** The input example leaves the tenant to the token (docs/design.md#auth: the token sets it). */
const { tenantId: _tenant, ...EXAMPLE_INPUT_DIMENSIONS } = EXAMPLE_DIMENSIONS;

const EXAMPLE_STEPS = DEFAULT_ESCALATION_POLICY.map((step) => ({ ...step }));

export const severitySchema = z
  .enum(SEVERITIES)
  .describe('info < warning < high < critical')
  .meta({ example: 'high' });
export const statusSchema = z
  .enum(INCIDENT_STATUSES)
  .describe('Lifecycle status (see the state machine in docs/services/incident.md)')
  .meta({ example: 'open' });
export const sourceSchema = z
  .enum(INCIDENT_SOURCES)
  .describe('What opened the incident')
  .meta({ example: 'manual' });

const text = (description: string, example: string) =>
  z.string().describe(description).meta({ example });

export const dimensionsInputSchema = z
  .strictObject({
    tenantId: z
      .string()
      .optional()
      .describe("The token's tenant when omitted; another tenant answers 422"),
    projectId: z.string().optional(),
    moduleId: z.string().optional(),
    artifactId: z.string().optional(),
    executionId: z.string().optional(),
    agentId: z.string().optional().describe('The literal "none" where no agent is involved'),
    service: z.string().optional(),
    serviceVersion: z.string().optional(),
    environment: z.string().optional(),
    region: z.string().optional(),
    origin: z
      .string()
      .optional()
      .describe(`One of ${ORIGINS.join(', ')}`),
  })
  .describe(
    'The eleven telemetry dimensions; all but tenantId (the token’s) are required when the object is given',
  )
  .meta({ example: EXAMPLE_INPUT_DIMENSIONS });

export const dimensionsSchema = z
  .object({
    tenantId: z.string(),
    projectId: z.string(),
    moduleId: z.string(),
    artifactId: z.string(),
    executionId: z.string(),
    agentId: z.string(),
    service: z.string(),
    serviceVersion: z.string(),
    environment: z.string(),
    region: z.string(),
    origin: z.enum(ORIGINS),
  })
  .describe('The eleven telemetry dimensions of the incident')
  .meta({ example: EXAMPLE_DIMENSIONS });

export const escalationStepInputSchema = z
  .strictObject({
    level: z.number().int().describe('1, 2, 3… in order'),
    target: text('Who is paged at this level (user, team or schedule)', 'on-call-primary'),
    delayMinutes: z
      .number()
      .int()
      .max(MAX_ESCALATION_DELAY_MINUTES)
      .describe('Minutes after opening; never less than the previous level'),
  })
  .describe('One level of the escalation policy')
  .meta({ example: EXAMPLE_STEPS[0] });

export const escalationStepSchema = z
  .object({
    level: z.number().int(),
    target: z.string(),
    delayMinutes: z.number().int(),
    at: z.string().nullable().describe('When this level was paged; null while not yet'),
    receiverIds: z
      .array(z.string())
      .optional()
      .describe('Receivers notified at this level (steps copied from an escalation policy)'),
    scheduleIds: z
      .array(z.string())
      .optional()
      .describe('Schedules whose on-call member is paged at this level (policy steps)'),
  })
  .describe('One level of the escalation policy and when it fired')
  .meta({ example: { level: 1, target: 'on-call-primary', delayMinutes: 5, at: null } });

export const createIncidentBody = z
  .strictObject({
    title: text('What is wrong, 1-300 characters', 'Checkout is failing for EU customers'),
    severity: severitySchema,
    projectId: text('Project the incident belongs to', 'checkout'),
    moduleId: z.string().nullable().optional().describe('Module, when known'),
    traceId: z
      .string()
      .nullable()
      .optional()
      .describe('W3C trace id (32 lowercase hex) of a trace showing the problem'),
    dimensions: dimensionsInputSchema.nullable().optional(),
    escalationSteps: z
      .array(escalationStepInputSchema)
      .optional()
      .describe(
        'At most 10 steps. Omitted: the service default policy applies. [] means never escalate.',
      ),
    escalationPolicyId: z
      .string()
      .nullable()
      .optional()
      .describe(
        "One of the tenant's escalation policies (/v1/escalation-policies) to follow instead of escalationSteps (not both: 422 incident.unknown_escalation_policy, as for an unknown policy)",
      ),
  })
  .describe('A manually opened incident (source manual)')
  .meta({
    example: {
      title: 'Checkout is failing for EU customers',
      severity: 'high',
      projectId: 'checkout',
      moduleId: 'payments',
      traceId: TRACE_ID,
      escalationSteps: EXAMPLE_STEPS,
    },
  });

const actorField = text('Who acts (user, agent or team id), 1-256 characters', 'user-42');
const noteField = z
  .string()
  .nullable()
  .optional()
  .describe('Free text written on the timeline line of this command (≤ 10 000 characters)');

export const commandBody = z
  .strictObject({ actor: actorField, note: noteField })
  .describe('Who runs the command, with an optional note')
  .meta({ example: { actor: 'user-42', note: 'Looking into the payment gateway' } });

export const resolveBody = z
  .strictObject({
    actor: actorField,
    rootCause: z
      .string()
      .nullable()
      .optional()
      .describe('Required by the domain: 1-10 000 characters (422 incident.root_cause_required)'),
    note: noteField,
  })
  .describe('Resolving needs the root cause')
  .meta({
    example: {
      actor: 'user-42',
      rootCause: 'Connection pool exhausted after a config change',
      note: 'Pool size restored',
    },
  });

export const postmortemNoteBody = z
  .strictObject({
    actor: actorField,
    note: text('The post-mortem note, 1-10 000 characters', 'Add a pool saturation alert'),
  })
  .describe('A post-mortem note: the only change a resolved incident accepts')
  .meta({ example: { actor: 'user-42', note: 'Action item: add a pool saturation alert' } });

export const idParams = z
  .object({
    id: z.uuid().describe('Incident id').meta({ example: INCIDENT_ID }),
  })
  .meta({ example: { id: INCIDENT_ID } });

/** The kit's `limit` and keyset `cursor`, with examples for the OpenAPI document. */
const pageQuery = z.object({
  limit: keysetPageQuery.limit.meta({ example: 50 }),
  cursor: keysetPageQuery.cursor.meta({ example: `1714558200000.${INCIDENT_ID}` }),
});

export const listQuery = pageQuery
  .extend({
    status: statusSchema.optional(),
    severity: severitySchema.optional(),
    projectId: z.string().max(256).optional().describe('Only this project').meta({
      example: 'checkout',
    }),
    source: sourceSchema.optional(),
  })
  .meta({ example: { status: 'open', severity: 'critical', limit: 50 } });

export const timelineQuery = pageQuery.meta({ example: { limit: 100 } });

export const incidentSchema = z
  .object({
    id: z.uuid(),
    tenantId: z.string(),
    projectId: z.string(),
    moduleId: z.string().nullable(),
    title: z.string(),
    severity: severitySchema,
    status: statusSchema,
    source: sourceSchema,
    sourceRef: z
      .string()
      .nullable()
      .describe('Alert fingerprint (alert) or sloId (slo); null for manual'),
    traceId: z.string().nullable(),
    dimensions: dimensionsSchema.nullable(),
    openedAt: z.string(),
    escalationStartsAt: z
      .string()
      .describe(
        'What escalation delays count from: openedAt, or when the service took in a signal replayed past INCIDENT_REPLAY_HORIZON_MS',
      ),
    acknowledgedAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    rootCause: z.string().nullable(),
    statusChangedAt: z.string().describe('When the status last changed'),
    escalationPolicyId: z
      .uuid()
      .nullable()
      .describe(
        "The escalation policy whose steps the incident copied when it opened (named by the alert rule's incident action); null: the service default policy, or steps given by hand",
      ),
    escalationSteps: z.array(escalationStepSchema),
    nextEscalationAt: z
      .string()
      .nullable()
      .describe('When the next step pages, while the incident is open; null otherwise'),
    version: z.number().int().describe('Also the ETag; send it as If-Match on commands'),
  })
  .describe('An incident')
  .meta({
    example: {
      id: INCIDENT_ID,
      tenantId: 'acme',
      projectId: 'checkout',
      moduleId: 'payments',
      title: 'Checkout is failing for EU customers',
      severity: 'high',
      status: 'open',
      source: 'manual',
      sourceRef: null,
      traceId: TRACE_ID,
      dimensions: null,
      openedAt: OPENED_AT,
      escalationStartsAt: OPENED_AT,
      acknowledgedAt: null,
      resolvedAt: null,
      rootCause: null,
      statusChangedAt: OPENED_AT,
      escalationPolicyId: null,
      escalationSteps: EXAMPLE_STEPS.map((step) => ({ ...step, at: null })),
      nextEscalationAt: '2024-05-01T10:15:00.000Z',
      version: 1,
    },
  });

export const timelineEventSchema = z
  .object({
    timestamp: z.string(),
    type: z.enum(INCIDENT_EVENT_TYPES),
    actor: z.string(),
    note: z.string().nullable(),
  })
  .describe('One line of the timeline')
  .meta({
    example: { timestamp: OPENED_AT, type: 'opened', actor: 'user-42', note: null },
  });
