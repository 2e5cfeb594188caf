import { randomUUID } from 'node:crypto';
import { FeedbackItem } from '@obs/domain';
import {
  BODY_PROBLEMS,
  commandRoute,
  hasScope,
  notFound,
  problems,
  setEtag,
  type ServiceContext,
  type Versioned,
} from '@obs/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { findFeedback, listFeedback } from '../feedback-item.queries.js';
import type { FeedbackItemStore } from '../feedback-item.repository.js';
import { viewOfSnapshot, type FeedbackItemView } from '../feedback-item.view.js';
import { requestHash, type IdempotencyKeys } from '../idempotency-keys.js';
import { anyScopeRoute } from '../kit-candidate-any-scope.js';
import {
  applyBody,
  createFeedbackBody,
  createHeaders,
  editBody,
  feedbackPageSchema,
  feedbackSchema,
  idParams,
  listQuery,
  routeBody,
} from './feedback.schemas.js';

export const TAGS = ['feedback'];

/** What FeedbackItem.create can refuse a request body with. */
const CREATE_CODES = [
  'feedback.summary_required',
  'feedback.summary_too_long',
  'feedback.detail_too_long',
  'feedback.reference_too_long',
  'feedback.source_id_required',
  'feedback.attribution_required',
  'trace.invalid_trace_id',
  'idempotency_key_reused',
];

export type FeedbackDto = z.output<typeof feedbackSchema>;

export function toDto(view: FeedbackItemView): FeedbackDto {
  return { ...view, attachments: view.attachments.map((a) => ({ ...a })) };
}

export const savedDto = (saved: Versioned<FeedbackItem>): FeedbackDto =>
  toDto(viewOfSnapshot(saved.aggregate.toSnapshot(), saved.version));

const location = (id: string) => `/v1/feedback/${id}`;

/**
 * Thin routes: creation by hand (it takes two scopes and an Idempotency-Key, which the kit's
 * createRoute does not), reads, and the workflow verbs as kit command routes.
 */
export function feedbackRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: FeedbackItemStore,
  keys: IdempotencyKeys,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const create = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as z.output<typeof createFeedbackBody>;
    const { 'idempotency-key': key } = request.headers as z.output<typeof createHeaders>;
    const auth = request.auth;
    const at = new Date(ctx.clock());
    // People write, machines ingest: the source defaults to what the token is for.
    const source = body.source ?? (hasScope(auth, 'write') ? 'human' : 'agent');
    const result = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
      if (key !== undefined) {
        const replay = await keys.claim(
          tx,
          auth.tenantId,
          key,
          requestHash({ ...body, source }),
          at,
        );
        if (replay) return { dto: replay.response as FeedbackDto, replayed: true };
      }
      const item = FeedbackItem.create({
        feedbackItemId: randomUUID(),
        tenantId: auth.tenantId,
        projectId: body.projectId,
        artifactId: body.artifactId,
        source,
        sourceId: body.sourceId,
        category: body.category,
        sentiment: body.sentiment,
        summary: body.summary,
        detail: body.detail,
        traceId: body.traceId,
        createdAt: at.toISOString(),
      });
      const version = await store.save(tx, item, 0);
      const dto = savedDto({ id: item.id, aggregate: item, version });
      if (key !== undefined) await keys.complete(tx, auth.tenantId, key, item.id, dto);
      return { dto, replayed: false };
    });
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    // The ETag of the first answer: a retry must not look newer than what it replays.
    setEtag(reply, result.dto.version);
    return reply.code(201).header('location', location(result.dto.id)).send(result.dto);
  };

  anyScopeRoute(app, ['write', 'ingest'], {
    method: 'POST',
    url: '/v1/feedback',
    schema: {
      tags: TAGS,
      summary: 'Capture feedback',
      description:
        'Captures a feedback item (status captured) and emits the public FeedbackItemCreated on obs.feedback-item.v1. Needs the write scope (people; source defaults to human) or the ingest scope (agents and machines; source defaults to agent). With an Idempotency-Key header a retry answers the first result again (201, same body, Idempotent-Replayed: true) and creates nothing; the same key with another body answers 422 idempotency_key_reused. 201 with the item, its ETag and a Location header.',
      headers: createHeaders,
      body: createFeedbackBody,
      response: {
        201: feedbackSchema,
        ...problems([...BODY_PROBLEMS, 422], CREATE_CODES),
      },
    },
    handler: create,
  });

  r.get(
    '/v1/feedback',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'List feedback',
        description:
          "Lists the caller's feedback items, newest first (createdAt, then id), filtered by projectId, artifactId, source, category, sentiment, status and createdAt in [from, to). Keyset paging: pass nextCursor as cursor. Needs the read scope.",
        querystring: listQuery,
        response: { 200: feedbackPageSchema, ...problems([400]) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await listFeedback(ctx.dataSource, request.auth.tenantId, filter, {
        limit,
        cursor,
      });
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/v1/feedback/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Get a feedback item',
        description:
          'One feedback item of the caller\'s tenant with its attachments, and ETag "<version>" for If-Match. Another tenant\'s id answers 404. Needs the read scope.',
        params: idParams,
        response: { 200: feedbackSchema, ...problems([400, 404]) },
      },
    },
    async (request, reply) => {
      const view = await findFeedback(ctx.dataSource, request.auth.tenantId, request.params.id);
      if (!view) throw notFound('feedback item', request.params.id);
      setEtag(reply, view.version);
      return toDto(view);
    },
  );

  commandRoute(app, ctx, {
    url: '/v1/feedback/:id',
    method: 'PATCH',
    scope: 'write',
    tags: TAGS,
    summary: 'Edit the summary',
    description:
      'Changes the summary while the item is captured. Once routed the summary is frozen: 422 feedback.summary_immutable.',
    body: editBody,
    response: feedbackSchema,
    domainCodes: [
      'feedback.summary_immutable',
      'feedback.summary_required',
      'feedback.summary_too_long',
    ],
    store,
    run: (item, body) => item.editSummary(body.summary),
    toDto: savedDto,
  });

  commandRoute(app, ctx, {
    url: '/v1/feedback/:id/route',
    scope: 'write',
    tags: TAGS,
    summary: 'Route to a team or agent',
    description:
      'captured → routed: hands the item to a team, backlog or agent (body { to }). From here on the summary is frozen.',
    body: routeBody,
    response: feedbackSchema,
    domainCodes: [
      'feedback.invalid_transition',
      'feedback.route_target_required',
      'feedback.reference_too_long',
      'feedback.time_out_of_order',
    ],
    store,
    run: (item, body, call) => item.route({ to: body.to, at: call.at }),
    toDto: savedDto,
  });

  commandRoute(app, ctx, {
    url: '/v1/feedback/:id/apply',
    scope: 'write',
    tags: TAGS,
    summary: 'Mark applied',
    description:
      'routed → applied, with a reference to the change that applied the improvement (body { changeRef }: a commit, pull request, deployment or ticket). Final.',
    body: applyBody,
    response: feedbackSchema,
    domainCodes: [
      'feedback.invalid_transition',
      'feedback.change_ref_required',
      'feedback.reference_too_long',
      'feedback.time_out_of_order',
    ],
    store,
    run: (item, body, call) => item.apply({ changeRef: body.changeRef, at: call.at }),
    toDto: savedDto,
  });
}
