import {
  FEEDBACK_ROUTE_LABELS,
  FEEDBACK_ROUTE_NAME_MAX_LENGTH,
  FEEDBACK_ROUTE_POSITION_MAX,
  MATCHER_OPERATORS,
  MATCHER_VALUE_MAX_LENGTH,
  MATCHERS_MAX,
  REFERENCE_MAX_LENGTH,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';

/** What the domain can still refuse a schema-valid rule with (422). */
export const FEEDBACK_ROUTE_CODES = [
  'feedback_route.name_required',
  'feedback_route.invalid_position',
  'feedback_route.target_required',
  'feedback_route.invalid_receiver',
  'feedback_route.invalid_matcher',
  'feedback_route.invalid_regex',
  'feedback_route.unbounded_regex',
] as const;

const ROUTE_ID = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
const RECEIVER_ID = '3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f';
const EXAMPLE_MATCHERS = [
  { name: 'category', operator: '=~', value: 'reliability|performance' },
  { name: 'project', operator: '=', value: 'checkout' },
] as const;

const nonBlank = (max: number) => z.string().min(1).max(max).regex(/\S/, 'must not be blank');

export const routeMatcherSchema = z
  .strictObject({
    name: z
      .enum(FEEDBACK_ROUTE_LABELS)
      .describe(
        "The item's label: source, category, sentiment, project (projectId), module (moduleId) or artifact (artifactId); a missing value matches as the empty string",
      ),
    operator: z
      .enum(MATCHER_OPERATORS)
      .describe(
        '= equal, != not equal, =~ regex match, !~ regex non-match; a regex must match the whole value (anchored, as in Alertmanager and the silences) and is refused when it could backtrack badly (422 feedback_route.unbounded_regex)',
      ),
    value: z.string().max(MATCHER_VALUE_MAX_LENGTH),
  })
  .describe('One label matcher, with the semantics of a silence matcher');

export const feedbackRouteBody = z
  .strictObject({
    name: nonBlank(FEEDBACK_ROUTE_NAME_MAX_LENGTH).describe('What the rule is for'),
    position: z
      .number()
      .int()
      .min(0)
      .max(FEEDBACK_ROUTE_POSITION_MAX)
      .describe(
        'Where the rule is tried: ascending, the first match wins; one rule per position (a taken position answers 409)',
      ),
    matchers: z
      .array(routeMatcherSchema)
      .max(MATCHERS_MAX)
      .describe('All must match; an empty list matches every item (a catch-all)'),
    to: nonBlank(REFERENCE_MAX_LENGTH).describe(
      "The team, backlog or agent id a matching item is routed to (its routedTo; an agent's token subject to reach its inbox)",
    ),
    receiverId: z
      .string()
      .min(1)
      .max(REFERENCE_MAX_LENGTH)
      .nullable()
      .optional()
      .describe(
        'An alert-rule-service receiver told of each item this rule routes (a signed webhook, Slack or email); absent: nobody is told',
      ),
  })
  .describe('A routing rule: new feedback items matching it are routed to `to`')
  .meta({
    example: {
      name: 'Reliability of checkout to the fixer agent',
      position: 10,
      matchers: EXAMPLE_MATCHERS,
      to: 'agent-fixer-7',
      receiverId: RECEIVER_ID,
    },
  });

export const feedbackRouteSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    position: z.number().int(),
    matchers: z.array(
      z.object({ name: z.string(), operator: z.enum(MATCHER_OPERATORS), value: z.string() }),
    ),
    to: z.string(),
    receiverId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .describe('A routing rule')
  .meta({
    example: {
      id: ROUTE_ID,
      name: 'Reliability of checkout to the fixer agent',
      position: 10,
      matchers: EXAMPLE_MATCHERS,
      to: 'agent-fixer-7',
      receiverId: RECEIVER_ID,
      createdAt: '2024-05-01T09:00:00.000Z',
      updatedAt: '2024-05-01T09:00:00.000Z',
      version: 1,
    },
  });

/** Rules page in routing order: by position (the cursor's sort key), then id. */
export const routeListQuery = z.object({ ...keysetPageQuery });
