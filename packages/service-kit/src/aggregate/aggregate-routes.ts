import type { FastifyInstance, FastifyReply, FastifySchema } from 'fastify';
import { z } from 'zod';
import { scopeText, type Scope } from '../auth/auth.js';
import type { ServiceContext } from '../build-service.js';
import { ifMatchVersion, setEtag } from '../http/etag.js';
import { BODY_PROBLEMS, problems, type StatusNotes } from '../http/problems.js';
import {
  IdempotencyKeys,
  idempotencyKeyHeaders,
  requestHash,
} from '../idempotency/idempotency-keys.js';
import type { AggregateStore, EventSource, Versioned } from './aggregate-store.js';
import type { Transaction } from '../db/unit-of-work.js';
import type { VersionedRow } from '../db/versioned-save.js';
import { callOf, idParams, type Call, type RouteDocs } from './route-docs.js';
import type { IngestLimitOption } from '../limits/ingest-limits.js';

/** `If-Match: "<version>"`, documented so clients (and fuzzers) send a well-formed one. */
export const ifMatchHeaders = z.object({
  'if-match': z
    .string()
    .regex(/^(?:W\/)?"?[0-9]{1,15}"?$|^[*]$/)
    .optional()
    .describe(
      'ETag "<version>" of the version this change is based on (a bare number is read the same); a stale one answers 409',
    ),
});

/** Idempotency-Key on a create route: how long a key is remembered, and what a request means. */
export interface IdempotencyOption<B extends z.ZodType> {
  readonly ttlHours: number;
  /**
   * What the request meant, hashed to tell a retry from a reuse: the validated body by default;
   * add whatever the create derives from the caller (a defaulted source, say).
   */
  readonly meaning?: (body: z.output<B>, call: Call) => unknown;
}

export interface CreateRouteOptions<
  A extends EventSource,
  Row extends VersionedRow,
  B extends z.ZodType,
  R extends z.ZodType,
> extends RouteDocs {
  /** e.g. `/v1/incidents`; the Location is `<url>/<id>`. */
  readonly url: string;
  readonly scope: Scope | readonly Scope[];
  readonly body: B;
  readonly response: R;
  /** The 422 codes the domain can refuse this body with (documented). */
  readonly domainCodes: readonly string[];
  /** Statuses the route can answer besides 201, the body problems, 409 and 422 (a 503). */
  readonly statuses?: readonly number[];
  /** The route's own words on a status (what its 503 also means). */
  readonly statusNotes?: StatusNotes;
  /** `Idempotency-Key` support: a retry with the key answers the first result again. */
  readonly idempotency?: IdempotencyOption<B>;
  /**
   * Counts the route as ingest (machines sending items, docs/limits.md): per-tenant items and
   * bytes buckets instead of the request limit.
   */
  readonly ingestLimit?: IngestLimitOption;
  readonly store: AggregateStore<A, Row>;
  /**
   * The domain factory (`Aggregate.create(...)`); a DomainError answers 422 with its code. Any
   * lookup it needs (rules that shape the new aggregate) reads through `tx`, the transaction the
   * aggregate is saved in, so what it read and what it wrote commit together.
   */
  readonly create: (body: z.output<B>, call: Call, tx: Transaction) => A | Promise<A>;
  readonly toDto: (saved: Versioned<A>) => z.input<R>;
}

/** What an idempotent create stores as its first answer, and replays. */
interface FirstAnswer {
  readonly id: string;
  readonly version: number;
  readonly body: unknown;
}

/**
 * `POST /v1/<resource>`: 201 with the whole resource, its ETag and Location. A unique index
 * (or a DomainError `*.name_not_unique`) answers 409. With `idempotency`, a retry carrying the
 * same `Idempotency-Key` and meaning answers the first 201 again (`Idempotent-Replayed: true`)
 * and creates nothing; the key and the resource commit together, so a refused request is not
 * remembered.
 */
export function createRoute<
  A extends EventSource,
  Row extends VersionedRow,
  B extends z.ZodType,
  R extends z.ZodType,
