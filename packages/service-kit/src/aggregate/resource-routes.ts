import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { scopeText, type AuthContext, type Scope } from '../auth/auth.js';
import type { ServiceContext } from '../build-service.js';
import { assertVersion, ifMatchVersion, setEtag } from '../http/etag.js';
import { pageSchema, type Page } from '../http/pagination.js';
import { problems } from '../http/problems.js';
import { notFound } from '../problem.js';
import type { Transaction } from '../db/unit-of-work.js';
import type { VersionedRow } from '../db/versioned-save.js';
import type { AggregateStore, EventSource } from './aggregate-store.js';
import { ifMatchHeaders } from './aggregate-routes.js';
import { callOf, idParams, type Call, type RouteDocs } from './route-docs.js';

/** Path parameters, all strings; the resource's key is `id` unless the route names another. */
type KeyParams = z.ZodObject<Record<string, z.ZodType<string>>>;

export interface GetRouteOptions<
  R extends z.ZodType,
  P extends KeyParams,
  Q extends z.ZodType = z.ZodType,
> extends RouteDocs {
  /** e.g. `/v1/incidents/:id`. */
  readonly url: string;
  /** Default `read`. */
  readonly scope?: Scope | readonly Scope[];
  /** In 404 details: "incident 3f2c… was not found". */
  readonly resource: string;
  /** Default a uuid `id`; a resource keyed otherwise names its own (a 32-hex traceId). */
  readonly params?: P;
  /** The path parameter `find` is given; default `id`. */
  readonly key?: keyof z.output<P> & string;
  readonly response: R;
  /** Query parameters of a read that takes some (`?at=` on a computed view); validated, 400. */
  readonly querystring?: Q;
  /**
   * The tenant's resource, or undefined (another tenant's id is as unknown as a missing one);
   * `query` is the validated querystring, when the route has one.
   */
  readonly find: (
    tenantId: string,
    id: string,
    query: z.output<Q>,
  ) => Promise<z.input<R> | undefined>;
  /** Its version, sent as the ETag, for a resource that has one. */
  readonly versionOf?: (item: z.input<R>) => number;
}

/** `GET /v1/<resource>/:id`: 200 with the resource (and its ETag) or 404 in the caller's tenant. */
export function getRoute<
  R extends z.ZodType,
  P extends KeyParams = typeof idParams,
  Q extends z.ZodType = z.ZodType,
>(app: FastifyInstance, options: GetRouteOptions<R, P, Q>): void {
  const scope = options.scope ?? 'read';
  const schema: FastifySchema = {
    tags: [...options.tags],
    summary: options.summary,
    description: `${options.description} Another tenant's id answers 404. Needs ${scopeText(scope)}.`,
    params: options.params ?? idParams,
    ...(options.querystring ? { querystring: options.querystring } : {}),
    response: { 200: options.response, ...problems([400, 404]) },
  };
  app.get(options.url, { config: { scope }, schema }, async (request, reply) => {
    const id = (request.params as Record<string, string>)[options.key ?? 'id'] ?? '';
    const item = await options.find(request.auth.tenantId, id, request.query as z.output<Q>);
    if (item === undefined) throw notFound(options.resource, id);
    if (options.versionOf) setEtag(reply, options.versionOf(item));
    return item;
  });
}

export interface ListRouteOptions<Q extends z.ZodType, I extends z.ZodType> extends RouteDocs {
  readonly url: string;
  /** Default `read`. */
  readonly scope?: Scope | readonly Scope[];
  /** Filters spread with `keysetPageQuery` (limit and cursor). */
  readonly querystring: Q;
  /** The path's parameters, for a list under a parent resource (`/v1/incidents/:id/events`). */
  readonly params?: KeyParams;
  readonly item: I;
  /** Statuses besides 200 and 400 (a 404 for a list under a parent resource). */
  readonly statuses?: readonly number[];
  /**
   * The tenant's page; `params` holds the path's parameters, for a list under a parent; `auth`
   * is the caller, for a list whose default depends on who asks (an agent's own inbox).
   */
  readonly list: (
    tenantId: string,
    query: z.output<Q>,
    params: Readonly<Record<string, string>>,
    auth: AuthContext,
  ) => Promise<Page<z.input<I>>>;
}

