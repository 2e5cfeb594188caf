import { notFound, problems, setEtag, type ServiceContext } from '@obs/service-kit';
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
import {
  costSignalPageSchema,
  costSignalSchema,
  signalIdParams,
  signalListQuery,
} from './cost-signal.schemas.js';

const SIGNALS = ['cost signals'];
const BREAKDOWNS = ['cost breakdowns'];

/** Read routes: signals and the breakdowns computed from the lines. All need `read`. */
export function costSignalRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const lines = ctx.table('cost_lines');

  r.get(
    '/v1/cost-signals',
    {
      config: { scope: 'read' },
      schema: {
        tags: SIGNALS,
        summary: 'List cost signals',
        description:
          "The caller's CostSignals, newest period first (periodStart, then id), filtered by projectId, period (day | month) and periodStart in [from, to). A malformed instant is a 400; an empty range is an empty page. Keyset paging: pass nextCursor as cursor. Needs the read scope.",
        querystring: signalListQuery,
        response: { 200: costSignalPageSchema, ...problems([400]) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await listSignals(ctx.dataSource, request.auth.tenantId, filter, {
        limit,
        cursor,
      });
      return { items: [...page.items], nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/v1/cost-signals/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: SIGNALS,
        summary: 'Get a cost signal',
        description:
          'One CostSignal: total, breakdown by category (total = sum of the breakdown), anomalies with their baseline and contributing traces. ETag "<version>". Another tenant\'s id answers 404. Needs the read scope.',
        params: signalIdParams,
        response: { 200: costSignalSchema, ...problems([400, 404]) },
      },
    },
    async (request, reply) => {
      const view = await findSignal(ctx.dataSource, request.auth.tenantId, request.params.id);
      if (!view) throw notFound('cost signal', request.params.id);
      setEtag(reply, view.version);
      return view;
    },
  );

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

  r.get(
    '/v1/costs/by-trace/:traceId',
    {
      config: { scope: 'read' },
      schema: {
        tags: BREAKDOWNS,
        summary: 'What one trace cost',
        description:
          "The cost lines of one trace: totals per currency, per category, and per LLM model with its tokens and cost per token. 404 when the tenant has no cost line of the trace (another tenant's trace included). Needs the read scope.",
        params: traceParams,
        response: { 200: traceCostSchema, ...problems([400, 404]) },
      },
    },
    async (request) => {
      const cost = await costOfTrace(
        ctx.dataSource,
        lines,
        request.auth.tenantId,
        request.params.traceId,
      );
      if (!cost) throw notFound('trace cost', request.params.traceId);
      return cost;
    },
  );
}