>(app: FastifyInstance, ctx: ServiceContext, options: CreateRouteOptions<A, Row, B, R>): void {
  const { idempotency } = options;
  const domainCodes = idempotency
    ? [...options.domainCodes, 'idempotency_key_reused']
    : options.domainCodes;
  // Registered untyped: the zod schemas still validate and serialise (the app's compilers); the
  // generic body/response types are carried by the options instead of the type provider.
  const schema: FastifySchema = {
    tags: [...options.tags],
    summary: options.summary,
    description: `${options.description}${idempotency ? IDEMPOTENCY_NOTE : ''} Needs ${scopeText(options.scope)}. 201 with the resource, its ETag and a Location header.`,
    ...(idempotency ? { headers: idempotencyKeyHeaders } : {}),
    body: options.body,
    response: {
      201: options.response,
      ...problems(
        [...BODY_PROBLEMS, 409, 422, ...(options.statuses ?? [])],
        domainCodes,
        options.statusNotes,
      ),
    },
  };
  const keys = new IdempotencyKeys(ctx.table('idempotent_requests'));
  const operation = `POST ${options.url}`;
  const answer = (reply: FastifyReply, first: FirstAnswer) => {
    setEtag(reply, first.version);
    return reply.code(201).header('location', `${options.url}/${first.id}`).send(first.body);
  };
  const config = {
    scope: options.scope,
    ...(options.ingestLimit ? { ingestLimit: options.ingestLimit } : {}),
  };
  app.post(options.url, { config, schema }, async (request, reply) => {
    const call = callOf(request, ctx);
    const body = request.body as z.output<B>;
    const key = (request.headers as { 'idempotency-key'?: string })['idempotency-key'];
    if (!idempotency || key === undefined) {
      const saved = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
        const aggregate = await options.create(body, call, tx);
        const version = await options.store.save(tx, aggregate, 0);
        return { id: options.store.mapper.toRow(aggregate, version).id, aggregate, version };
      });
      return answer(reply, { id: saved.id, version: saved.version, body: options.toDto(saved) });
    }
    const claim = {
      tenantId: call.auth.tenantId,
      operation,
      key,
      hash: requestHash(idempotency.meaning?.(body, call) ?? body),
      at: new Date(call.at),
      ttlHours: idempotency.ttlHours,
    };
    const result = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
      const replay = await keys.claim(tx, claim);
      if (replay) return { first: replay.response as unknown as FirstAnswer, replayed: true };
      const aggregate = await options.create(body, call, tx);
      const version = await options.store.save(tx, aggregate, 0);
      const id = options.store.mapper.toRow(aggregate, version).id;
      const first = { id, version, body: options.toDto({ id, aggregate, version }) };
      await keys.complete(tx, claim, id, first);
      return { first, replayed: false };
    });
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    // The ETag of the first answer: a retry must not look newer than what it replays.
    return answer(reply, result.first);
  });
}

const IDEMPOTENCY_NOTE =
  ' With an Idempotency-Key header a retry answers the first result again (201, same body, Idempotent-Replayed: true) and creates nothing; the same key with another body answers 422 idempotency_key_reused.';

export interface CommandRouteOptions<
  A extends EventSource,
  Row extends VersionedRow,
  B extends z.ZodType,
  R extends z.ZodType,
> extends RouteDocs {
  /** e.g. `/v1/incidents/:id/acknowledge` (lifecycle verb) or `/v1/alert-rules/:id` (PUT). */
  readonly url: string;
  readonly method?: 'POST' | 'PUT' | 'PATCH';
  readonly scope: Scope | readonly Scope[];
  readonly body: B;
  readonly response: R;
  readonly domainCodes: readonly string[];
  /** Statuses the route can answer besides 200, the body problems, 404, 409 and 422 (a 503). */
  readonly statuses?: readonly number[];
  /** The route's own words on a status (what its 503 also means). */
  readonly statusNotes?: StatusNotes;
  readonly store: AggregateStore<A, Row>;
  /**
   * The domain call: an intent-named method on the loaded aggregate. Any lookup it needs reads
   * through `tx` (the row's transaction): a second pooled connection per request can deadlock.
   */
  readonly run: (
    aggregate: A,
    body: z.output<B>,
    call: Call,
    tx: Transaction,
  ) => void | Promise<void>;
  readonly toDto: (saved: Versioned<A>) => z.input<R>;
}

/**
 * A command on one aggregate: load it within the caller's tenant (404), check If-Match (409),
 * run the domain call (422 with the invariant's code), save and queue its events in one unit of
 * work, answer 200 with the resource and its new ETag. Every answer is in the OpenAPI document.
 */
export function commandRoute<
  A extends EventSource,
  Row extends VersionedRow,
  B extends z.ZodType,
  R extends z.ZodType,
>(app: FastifyInstance, ctx: ServiceContext, options: CommandRouteOptions<A, Row, B, R>): void {
  const schema: FastifySchema = {
    tags: [...options.tags],
    summary: options.summary,
    description: `${options.description} Optional If-Match "<version>": a stale one answers 409. Needs ${scopeText(options.scope)}. 200 with the resource and its new ETag.`,
    params: idParams,
    headers: ifMatchHeaders,
    body: options.body,
    response: {
      200: options.response,
      ...problems(
        [...BODY_PROBLEMS, 404, 409, 422, ...(options.statuses ?? [])],
        options.domainCodes,
        options.statusNotes,
      ),
    },
  };
  app.route({
    method: options.method ?? 'POST',
    url: options.url,
    config: { scope: options.scope },
    schema,
    handler: async (request, reply) => {
      const expected = ifMatchVersion(request);
      const call = callOf(request, ctx);
      const body = request.body as z.output<B>;
      const saved = await options.store.change(
        { context: request.otelContext },
        request.auth.tenantId,
        (request.params as z.output<typeof idParams>).id,
        expected,
        (aggregate, tx) => options.run(aggregate, body, call, tx),
      );
      setEtag(reply, saved.version);
      return options.toDto(saved);
    },
  });
}
