import { BODY_PROBLEMS, problems, type ServiceContext } from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CostIngest } from '../cost-ingest.js';
import { costRecordsBody, ingestResultSchema } from './cost-record.schemas.js';

/** The 422 refusals an accepted-shape batch can still meet (each names the line's field). */
export const INGEST_CODES = [
  'cost.tenant_mismatch',
  'money.currency_mismatch',
  'money.invalid_amount',
  'telemetry.missing_dimensions',
];

export function costRecordRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  ingest: CostIngest,
): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/cost-records',
    {
      config: {
        scope: 'ingest',
        // Per tenant in lines and bytes (docs/limits.md), not in requests.
        ingestLimit: {
          signal: 'costLines',
          count: (body) => (body as { lines: readonly unknown[] }).lines.length,
        },
      },
      schema: {
        tags: ['cost records'],
        summary: 'Send a batch of usage lines',
        description:
          "Stores 1-1000 usage lines (model_inference with model and tokens; compute, storage, network) and recomputes, in the same transaction, the day and month CostSignals they fall in and those whose trailing baseline includes them. Amounts are exact decimal strings. A line id the tenant already sent with the same content is a duplicate, counted once; the same id with other content refuses the whole batch (409 cost.line_id_conflict). A project's first line fixes its currency. New anomalies publish CostAnomalyDetected on obs.cost-signal.v1. Needs the ingest scope. A refused batch writes nothing.",
        body: costRecordsBody,
        response: {
          200: ingestResultSchema,
          ...problems([...BODY_PROBLEMS, 409, 422], INGEST_CODES),
        },
      },
    },
    async (request) =>
      ingest.ingest(
        { context: request.otelContext },
        request.auth.tenantId,
        request.body.lines,
        new Date(ctx.clock()).toISOString(),
      ),
  );
}
