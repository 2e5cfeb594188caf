import {
  INHIBITION_COMMENT_MAX_LENGTH,
  INHIBITION_EQUAL_MAX,
  MATCHER_NAME_MAX_LENGTH,
  MATCHER_OPERATORS,
  MATCHERS_MAX,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { nonBlank } from './alert-rule.schemas.js';
import { matcherSchema } from './silence.schemas.js';

/** What the domain can still refuse a schema-valid inhibition rule with. */
export const INHIBITION_RULE_DOMAIN_CODES = [
  'silence.invalid_matcher',
  'silence.invalid_regex',
  'silence.unbounded_regex',
  'silence.matches_everything',
  'inhibition_rule.invalid_equal',
  'inhibition_rule.invalid_comment',
] as const;

const RULE_ID = 'c7e1f0a2-4d5f-4a7b-8c9d-0e1f2a3b4c5d';
const EXAMPLE = {
  sourceMatchers: [{ name: 'severity', operator: '=', value: 'critical' }],
  targetMatchers: [{ name: 'severity', operator: '=~', value: 'high|medium|low' }],
  equal: ['service'],
  comment: 'a critical alert of a service mutes its lesser alerts',
} as const;

const matchers = (side: 'source' | 'target', what: string) =>
  z
    .array(matcherSchema)
    .min(1)
    .max(MATCHERS_MAX)
    .describe(
      `${what}. All must match; at least one must not match an empty label set (else 422 silence.matches_everything). Same matchers as silences`,
    )
    .meta({ example: side === 'source' ? EXAMPLE.sourceMatchers : EXAMPLE.targetMatchers });

export const inhibitionRuleBodySchema = z
  .strictObject({
    sourceMatchers: matchers('source', 'The firing alerts that inhibit'),
    targetMatchers: matchers('target', 'The alerts they mute'),
    equal: z
      .array(nonBlank(MATCHER_NAME_MAX_LENGTH))
      .max(INHIBITION_EQUAL_MAX)
      .optional()
      .describe(
        'Label names whose values the source and target must share (a label missing on both sides is equal); absent or empty: any firing source mutes every target',
      ),
    comment: z
      .string()
      .max(INHIBITION_COMMENT_MAX_LENGTH)
      .optional()
      .describe('Why the rule exists'),
  })
  .describe('An inhibition rule (Alertmanager inhibit_rules)')
  .meta({ example: EXAMPLE });

export const inhibitionRuleSchema = z
  .object({
    id: z.uuid(),
    sourceMatchers: z.array(
      z.object({ name: z.string(), operator: z.enum(MATCHER_OPERATORS), value: z.string() }),
    ),
    targetMatchers: z.array(
      z.object({ name: z.string(), operator: z.enum(MATCHER_OPERATORS), value: z.string() }),
    ),
    equal: z.array(z.string()),
    comment: z.string(),
    version: z.number().int().describe('Optimistic-concurrency version; also the ETag'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe(
    'An inhibition rule: while an alert matching sourceMatchers fires, alerts matching targetMatchers with the same equal labels send nothing and open no incident',
  )
  .meta({
    example: {
      id: RULE_ID,
      ...EXAMPLE,
      version: 1,
      createdAt: '2024-05-01T10:00:00.000Z',
      updatedAt: '2024-05-01T10:00:00.000Z',
    },
  });

export const inhibitionRuleListQuerySchema = z
  .object({
    limit: keysetPageQuery.limit.meta({ example: 50 }),
    cursor: keysetPageQuery.cursor.meta({ example: `1714557600000.${RULE_ID}` }),
  })
  .meta({ example: { limit: 50 } });
