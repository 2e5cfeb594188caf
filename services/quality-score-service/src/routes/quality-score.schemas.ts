import { CHECK_DIMENSIONS, CHECK_OUTCOMES } from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';

/** An ISO-8601 instant with Z or an offset (the supported range is checked by the route: 422). */
const instant = (description: string, example: string) =>
  z.iso.datetime({ offset: true }).describe(description).meta({ example });

export const PROJECT_ID = 'checkout';
const SCORE_ID = 'qs_6b0f0c2f3c8a4c1e9d2b7a5f4e3d2c1b';

export const projectIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/\S/)
  .describe('The project (as the platform events name it: 1–256 characters, not blank)')
  .meta({ example: PROJECT_ID });

export const projectParams = z
  .object({ projectId: projectIdSchema })
  .meta({ example: { projectId: PROJECT_ID } });

export const windowSchema = z
  .strictObject({
    start: instant('Inclusive start of the window', '2024-05-01T00:00:00Z'),
    end: instant(
      'Exclusive end; must be after start (422 quality.invalid_window)',
      '2024-05-02T00:00:00Z',
    ),
  })
  .describe('The half-open interval [start, end) the score covers')
  .meta({ example: { start: '2024-05-01T00:00:00Z', end: '2024-05-02T00:00:00Z' } });

export const computeBody = z
  .strictObject({ projectId: projectIdSchema, window: windowSchema })
  .meta({
    example: {
      projectId: PROJECT_ID,
      window: { start: '2024-05-01T00:00:00Z', end: '2024-05-08T00:00:00Z' },
    },
  });

const unit = z.number().min(0).max(1);

const dimensionsSchema = z
  .object({
    reliability: unit,
    performance: unit,
    cost_efficiency: unit,
    maintainability: unit,
    correctness: unit,
  })
  .describe('Each dimension in [0, 1], 1 being best (formulas in docs/services/quality-score.md)');

const EXAMPLE_SCORE = {
  id: SCORE_ID,
  tenantId: 'acme',
  projectId: PROJECT_ID,
  window: { start: '2024-05-01T00:00:00.000Z', end: '2024-05-02T00:00:00.000Z' },
  computedAt: '2024-05-02T00:00:00.000Z',
  overall: 0.7586,
  dimensions: {
    reliability: 0.4286,
    performance: 1,
    cost_efficiency: 0.8,
    maintainability: 1,
    correctness: 0.8,
  },
  artifactScores: [{ artifactId: 'payments-api', score: 0.9, openFeedbackCount: 1 }],
  version: 2,
};

export const qualityScoreSchema = z
  .object({
    id: z.string().describe('qs_ and 32 hex, derived from (tenant, project, window)'),
    tenantId: z.string(),
    projectId: z.string(),
    window: z.object({ start: z.string(), end: z.string() }),
    computedAt: z.string().describe('Event time: the window end, so a recomputation is identical'),
    overall: unit.describe('Fixed weighted mean of the dimensions'),
    dimensions: dimensionsSchema,
    artifactScores: z
      .array(
        z.object({
          artifactId: z.string(),
          score: unit,
          openFeedbackCount: z.number().int().min(0),
        }),
      )
      .describe('Per-artifact scores from the feedback naming an artifact, sorted by artifactId'),
    version: z.number().int().min(1).describe('Counts the changes of this window’s score'),
  })
  .meta({ example: EXAMPLE_SCORE });

export const historyQuery = z
  .object({
    limit: keysetPageQuery.limit.meta({ example: 50 }),
    cursor: keysetPageQuery.cursor.meta({
      example: '42.5f0c3a1e-8b7d-4c2a-9e6f-1a2b3c4d5e6f',
    }),
  })
  .meta({ example: { limit: 50 } });

export const CHECK_SOURCES = ['ci', 'linter', 'static-analysis', 'security-scan', 'other'] as const;

/** Printable ASCII without spaces, as CI systems spell run and job ids. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

const checkResultSchema = z.strictObject({
  checkId: z
    .string()
    .min(1)
    .max(256)
    .regex(TOKEN_PATTERN)
    .describe(
      'Identity of the check within the project (e.g. pipeline/run/job); posting it again replaces it',
    )
    .meta({ example: 'github-actions/run-4711/unit-tests' }),
  source: z.enum(CHECK_SOURCES).describe('What produced the result'),
  name: z.string().min(1).max(200).describe('Human-readable name').meta({ example: 'unit tests' }),
  dimension: z
    .enum(CHECK_DIMENSIONS)
    .describe('What the check speaks to: tests → correctness, linters → maintainability'),
  outcome: z.enum(CHECK_OUTCOMES),
  completedAt: instant(
    'When the check finished: the windows containing it count it',
    '2024-05-01T10:00:00Z',
  ),
});

const EXAMPLE_CHECKS = [
  {
    checkId: 'github-actions/run-4711/unit-tests',
    source: 'ci' as const,
    name: 'unit tests',
    dimension: 'correctness' as const,
    outcome: 'failed' as const,
    completedAt: '2024-05-01T10:00:00Z',
  },
  {
    checkId: 'eslint/commit-9f2c1e7',
    source: 'linter' as const,
    name: 'eslint',
    dimension: 'maintainability' as const,
    outcome: 'passed' as const,
    completedAt: '2024-05-01T10:02:00Z',
  },
];

export const checkResultsBody = z
  .strictObject({
    results: z
      .array(checkResultSchema)
      .min(1)
      .max(500)
      .describe('1–500 results; a checkId appears once per request (422 quality.duplicate_input)'),
  })
  .meta({ example: { results: EXAMPLE_CHECKS } });

export const checkResultsResponse = z
  .object({
    accepted: z.number().int().min(1).describe('Results stored (new or replacing)'),
    scores: z
      .array(qualityScoreSchema)
      .describe('The scores the results touched, recomputed, by window start'),
  })
  .meta({ example: { accepted: 2, scores: [EXAMPLE_SCORE] } });
