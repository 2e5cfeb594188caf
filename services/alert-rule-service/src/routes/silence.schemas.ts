import {
  MATCHER_NAME_MAX_LENGTH,
  MATCHER_OPERATORS,
  MATCHER_VALUE_MAX_LENGTH,
  MATCHERS_MAX,
  SILENCE_COMMENT_MAX_LENGTH,
  SILENCE_CREATED_BY_MAX_LENGTH,
  SILENCE_STATES,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { nonBlank } from './alert-rule.schemas.js';

/** What the domain can still refuse a schema-valid silence with. */
export const SILENCE_DOMAIN_CODES = [
  'silence.invalid_matcher',
  'silence.invalid_regex',
  'silence.unbounded_regex',
  'silence.matches_everything',
  'silence.invalid_period',
  'silence.ends_in_past',
  'silence.too_long',
] as const;

const SILENCE_ID = '0b6e2c1a-4d5f-4a7b-8c9d-0e1f2a3b4c5d';
const EXAMPLE_MATCHERS = [
  { name: 'service', operator: '=', value: 'payments-api' },
  { name: 'severity', operator: '=~', value: 'warning|info' },
] as const;

export const matcherSchema = z
  .strictObject({
    name: nonBlank(MATCHER_NAME_MAX_LENGTH).describe(
      "A label of the alert: alertname (the rule's name), alertRuleId, severity, projectId, moduleId, metric, or one of the group's dimensions. A label the alert lacks matches as the empty string",
    ),
    operator: z
      .enum(MATCHER_OPERATORS)
      .describe(
        '= equal, != not equal, =~ regex match, !~ regex non-match. A regex must match the whole value (anchored, as in Alertmanager), and is refused when it could backtrack badly: no backreferences or lookaround, no quantified group holding a quantifier or alternation, at most 2 repetitions (*, +, {n,}) and 6 quantifiers and alternations, 256 characters (422 silence.unbounded_regex)',
      ),
    value: z.string().max(MATCHER_VALUE_MAX_LENGTH),
  })
  .describe('One label matcher');

const matchersSchema = z
  .array(matcherSchema)
  .min(1)
  .max(MATCHERS_MAX)
  .describe(
    'All must match. At least one must not match an empty label set (else 422 silence.matches_everything)',
  );

export const createSilenceSchema = z
  .strictObject({
    matchers: matchersSchema,
    startsAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When it starts; absent or past: now'),
    endsAt: z.iso
      .datetime({ offset: true })
      .describe('When it ends: in the future, after startsAt, at most 366 days after it'),
    createdBy: nonBlank(SILENCE_CREATED_BY_MAX_LENGTH)
      .optional()
      .describe("Who set it; absent: the token's subject"),
    comment: nonBlank(SILENCE_COMMENT_MAX_LENGTH).describe('Why (required, as in Alertmanager)'),
  })
  .describe('A new silence')
  .meta({
    example: {
      matchers: EXAMPLE_MATCHERS,
      endsAt: '2024-05-01T12:00:00.000Z',
      comment: 'payments-api deployment',
    },
  });

export const silenceSchema = z
  .object({
    id: z.uuid(),
    matchers: z.array(
      z.object({ name: z.string(), operator: z.enum(MATCHER_OPERATORS), value: z.string() }),
    ),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
    createdBy: z.string(),
    comment: z.string(),
    state: z
      .enum(SILENCE_STATES)
      .describe('At the time of the answer: pending (not started), active, expired'),
    version: z.number().int().describe('Optimistic-concurrency version; also the ETag'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('A silence: while active, alerts its matchers match send nothing and open no incident')
  .meta({
    example: {
      id: SILENCE_ID,
      matchers: EXAMPLE_MATCHERS,
      startsAt: '2024-05-01T10:00:00.000Z',
      endsAt: '2024-05-01T12:00:00.000Z',
      createdBy: 'alice@example.com',
      comment: 'payments-api deployment',
      state: 'active',
      version: 1,
      createdAt: '2024-05-01T10:00:00.000Z',
      updatedAt: '2024-05-01T10:00:00.000Z',
    },
  });

export const silenceListQuerySchema = z
  .object({
    limit: keysetPageQuery.limit.meta({ example: 50 }),
    cursor: keysetPageQuery.cursor.meta({ example: `1714557600000.${SILENCE_ID}` }),
    state: z.enum(SILENCE_STATES).optional().describe('Only silences in this state now'),
  })
  .meta({ example: { state: 'active', limit: 50 } });
