import { randomUUID } from 'node:crypto';
import { FeedbackRoute, type FeedbackRouteSnapshot } from '@obs/domain';
import {
  commandRoute,
  createRoute,
  deleteRoute,
  getRoute,
  keysetPage,
  listRoute,
  type ServiceContext,
  type Versioned,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  FeedbackRouteEntity,
  toRouteSnapshot,
  type FeedbackRouteRow,
  type FeedbackRouteStore,
} from '../feedback-route.repository.js';
import {
  FEEDBACK_ROUTE_CODES,
  feedbackRouteBody,
  feedbackRouteSchema,
  routeListQuery,
} from './feedback-route.schemas.js';

const TAGS = ['feedback-routes'];
const URL = '/v1/feedback-routes';

type FeedbackRouteDto = z.output<typeof feedbackRouteSchema>;

function dtoOf(snapshot: FeedbackRouteSnapshot, version: number): FeedbackRouteDto {
  return {
    id: snapshot.feedbackRouteId,
    name: snapshot.name,
    position: snapshot.position,
    matchers: snapshot.matchers.map((m) => ({ ...m })),
    to: snapshot.to,
    receiverId: snapshot.receiverId,
    createdAt: snapshot.createdAt,
    updatedAt: snapshot.updatedAt,
    version,
  };
}

const rowDto = (row: FeedbackRouteRow) => dtoOf(toRouteSnapshot(row), row.version);
const savedDto = (saved: Versioned<FeedbackRoute>) =>
  dtoOf(saved.aggregate.toSnapshot(), saved.version);

/**
 * Routing rules (Alertmanager's routes for feedback): tried by position, the first match routes a
 * new item. Reading them needs `read`, changing them `write`; the kit's CRUD routes throughout.
 */
export function feedbackRouteRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: FeedbackRouteStore,
): void {
  createRoute(app, ctx, {
    url: URL,
    scope: 'write',
    tags: TAGS,
    summary: 'Create a routing rule',
    description:
      'A rule that routes new feedback items: tried by ascending position, the first whose matchers all match sets routedTo (and tells its receiver, if it names one). Items created before the rule are not touched. A position already taken answers 409.',
    body: feedbackRouteBody,
    response: feedbackRouteSchema,
    domainCodes: FEEDBACK_ROUTE_CODES,
    store,
    create: (body, call) =>
      FeedbackRoute.create({
        ...body,
        feedbackRouteId: randomUUID(),
        tenantId: call.auth.tenantId,
        at: call.at,
      }),
    toDto: savedDto,
  });

  listRoute(app, {
    url: URL,
    tags: TAGS,
    summary: 'List routing rules',
    description: "The caller's routing rules in the order they are tried (ascending position).",
    querystring: routeListQuery,
    item: feedbackRouteSchema,
    list: (tenantId, query) =>
      keysetPage(
        ctx.dataSource
          .getRepository(FeedbackRouteEntity)
          .createQueryBuilder('r')
          .where('r.tenantId = :tenantId', { tenantId }),
        {
          sortColumn: 'r.position',
          sortType: 'bigint',
          idColumn: 'r.id',
          idType: 'uuid',
          direction: 'ASC',
        },
        query,
        { toItem: rowDto, positionOf: (row) => ({ sortKey: row.position, id: row.id }) },
      ),
  });

  getRoute(app, {
    url: `${URL}/:id`,
    tags: TAGS,
    summary: 'Get a routing rule',
    description: 'One routing rule, with ETag "<version>" for If-Match.',
    resource: 'feedback route',
    response: feedbackRouteSchema,
    find: async (tenantId, id) => {
      const row = await ctx.dataSource
        .getRepository(FeedbackRouteEntity)
        .findOneBy({ id, tenantId });
      return row ? rowDto(row) : undefined;
    },
    versionOf: (dto) => dto.version,
  });

  commandRoute(app, ctx, {
    url: `${URL}/:id`,
    method: 'PUT',
    scope: 'write',
    tags: TAGS,
    summary: 'Replace a routing rule',
    description:
      'Replaces the rule. Items it routed before keep their routedTo: a rule applies when an item is created, never after. A position already taken answers 409.',
    body: feedbackRouteBody,
    response: feedbackRouteSchema,
    domainCodes: FEEDBACK_ROUTE_CODES,
    store,
    run: (route, body, call) => route.redefine(body, call.at),
    toDto: savedDto,
  });

  deleteRoute(app, ctx, {
    url: `${URL}/:id`,
    tags: TAGS,
    summary: 'Delete a routing rule',
    description: 'Deletes the rule; items it routed keep their routedTo.',
    store,
  });
}
