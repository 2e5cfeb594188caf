import {
  BODY_PROBLEMS,
  HttpProblem,
  getRoute,
  listRoute,
  notFound,
  problems,
  setEtag,
  type ServiceContext,
} from '@obs/service-kit';
import type { QualityWindow } from '@obs/domain';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ensureSupportedInstant, INSTANT_OUT_OF_RANGE } from '../instant-range.js';
import type { QualityInputs } from '../quality-inputs.js';
import { latestScore, scoreHistory } from '../quality-score.queries.js';
import { viewOf } from '../quality-score.view.js';
import type { ScoreRecomputer } from '../score-recomputer.js';
import {
  checkResultsBody,
  checkResultsResponse,
  computeBody,
  historyQuery,
  projectParams,
  qualityScoreSchema,
} from './quality-score.schemas.js';

export const TAGS = ['quality scores'];

/** Refusals of the domain a compute can meet with schema-valid input. */
const COMPUTE_CODES = ['quality.invalid_window', INSTANT_OUT_OF_RANGE];
const CHECK_CODES = ['quality.duplicate_input', INSTANT_OUT_OF_RANGE];

export function qualityScoreRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  inputs: QualityInputs,
  recomputer: ScoreRecomputer,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/quality-scores::compute',
    {
      config: { scope: 'write' },
      schema: {
        tags: TAGS,
        summary: 'Compute the quality score of a project over a window',
        description:
          'Computes the score from the inputs this service holds for (tenant, project, window) and stores it. Idempotent: the score id is derived from (tenant, project, window), and the same inputs store the same score, so a repeat answers the same body and version and emits nothing. When the inputs changed since the last computation, the score is replaced (version + 1) and QualityScoreComputed is published. window.start must be before window.end (422 quality.invalid_window); instants are supported from 1900-01-01 to 3000-01-01 UTC (422 quality.instant_out_of_range). Needs the write scope.',
        body: computeBody,
        response: {
          200: qualityScoreSchema,
          ...problems([...BODY_PROBLEMS, 422], COMPUTE_CODES),
        },
      },
    },
    async (request, reply) => {
      const { projectId, window } = request.body;
      const tenantId = request.auth.tenantId;
      ensureSupportedInstant(window.start, 'body.window.start');
      ensureSupportedInstant(window.end, 'body.window.end');
      const result = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
        await recomputer.lockProject(tx, tenantId, projectId);
        return recomputer.compute(tx, tenantId, projectId, window);
      });
      setEtag(reply, result.version);
      return viewOf(result.aggregate, result.version);
    },
  );

  getRoute(app, {
    url: '/v1/quality-scores/:projectId',
    tags: TAGS,
    summary: "The project's latest quality score",
    description:
      'The stored score of the project whose window ends last (a consumed signal scores its UTC day; a compute may score any window). ETag "<version>". 404 when the tenant has no score for the project.',
    resource: 'quality score of project',
    params: projectParams,
    key: 'projectId',
    response: qualityScoreSchema,
    find: (tenantId, projectId) => latestScore(ctx, tenantId, projectId),
    versionOf: (score) => score.version,
  });

  listRoute(app, {
    url: '/v1/quality-scores/:projectId/history',
    tags: TAGS,
    summary: "The history of the project's quality scores",
    description:
      "Every change of the project's scores, newest first: one item per stored version of any of its windows (a recomputation that changed nothing is not a change). A malformed cursor is a 400. 404 when the tenant has no score for the project.",
    params: projectParams,
    querystring: historyQuery,
    item: qualityScoreSchema,
    statuses: [404],
    list: async (tenantId, query, { projectId = '' }) => {
      const page = await scoreHistory(ctx, tenantId, projectId, query);
      if (page.items.length === 0 && !(await latestScore(ctx, tenantId, projectId))) {
        throw notFound('quality score of project', projectId);
      }
      return page;
    },
  });

  r.post(
    '/v1/quality-scores/:projectId/check-results',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: TAGS,
        summary: 'Report external check results (CI, linters)',
        description:
          "Stores check results of the project and recomputes the scores they touch (the UTC day of each completedAt, and every stored window containing it), in one transaction. A failed check lowers its dimension (correctness or maintainability) as a complaint does; passed checks raise it back. A checkId is one check of the project: posting it again replaces it, so a re-sent batch changes nothing and emits nothing. A checkId repeated within one request answers 422 quality.duplicate_input, and a completedAt outside 1900-01-01 to 3000-01-01 UTC 422 quality.instant_out_of_range; either stores nothing. Results count only in the caller's tenant. Needs the ingest scope (CI systems and linters are machines).",
        params: projectParams,
        body: checkResultsBody,
        response: {
          200: checkResultsResponse,
          ...problems([...BODY_PROBLEMS, 422], CHECK_CODES),
        },
      },
    },
    async (request) => {
      const { projectId } = request.params;
      const { results } = request.body;
      const tenantId = request.auth.tenantId;
      const seen = new Set<string>();
      for (const [i, result] of results.entries()) {
        ensureSupportedInstant(result.completedAt, `body.results.${i}.completedAt`);
        if (seen.has(result.checkId)) {
          throw new HttpProblem(
            422,
            'quality.duplicate_input',
            'Unprocessable Content',
            `check ${result.checkId} is listed twice`,
          );
        }
        seen.add(result.checkId);
      }
      const receivedAt = new Date(ctx.clock()).toISOString();
      const scores = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
        await recomputer.lockProject(tx, tenantId, projectId);
        await inputs.recordCheckResults(tx, tenantId, projectId, results, receivedAt);
        const windows = new Map<string, QualityWindow>();
        const instants = [...new Set(results.map((c) => new Date(c.completedAt).toISOString()))];
        for (const at of instants) {
          const span = { from: at, to: at };
          for (const [key, w] of await recomputer.touchedWindows(tx, tenantId, projectId, span, at))
            windows.set(key, w);
        }
        const recomputed = await recomputer.recomputeAll(tx, tenantId, projectId, windows);
        return recomputed.map((s) => viewOf(s.aggregate, s.version));
      });
      return { accepted: results.length, scores };
    },
  );
}
