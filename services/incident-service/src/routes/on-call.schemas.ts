import {
  ESCALATION_POLICY_NAME_MAX_LENGTH,
  MAX_LAYER_MEMBERS,
  MAX_POLICY_DELAY_MINUTES,
  MAX_POLICY_REPEATS,
  MAX_POLICY_STEPS,
  MAX_ROTATION_LENGTH,
  MAX_SCHEDULE_LAYERS,
  MAX_SCHEDULE_OVERRIDES,
  MAX_STEP_TARGETS,
  ROTATION_UNITS,
  SCHEDULE_NAME_MAX_LENGTH,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';

/*
 * As for incidents, request schemas check types (and stay strict: an unknown field answers 400);
 * what a value must be is the domain's to decide, answering 422 with the invariant's code.
 */

const POLICY_ID = '2a7c9e1f-3b5d-4f7a-9c1e-3f5a7b9c1d3e';
const SCHEDULE_ID = '4d6f8a0c-2e4a-4c6e-8a0c-2e4a6c8e0a2c';
const RECEIVER_ID = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const CREATED_AT = '2024-05-01T10:00:00.000Z';

/** What the domain can refuse a schema-valid policy with. */
export const POLICY_DOMAIN_CODES = [
  'escalation_policy.name_required',
  'escalation_policy.steps_required',
  'escalation_policy.too_many_steps',
  'escalation_policy.invalid_delay',
  'escalation_policy.delays_decrease',
  'escalation_policy.step_without_targets',
  'escalation_policy.invalid_target',
  'escalation_policy.too_many_targets',
  'escalation_policy.duplicate_target',
  'escalation_policy.invalid_repeat',
  'escalation_policy.invalid_repeat_after',
  'escalation_policy.unknown_schedule',
] as const;

/** What the domain can refuse a schema-valid schedule with. */
export const SCHEDULE_DOMAIN_CODES = [
  'schedule.name_required',
  'schedule.invalid_layers',
  'schedule.invalid_layer_name',
  'schedule.invalid_members',
  'schedule.invalid_member',
  'schedule.invalid_rotation',
  'schedule.invalid_start',
  'schedule.invalid_handoff_time',
  'schedule.invalid_time_zone',
  'schedule.invalid_override',
  'schedule.too_many_overrides',
  'time.invalid_instant',
] as const;

export const pageQuery = z.object({
  limit: keysetPageQuery.limit.meta({ example: 50 }),
  cursor: keysetPageQuery.cursor.meta({ example: `1714557600000.${POLICY_ID}` }),
});

const EXAMPLE_POLICY_INPUT = {
  name: 'payments',
  steps: [
    { delayMinutes: 0, receiverIds: [RECEIVER_ID] },
    { delayMinutes: 15, scheduleIds: [SCHEDULE_ID] },
  ],
  repeats: 1,
  repeatAfterMinutes: 30,
};

const policyStepInput = z
  .strictObject({
    delayMinutes: z
      .number()
      .int()
      .describe(
        `Minutes after the round starts (0-${MAX_POLICY_DELAY_MINUTES}); never less than the previous step's`,
      ),
    receiverIds: z
      .array(z.string())
      .optional()
      .describe(
        `Receivers of alert-rule-service (/v1/receivers ids, at most ${MAX_STEP_TARGETS}) notified at this step`,
      ),
    scheduleIds: z
      .array(z.string())
      .optional()
      .describe(
        `Schedules (/v1/schedules ids of the tenant, at most ${MAX_STEP_TARGETS}) whose on-call member is paged at this step`,
      ),
  })
  .describe('One step: at least one receiver or schedule')
  .meta({ example: EXAMPLE_POLICY_INPUT.steps[0] });

export const policyBody = z
  .strictObject({
    name: z
      .string()
      .describe(
        `1-${ESCALATION_POLICY_NAME_MAX_LENGTH} characters, unique per tenant (any case; 409 when taken). Alert rules name the policy by id or by this name`,
      ),
    steps: z.array(policyStepInput).describe(`1-${MAX_POLICY_STEPS} steps, in order`),
    repeats: z
      .number()
      .int()
      .optional()
      .describe(`Rounds after the first, 0-${MAX_POLICY_REPEATS} (default 0)`),
    repeatAfterMinutes: z
      .number()
      .int()
      .nullable()
      .optional()
      .describe(
        "With repeats > 0 (and only then): minutes after a round starts that the next starts; longer than the last step's delay",
      ),
  })
  .describe('An escalation policy')
  .meta({ example: EXAMPLE_POLICY_INPUT });

export const policySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    steps: z.array(
      z.object({
        delayMinutes: z.number().int(),
        receiverIds: z.array(z.string()),
        scheduleIds: z.array(z.string()),
      }),
    ),
    repeats: z.number().int(),
    repeatAfterMinutes: z.number().int().nullable(),
    version: z.number().int().describe('Optimistic-concurrency version; also the ETag'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('An escalation policy')
  .meta({
    example: {
      id: POLICY_ID,
      ...EXAMPLE_POLICY_INPUT,
      steps: [
        { delayMinutes: 0, receiverIds: [RECEIVER_ID], scheduleIds: [] },
        { delayMinutes: 15, receiverIds: [], scheduleIds: [SCHEDULE_ID] },
      ],
      version: 1,
      createdAt: CREATED_AT,
      updatedAt: CREATED_AT,
    },
  });

const EXAMPLE_LAYER = {
  name: 'primary',
  members: ['alice@example.com', 'bob@example.com'],
  rotationLength: 1,
  rotationUnit: 'weeks',
  startDate: '2024-05-06',
  handoffTime: '09:00',
  timeZone: 'Europe/Berlin',
  endsAt: null,
} as const;
const EXAMPLE_OVERRIDE = {
  member: 'carol@example.com',
  start: '2024-05-10T16:00:00.000Z',
  end: '2024-05-11T08:00:00.000Z',
};

const layerFields = {
  members: z.array(z.string()).describe(`Who takes turns, in order (1-${MAX_LAYER_MEMBERS})`),
  rotationLength: z
    .number()
    .int()
    .describe(`Length of one turn, in rotationUnit (1-${MAX_ROTATION_LENGTH})`),
  rotationUnit: z
    .enum(ROTATION_UNITS)
    .describe(
      'days and weeks hand off at handoffTime on the local calendar (a turn over a DST change is 23 or 25 h); hours count elapsed hours from the first handoff',
    ),
  startDate: z.string().describe('Local date of the first turn (the first member’s), YYYY-MM-DD'),
  handoffTime: z
    .string()
    .describe('Local time of every handoff, HH:MM (24 h); one inside a DST gap happens after it'),
  timeZone: z.string().describe('IANA time zone the date and time are read in, e.g. Europe/Berlin'),
};

const layerInput = z
  .strictObject({
    name: z
      .string()
      .nullable()
      .optional()
      .describe('Default `layer N`; 1-200 characters when given'),
    ...layerFields,
    endsAt: z
      .string()
      .nullable()
      .optional()
      .describe('ISO-8601 instant the layer stops covering; null or absent: never'),
  })
  .describe('A rotation layer; later layers sit on top of earlier ones')
  .meta({ example: EXAMPLE_LAYER });

const overrideInput = z
  .strictObject({
    member: z.string().describe('Who is on call instead'),
    start: z.string().describe('ISO-8601 instant'),
    end: z.string().describe('ISO-8601 instant after start (exclusive)'),
  })
  .describe('Someone covers [start, end) on top of every layer; a later override wins')
  .meta({ example: EXAMPLE_OVERRIDE });

export const scheduleBody = z
  .strictObject({
    name: z
      .string()
      .describe(
        `1-${SCHEDULE_NAME_MAX_LENGTH} characters, unique per tenant (any case; 409 when taken)`,
      ),
    layers: z.array(layerInput).describe(`1-${MAX_SCHEDULE_LAYERS} layers`),
    overrides: z
      .array(overrideInput)
      .optional()
      .describe(`At most ${MAX_SCHEDULE_OVERRIDES}; replaced as a whole by PUT`),
  })
  .describe('An on-call schedule')
  .meta({
    example: { name: 'payments primary', layers: [EXAMPLE_LAYER], overrides: [EXAMPLE_OVERRIDE] },
  });

export const scheduleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    layers: z.array(
      z.object({
        name: z.string(),
        ...layerFields,
        members: z.array(z.string()),
        endsAt: z.string().nullable(),
      }),
    ),
    overrides: z.array(z.object({ member: z.string(), start: z.string(), end: z.string() })),
    version: z.number().int().describe('Optimistic-concurrency version; also the ETag'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('An on-call schedule')
  .meta({
    example: {
      id: SCHEDULE_ID,
      name: 'payments primary',
      layers: [EXAMPLE_LAYER],
      overrides: [EXAMPLE_OVERRIDE],
      version: 1,
      createdAt: CREATED_AT,
      updatedAt: CREATED_AT,
    },
  });

export const onCallQuery = z
  .object({
    at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('The instant asked about (ISO-8601); default now')
      .meta({ example: '2024-05-10T18:00:00Z' }),
  })
  .meta({ example: { at: '2024-05-10T18:00:00Z' } });

export const onCallSchema = z
  .object({
    scheduleId: z.uuid(),
    at: z.string(),
    member: z.string().nullable().describe('Who is on call; null when nothing covers the instant'),
    source: z
      .enum(['override', 'layer'])
      .nullable()
      .describe('An override, or a layer (the last layer covering the instant)'),
    layer: z.string().nullable().describe('The layer’s name, for source layer'),
    layerIndex: z.number().int().nullable(),
    from: z.string().nullable().describe('Start of the turn or override'),
    until: z.string().nullable().describe('End of the turn (or the layer’s endsAt) or override'),
  })
  .describe('Who a schedule puts on call at an instant')
  .meta({
    example: {
      scheduleId: SCHEDULE_ID,
      at: '2024-05-10T18:00:00.000Z',
      member: 'carol@example.com',
      source: 'override',
      layer: null,
      layerIndex: null,
      from: EXAMPLE_OVERRIDE.start,
      until: EXAMPLE_OVERRIDE.end,
    },
  });
