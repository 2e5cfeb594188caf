import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import type { AuthContext, Scope } from '../auth/auth.js';
import type { ServiceContext } from '../build-service.js';
import { ifMatchVersion, setEtag } from '../http/etag.js';
import { BODY_PROBLEMS, problems } from '../http/problems.js';
import type { AggregateStore, EventSource, Versioned } from './aggregate-store.js';
import type { Transaction } from '../db/unit-of-work.js';
import type { VersionedRow } from '../db/versioned-save.js';

/** Who asked and when: what a domain call needs from the request, nothing else. */
export interface Call {
  readonly auth: AuthContext;
  /** Command time (the service clock), ISO-8601. */
  readonly at: string;
}

interface RouteDocs {
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description: string;
}

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

const idParams = z.object({ id: z.uuid().describe('The resource id') });

export interface CreateRouteOptions<
  A extends EventSource,
  Row extends VersionedRow,
  B extends z.ZodType,
  R extends z.ZodType,
> extends RouteDocs {
  /** e.g. `/v1/incidents`; the Location is `<url>/<id>`. */
  readonly url: string;
  readonly scope: Scope;
  readonly body: B;
  readonly response: R;
  /** The 422 codes the domain can refuse this body with (documented). */
  readonly domainCodes: readonly string[];
  readonly store: AggregateStore<A, Row>;
  /** The domain factory (`Aggregate.create(...)`); a DomainError answers 422 with its code. */
  readonly create: (body: z.output<B>, call: Call) => A | Promise<A>;
  readonly toDto: (saved: Versioned<A>) => z.input<R>;
}

/** `POST /v1/<resource>`: 201 with the whole resource, its ETag and Location. */
export function createRoute<
  A extends EventSource,
  Row extends VersionedRow,
  B extends z.ZodType,
  R extends z.ZodType,
>(app: FastifyInstance, ctx: ServiceContext, options: CreateRouteOptions<A, Row, B, R>): void {
  // Registered untyped: the zod schemas still validate and serialise (the app's compilers); the
  // generic body/response types are carried by the options instead of the type provider.
  const schema: FastifySchema = {
    tags: [...options.tags],
    summary: options.summary,
    description: `${options.description} Needs the ${options.scope} scope. 201 with the resource, its ETag and a Location header.`,
    body: options.body,
    response: {
      201: options.response,
      ...problems([...BODY_PROBLEMS, 422], options.domainCodes),
    },
  };
  app.post(options.url, { config: { scope: options.scope }, schema }, async (request, reply) => {
    const call = { auth: request.auth, at: new Date(ctx.clock()).toISOString() };
    const aggregate = await options.create(request.body as z.output<B>, call);
    const saved = await options.store.create({ context: request.otelContext }, aggregate);
    setEtag(reply, saved.version);
    return reply
      .code(201)
      .header('location', `${options.url}/${saved.id}`)
      .send(options.toDto(saved));
  });
}

export interface CommandRouteOptions<
  A extends EventSource,
  Row extends VersionedRow,
  B extends z.ZodType,
  R extends z.ZodType,
> extends RouteDocs {
  /** e.g. `/v1/incidents/:id/acknowledge` (lifecycle verb) or `/v1/alert-rules/:id` (PUT). */
  readonly url: string;
  readonly method?: 'POST' | 'PUT' | 'PATCH';
  readonly scope: Scope;
  readonly body: B;
  readonly response: R;
  readonly domainCodes: readonly string[];
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
    description: `${options.description} Optional If-Match "<version>": a stale one answers 409. Needs the ${options.scope} scope. 200 with the resource and its new ETag.`,
    params: idParams,
    headers: ifMatchHeaders,
    body: options.body,
    response: {
      200: options.response,
      ...problems([...BODY_PROBLEMS, 404, 409, 422], options.domainCodes),
    },
  };
  app.route({
    method: options.method ?? 'POST',
    url: options.url,
    config: { scope: options.scope },
    schema,
    handler: async (request, reply) => {
      const expected = ifMatchVersion(request);
      const call = { auth: request.auth, at: new Date(ctx.clock()).toISOString() };
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
