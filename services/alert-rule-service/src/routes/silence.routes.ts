import { randomUUID } from 'node:crypto';
import { Silence } from '@obs/domain';
import {
  createRoute,
  deleteRoute,
  getRoute,
  listRoute,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import { findSilence, listSilences, silenceView } from '../silence.queries.js';
import type { SilenceStore } from '../silence.repository.js';
import {
  createSilenceSchema,
  SILENCE_DOMAIN_CODES,
  silenceListQuerySchema,
  silenceSchema,
} from './silence.schemas.js';

const SILENCES_URL = '/v1/silences';
const TAGS = ['silences'];

/** Silences, Alertmanager semantics, with the kit's routes (DELETE expires and keeps the row). */
export function silenceRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: SilenceStore,
): void {
  createRoute(app, ctx, {
    url: SILENCES_URL,
    scope: 'write',
    tags: TAGS,
    summary: 'Create a silence',
    description:
      "Mutes the tenant's alerts whose labels all the matchers match, from startsAt (absent or past: now) to endsAt: such an alert keeps its state, but its AlertTriggered carries silenced: true and no actions, no notification is queued and no incident is opened. Checked when an alert fires or resolves.",
    body: createSilenceSchema,
    response: silenceSchema,
    domainCodes: SILENCE_DOMAIN_CODES,
    store,
    create: (body, call) =>
      Silence.create({
        silenceId: randomUUID(),
        tenantId: call.auth.tenantId,
        matchers: body.matchers,
        startsAt: body.startsAt,
        endsAt: body.endsAt,
        createdBy: body.createdBy ?? call.auth.subject,
        comment: body.comment,
        at: call.at,
      }),
    toDto: (saved) => silenceView(saved.aggregate.toSnapshot(), saved.version, ctx.clock()),
  });

  listRoute(app, {
    url: SILENCES_URL,
    tags: TAGS,
    summary: 'List silences',
    description:
      "The tenant's silences, newest first (createdAt, then id), expired ones included; filter by state (active, pending, expired, as of now).",
    querystring: silenceListQuerySchema,
    item: silenceSchema,
    list: (tenantId, query) =>
      listSilences(ctx.dataSource, tenantId, { state: query.state }, query, ctx.clock()),
  });

  getRoute(app, {
    url: `${SILENCES_URL}/:id`,
    tags: TAGS,
    summary: 'Get a silence',
    description: 'One silence, expired or not, with its state now and ETag "<version>".',
    resource: 'silence',
    response: silenceSchema,
    find: (tenantId, id) => findSilence(ctx.dataSource, tenantId, id, ctx.clock()),
    versionOf: (silence) => silence.version,
  });

  deleteRoute(app, ctx, {
    url: `${SILENCES_URL}/:id`,
    tags: TAGS,
    summary: 'Expire a silence',
    description:
      "Ends the silence now, as Alertmanager's expire does (a pending one too); it stays readable, state expired. An expired silence answers 422 silence.already_expired.",
    store,
    keep: true,
    domainCodes: ['silence.already_expired'],
    remove: (silence, call) => silence.expire(call.at),
  });
}
