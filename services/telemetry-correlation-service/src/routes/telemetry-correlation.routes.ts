import { notFound, problems, setEtag, type ServiceContext } from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { CorrelationExpander, ExpandedView } from '../expand/correlation-expander.js';
import { findCorrelation } from '../telemetry-correlation.queries.js';
import type { CorrelationView } from '../telemetry-correlation.view.js';
import {
  correlationQuery,
  correlationSchema,
  traceIdParams,
} from './telemetry-correlation.schemas.js';

const TAGS = ['correlations'];

type CorrelationDto = z.output<typeof correlationSchema>;

/** The view as the response schema types it (mutable arrays, plain objects). */
function toDto(view: CorrelationView | ExpandedView): CorrelationDto {
  const { links } = view;
  const { missing, ...rest } = view as CorrelationView & Partial<Pick<ExpandedView, 'missing'>>;
  return {
    ...rest,
    dimensions: view.dimensions === null ? null : { ...view.dimensions },
    links: {
      ...links,
      metricSeries: links.metricSeries.map((m) => ({
        ...m,
        series: { ...m.series, group: { ...m.series.group } },
      })),
      incidents: [...links.incidents],
      feedback: [...links.feedback],
      costSignals: [...links.costSignals],
    },
    ...(missing === undefined
      ? {}
      : { missing: missing.map((m) => ({ ...m, link: { ...m.link } })) }),
  };
}

/** One read route: the correlation is written by the consumers alone. */
export function correlationRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  expander: CorrelationExpander,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/correlations/:traceId',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Get the correlation of a trace',
        description:
          'Everything linked to one trace of the caller’s tenant: the trace, its log references (asked of log-query-service by traceId), the metric windows its exemplars were measured in, incidents, feedback and cost signals. With expand=true each linked record is fetched from its owning service with the caller’s token (so tenancy holds there too); a service that is down or refuses gives a partial answer that lists what is missing, never a 5xx. 404 when no event about the trace has been seen in the tenant (another tenant’s trace included). Needs the read scope.',
        params: traceIdParams,
        querystring: correlationQuery,
        response: { 200: correlationSchema, ...problems([400, 404]) },
      },
    },
    async (request, reply) => {
      const view = await findCorrelation(
        ctx.dataSource,
        request.auth.tenantId,
        request.params.traceId,
      );
      if (!view) throw notFound('correlation', request.params.traceId);
      setEtag(reply, view.version);
      if (request.query.expand !== 'true') return toDto(view);
      return toDto(await expander.expand(view, request.headers.authorization));
    },
  );
}
