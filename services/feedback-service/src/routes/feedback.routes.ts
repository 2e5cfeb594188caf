import { randomUUID } from 'node:crypto';
import { FeedbackItem, type FeedbackSource } from '@obs/domain';
import {
  commandRoute,
  createRoute,
  getRoute,
  hasScope,
  HttpProblem,
  listRoute,
  type AuthContext,
  type Call,
  type ServiceContext,
  type Versioned,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { findFeedback, listFeedback } from '../feedback-item.queries.js';
import type { FeedbackItemStore } from '../feedback-item.repository.js';
import { routeOnCreation } from '../feedback-router.js';
import { viewOfSnapshot, type FeedbackItemView } from '../feedback-item.view.js';
import {
  applyBody,
  createFeedbackBody,
  editBody,
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
];

export type FeedbackDto = z.output<typeof feedbackSchema>;

export function toDto(view: FeedbackItemView): FeedbackDto {
  return { ...view, attachments: view.attachments.map((a) => ({ ...a })) };
}

export const savedDto = (saved: Versioned<FeedbackItem>): FeedbackDto =>
  toDto(viewOfSnapshot(saved.aggregate.toSnapshot(), saved.version));

const FEEDBACK_URL = '/v1/feedback';

/** People write, machines ingest: the source defaults to what the token is for. */
const sourceOf = (body: z.output<typeof createFeedbackBody>, call: Call): FeedbackSource =>
  body.source ?? (hasScope(call.auth, 'write') ? 'human' : 'agent');

/** An agent: a token that may ingest but neither read everything nor write (people do). */
const isAgent = (auth: AuthContext): boolean =>
  !hasScope(auth, 'read') && !hasScope(auth, 'write') && hasScope(auth, 'ingest');

const notYourInbox = (detail: string) =>
  new HttpProblem(403, 'not_your_inbox', 'Forbidden', detail);

/**
 * The inbox an agent reads: its own (routedTo = its subject) unless it names it. A person's
 * `read` token lists any inbox, or none (every item).
 */
function inboxOf(auth: AuthContext, routedTo: string | undefined): string | undefined {
  if (!isAgent(auth)) return routedTo;
  if (routedTo !== undefined && routedTo !== auth.subject) {
    throw notYourInbox('an ingest-only token reads its own inbox (routedTo = its subject)');
  }
  return auth.subject;
}

/** Thin routes: the kit's create (two scopes, Idempotency-Key), get, list and command routes. */
export function feedbackRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: FeedbackItemStore,
  idempotencyTtlHours: number,
): void {
  createRoute(app, ctx, {
    url: FEEDBACK_URL,
    scope: ['write', 'ingest'],
    // Agents send feedback as telemetry: limited per tenant in items and bytes (docs/limits.md).
    ingestLimit: { signal: 'feedbackItems', count: () => 1 },
    tags: TAGS,
    summary: 'Capture feedback',
    description:
      'Captures a feedback item and emits the public FeedbackItemCreated on obs.feedback-item.v1. In the same transaction the first matching routing rule (/v1/feedback-routes) routes it (status routed, FeedbackItemRouted); with no match it stays captured. The write scope is for people (source defaults to human), the ingest scope for agents and machines (source defaults to agent).',
    body: createFeedbackBody,
    response: feedbackSchema,
    domainCodes: CREATE_CODES,
    // The defaulted source is part of what the request meant: a machine reusing a person's key.
    idempotency: {
      ttlHours: idempotencyTtlHours,
      meaning: (body, call) => ({ ...body, source: sourceOf(body, call) }),
    },
    store,
    create: async (body, call, tx) => {
      const item = FeedbackItem.create({
        feedbackItemId: randomUUID(),
        tenantId: call.auth.tenantId,
        projectId: body.projectId,
        artifactId: body.artifactId,
        moduleId: body.moduleId,
        source: sourceOf(body, call),
        sourceId: body.sourceId,
        category: body.category,
        sentiment: body.sentiment,
        summary: body.summary,
        detail: body.detail,
        traceId: body.traceId,
        createdAt: call.at,
      });
      await routeOnCreation(tx, item, call.auth.tenantId, call.at);
      return item;
    },
    toDto: savedDto,
  });

  listRoute(app, {
    url: FEEDBACK_URL,
    // An agent's ingest token reads its own inbox; people read with `read`.
    scope: ['read', 'ingest'],
    tags: TAGS,
    summary: 'List feedback (an inbox)',
    description:
      "Lists the caller's feedback items, newest first (createdAt, then id), filtered by projectId, artifactId, source, category, sentiment, status, routedTo (an inbox), traceId and createdAt in [from, to). An ingest-only token (an agent) lists its own inbox: routedTo defaults to its subject, and another routedTo answers 403 not_your_inbox.",
    querystring: listQuery,
    item: feedbackSchema,
    statuses: [403],
    list: async (tenantId, { limit, cursor, ...filter }, _params, auth) => {
      const inbox = { ...filter, routedTo: inboxOf(auth, filter.routedTo) };
      const page = await listFeedback(ctx.dataSource, tenantId, inbox, { limit, cursor });
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  });

  getRoute(app, {
    url: `${FEEDBACK_URL}/:id`,
    tags: TAGS,
    summary: 'Get a feedback item',
    description:
      'One feedback item of the caller\'s tenant with its attachments, and ETag "<version>" for If-Match.',
    resource: 'feedback item',
    params: idParams,
    response: feedbackSchema,
    find: async (tenantId, id) => {
      const view = await findFeedback(ctx.dataSource, tenantId, id);
      return view && toDto(view);
    },
    versionOf: (dto) => dto.version,
  });

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
      'captured → routed by hand: hands an item no rule routed to a team, backlog or agent (body { to }) and emits FeedbackItemRouted (no rule, no receiver). From here on the summary is frozen.',
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
    // People apply any item; an agent (ingest-only token) applies what was routed to it.
    scope: ['write', 'ingest'],
    tags: TAGS,
    summary: 'Mark applied',
    description:
      'routed → applied, with a reference to the change that applied the improvement (body { changeRef }: a commit, pull request, deployment or ticket). Final; emits FeedbackItemApplied. An ingest-only token (an agent) applies only items routed to it (routedTo = its subject), else 403 not_your_inbox.',
    statuses: [403],
    body: applyBody,
    response: feedbackSchema,
    domainCodes: [
      'feedback.invalid_transition',
      'feedback.change_ref_required',
      'feedback.reference_too_long',
      'feedback.time_out_of_order',
    ],
    store,
    run: (item, body, call) => {
      if (isAgent(call.auth) && item.toSnapshot().routedTo !== call.auth.subject) {
        throw notYourInbox('an ingest-only token applies only items routed to it');
      }
      item.apply({ changeRef: body.changeRef, at: call.at });
    },
    toDto: savedDto,
  });
}
