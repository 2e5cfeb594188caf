import { problems, type ServiceContext } from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PEER_ATTRIBUTES, serviceEdges } from './service-map.queries.js';

const DAY_MS = 86_400_000;
/** The longest window one request computes over (the graph is computed from raw spans). */
const MAX_WINDOW_DAYS = 31;

const query = z.strictObject({
  projectId: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('Only spans of this project (project.id); all of the tenant by default'),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Spans starting at or after (ISO-8601; default `to` minus 24 hours)'),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Spans starting before (ISO-8601; default now)'),
});

const edge = z.object({
  caller: z.string().describe('service.name of the calling span'),
  callee: z.string().describe('service.name of the answering span, or the peer attribute value'),
  calleeKind: z
    .enum(['service', 'peer'])
    .describe('`peer`: an uninstrumented callee, named by the caller span only'),
  peerAttribute: z
    .string()
    .nullable()
    .describe(`The attribute that named a peer (first of ${PEER_ATTRIBUTES.join(', ')})`),
  callCount: z.number().int().min(0),
  errorCount: z.number().int().min(0).describe('Calls where either side has status error'),
  p50Ms: z.number().describe('Median call duration (the client span when there is one)'),
  p95Ms: z.number(),
});

const serviceMap = z.object({
  from: z.string(),
  to: z.string(),
  projectId: z.string().nullable(),
  nodes: z.array(z.object({ name: z.string(), kind: z.enum(['service', 'peer']) })),
  edges: z.array(edge),
});

/** GET /v1/service-map: the dependency graph between services, computed from stored spans. */
export function serviceMapRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/service-map',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['traces'],
        summary: 'Service map: calls between services',
        description: `The dependency graph of the caller's spans starting in [from, to) (at most ${MAX_WINDOW_DAYS} days; a later from than to is an empty window), one project's with projectId. An edge per (caller, callee): a server or consumer span whose parent is a client or producer span (or a span of another service) is a call from the parent's service; a client or producer span nobody answered is a call to the peer its attributes name (${PEER_ATTRIBUTES.join(', ')}; none set: not counted). Retried copies of a span count once. errorCount: calls where either span has status error. p50/p95: the client span's duration when there is one, else the server's. GET /jaeger/api/dependencies answers the same edges in Jaeger's form. Needs the read scope.`,
        querystring: query,
        response: { 200: serviceMap, ...problems([400]) },
      },
    },
    async (request) => {
      const toMs = request.query.to === undefined ? ctx.clock() : Date.parse(request.query.to);
      const fromMs =
        request.query.from === undefined
          ? toMs - DAY_MS
          : Math.max(Date.parse(request.query.from), toMs - MAX_WINDOW_DAYS * DAY_MS);
      const edges = await serviceEdges(ctx, request.auth.tenantId, {
        fromMs,
        toMs,
        projectId: request.query.projectId,
      });
      const nodes = new Map<string, 'service' | 'peer'>();
      for (const e of edges) {
        nodes.set(e.caller, 'service');
        if (!nodes.has(e.callee) || e.calleeKind === 'service') nodes.set(e.callee, e.calleeKind);
      }
      return {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        projectId: request.query.projectId ?? null,
        nodes: [...nodes]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, kind]) => ({ name, kind })),
        edges,
      };
    },
  );
}
