import { getRoute, listRoute, problems, type ServiceContext } from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { costByAgent, costByModel, costOfTrace } from '../cost-breakdown.queries.js';
import { findSignal, listSignals } from '../cost-signal.queries.js';
import {
  agentCostPageSchema,
  breakdownQuery,
  modelCostPageSchema,
  traceCostSchema,
  traceParams,
} from './cost-breakdown.schemas.js';
import { costSignalSchema, signalIdParams, signalListQuery } from './cost-signal.schemas.js';

const SIGNALS = ['cost signals'];
const BREAKDOWNS = ['cost breakdowns'];

/** Read routes: signals and the breakdowns computed from the lines. All need `read`. */
export function costSignalRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const lines = ctx.table('cost_lines');

  listRoute(app, {
    url: '/v1/cost-signals',
    tags: SIGNALS,
    summary: 'List cost signals',
    description:
      "The caller's CostSignals, newest period first (periodStart, then id), filtered by projectId, period (day | month) and periodStart in [from, to). A malformed instant is a 400; an empty range is an empty page.",
    querystring: signalListQuery,
    item: costSignalSchema,
    list: (tenantId, { limit, cursor, ...filter }) =>
      listSignals(ctx.dataSource, tenantId, filter, { limit, cursor }),
  });

  getRoute(app, {
    url: '/v1/cost-signals/:id',
    tags: SIGNALS,
    summary: 'Get a cost signal',
    description:
      'One CostSignal: total, breakdown by category (total = sum of the breakdown), anomalies with their baseline and contributing traces. ETag "<version>".',
    resource: 'cost signal',
    params: signalIdParams,
    response: costSignalSchema,
    find: (tenantId, id) => findSignal(ctx.dataSource, tenantId, id),
    versionOf: (signal) => signal.version,
  });

  // The breakdowns stay hand-written: rankings paged by offset, where listRoute says keyset.
  r.get(
    '/v1/costs/by-model',
    {
      config: { scope: 'read' },
      schema: {
        tags: BREAKDOWNS,
        summary: 'Cost per LLM model and token',
        description:
          'model_inference cost per (model, currency) of lines that occurred in [from, to), optionally of one project: amount, tokens, and costPerToken / costPerMillionTokens (exact division, half-even rounding). Largest first; paged by position with limit and cursor. Needs the read scope.',
        querystring: breakdownQuery,
        response: { 200: modelCostPageSchema, ...problems([400]) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await costByModel(ctx.dataSource, lines, request.auth.tenantId, filter, {
        limit,
        cursor,
      });
      return { items: [...page.items], nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/v1/costs/by-agent',
    {
      config: { scope: 'read' },
      schema: {
        tags: BREAKDOWNS,
        summary: 'Cost per agent',
        description:
          'Cost of all categories per (agentId, currency) of lines that occurred in [from, to), optionally of one project; agentId "none" is cost without an agent. Largest first; paged by position with limit and cursor. Needs the read scope.',
        querystring: breakdownQuery,
        response: { 200: agentCostPageSchema, ...problems([400]) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await costByAgent(ctx.dataSource, lines, request.auth.tenantId, filter, {
        limit,
        cursor,
      });
      return { items: [...page.items], nextCursor: page.nextCursor };
    },
  );

  getRoute(app, {
    url: '/v1/costs/by-trace/:traceId',
    tags: BREAKDOWNS,
    summary: 'What one trace cost',
    description:
      'The cost lines of one trace: totals per currency, per category, and per LLM model with its tokens and cost per token. 404 when the tenant has no cost line of the trace.',
    resource: 'trace cost',
    params: traceParams,
    key: 'traceId',
    response: traceCostSchema,
    find: (tenantId, traceId) => costOfTrace(ctx.dataSource, lines, tenantId, traceId),
  });
}