/** The page schema, with the item's example in it (every documented response has one). */
function pageOf(item: z.ZodType) {
  const example = (item.meta() as { example?: unknown } | undefined)?.example;
  return pageSchema(item).meta({
    example: { items: example === undefined ? [] : [example], nextCursor: null },
  });
}

/** `GET /v1/<resource>`: one keyset page `{ items, nextCursor }` of the caller's tenant. */
export function listRoute<Q extends z.ZodType, I extends z.ZodType>(
  app: FastifyInstance,
  options: ListRouteOptions<Q, I>,
): void {
  const scope = options.scope ?? 'read';
  const schema: FastifySchema = {
    tags: [...options.tags],
    summary: options.summary,
    description: `${options.description} Keyset paging: pass nextCursor as cursor. Needs ${scopeText(scope)}.`,
    querystring: options.querystring,
    ...(options.params ? { params: options.params } : {}),
    response: {
      200: pageOf(options.item),
      ...problems([400, ...(options.statuses ?? [])]),
    },
  };
  app.get(options.url, { config: { scope }, schema }, async (request) => {
    const page = await options.list(
      request.auth.tenantId,
      request.query as z.output<Q>,
      request.params as Record<string, string>,
      request.auth,
    );
    return { items: [...page.items], nextCursor: page.nextCursor };
  });
}

export interface DeleteRouteOptions<
  A extends EventSource,
  Row extends VersionedRow,
> extends RouteDocs {
  /** e.g. `/v1/alert-rules/:id`. */
  readonly url: string;
  /** Default `write`. */
  readonly scope?: Scope | readonly Scope[];
  readonly store: AggregateStore<A, Row>;
  /**
   * The domain's farewell, when it has one: an intent-named method that checks the aggregate
   * may go (a DomainError answers 422) and records its event, published with the delete.
   */
  readonly remove?: (aggregate: A, call: Call, tx: Transaction) => void | Promise<void>;
  readonly domainCodes?: readonly string[];
  /**
   * The row stays: the farewell retires the aggregate (expires, archives it) and it is saved at
   * its next version instead of deleted, so it stays readable (an Alertmanager silence expired
   * early). Default false: the row is deleted.
   */
  readonly keep?: boolean;
}

/**
 * `DELETE /v1/<resource>/:id`: 204, or 404 in the caller's tenant, or 409 for a stale If-Match.
 * Row lock, If-Match check, the farewell, the delete (or, with `keep`, the save) and its events
 * are one unit of work.
 */
export function deleteRoute<A extends EventSource, Row extends VersionedRow>(
  app: FastifyInstance,
  ctx: ServiceContext,
  options: DeleteRouteOptions<A, Row>,
): void {
  const scope = options.scope ?? 'write';
  const codes = options.domainCodes ?? [];
  const schema: FastifySchema = {
    tags: [...options.tags],
    summary: options.summary,
    description: `${options.description} Optional If-Match "<version>": a stale one answers 409. Needs ${scopeText(scope)}. 204 when ${options.keep === true ? 'done (the resource stays readable)' : 'deleted'}.`,
    params: idParams,
    headers: ifMatchHeaders,
    response: {
      204: z.null().describe(options.keep === true ? 'Retired; still readable' : 'Deleted'),
      ...problems([400, 404, 409, ...(codes.length > 0 ? [422] : [])], codes),
    },
  };
  const { resource } = options.store.mapper;
  app.delete(options.url, { config: { scope }, schema }, async (request, reply) => {
    const expected = ifMatchVersion(request);
    const { id } = request.params as z.output<typeof idParams>;
    const call = callOf(request, ctx);
    await ctx.uow.run({ context: request.otelContext }, async (tx) => {
      const loaded = await options.store.loadForUpdate(tx, call.auth.tenantId, id);
      if (!loaded) throw notFound(resource, id);
      assertVersion(expected, loaded.version);
      await options.remove?.(loaded.aggregate, call, tx);
      if (options.keep === true) await options.store.save(tx, loaded.aggregate, loaded.version);
      else await options.store.delete(tx, call.auth.tenantId, loaded);
    });
    return reply.code(204).send(null);
  });
}
