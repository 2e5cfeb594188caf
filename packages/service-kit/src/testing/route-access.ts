import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Scope } from '../auth/auth.js';
import { mintToken } from '../dev-token.js';
import { bearer } from './test-service.js';
import { expectProblem } from './problem-assertions.js';

/** One route of a service as its access tests call it. */
export interface RouteCase {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The documented path; each `{name}` is filled from the `params` given to `injectRoute`. */
  readonly path: string;
  /** The scope that opens the route, or the scopes of which any one opens it. */
  readonly scope: Scope | readonly Scope[];
  /**
   * A JSON value (sent as application/json), or a string or Buffer sent as `contentType`;
   * a function is called anew for each request. Placeholders of known params in the strings
   * of a JSON body are filled like the path's.
   */
  readonly body?: unknown;
  /** The content type of a string or Buffer body; JSON bodies default to application/json. */
  readonly contentType?: string;
  /** A body with its own headers, built anew for each request (a multipart form, its boundary fresh). */
  readonly form?: () => {
    readonly payload: Buffer | string;
    readonly headers: Record<string, string>;
  };
  readonly query?: Record<string, string>;
  /** The status the route answers when let through (200 unless said). */
  readonly status?: number;
}

export type RequestHeaders = Record<string, string>;
export type RouteCall<R extends RouteCase = RouteCase> = (
  route: R,
  headers: RequestHeaders,
) => Promise<LightMyRequestResponse>;

/** `GET /v1/x/{id}`: the name tests and the OpenAPI document know a route by. */
export const routeName = (route: RouteCase): string => `${route.method} ${route.path}`;
/** `'GET' '/v1/x/{id}'`: how vitest's `$method $path` title quotes them, for tests titled that way. */
export const quotedRouteName = (route: RouteCase): string => `'${route.method}' '${route.path}'`;

/** Fills each `{name}` of a path or string; a placeholder without a value is a bug in the test. */
export function fillPlaceholders(text: string, params: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (placeholder, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`no value for ${placeholder} in "${text}"`);
    return value;
  });
}

/** Fills the params a JSON body names; other braces in its strings are content, left alone. */
function fillBody(value: unknown, params: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{(\w+)\}/g, (placeholder, key: string) => params[key] ?? placeholder);
  }
  if (Array.isArray(value)) return value.map((item) => fillBody(item, params));
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, fillBody(item, params)]),
    );
  }
  return value;
}

function payloadOf(route: RouteCase, params: Readonly<Record<string, string>>) {
  if (route.form) return route.form();
  const raw: unknown =
    typeof route.body === 'function' ? (route.body as () => unknown)() : route.body;
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    return {
      payload: raw,
      headers: route.contentType ? { 'content-type': route.contentType } : {},
    };
  }
  return {
    payload: JSON.stringify(fillBody(raw, params)),
    headers: { 'content-type': route.contentType ?? 'application/json' },
  };
}

/** Sends one request to the route as `app.inject` would, with the given headers (none for anonymous). */
export function injectRoute(
  app: FastifyInstance,
  route: RouteCase,
  headers: RequestHeaders,
  params: Readonly<Record<string, string>> = {},
): Promise<LightMyRequestResponse> {
  const body = payloadOf(route, params);
  return app.inject({
    method: route.method,
    url: fillPlaceholders(route.path, params),
    headers: body ? { ...headers, ...body.headers } : headers,
    ...(route.query ? { query: route.query } : {}),
    ...(body ? { payload: body.payload } : {}),
  });
}

/** Any key not the service's: a token it signed is forged, whatever it claims. */
const FOREIGN_SECRET = 'not-the-service-secret-0123456789';

export interface RouteAccessOptions<R extends RouteCase> {
  readonly routes: readonly R[];
  readonly call: RouteCall<R>;
  /** The tenant the tokens are minted for (the resources' owner). */
  readonly tenant: string;
  /** The service's scopes but admin; those a route does not name are "other" in the 403 test. */
  readonly scopes: readonly Scope[];
  /** What the forged token claims (all of `scopes` unless said). */
  readonly forgedScopes?: readonly Scope[];
  /** How a route is named in the test titles (`routeName` unless said), so existing titles can stay. */
  readonly label?: (route: R) => string;
}

/**
 * How the "let through" test is written: per route with its own scope(s), each alone, and admin,
 * expecting the route's `status` (`'scope-and-admin'`) or any 2xx (`'scope-and-admin-2xx'`);
 * per route with admin alone (`'admin'`); or once, admin alone on one route, expecting 200.
 */
export type LetThrough<R extends RouteCase> =
  'scope-and-admin' | 'scope-and-admin-2xx' | 'admin' | { readonly adminOn: R };

const each = <R extends RouteCase>(o: RouteAccessOptions<R>) =>
  o.routes.map((route) => [(o.label ?? routeName)(route), route] as const);
const scopesOf = (route: RouteCase): readonly Scope[] =>
  typeof route.scope === 'string' ? [route.scope] : route.scope;

/** `%s answers 401 without a token`, for every route. */
export function itAnswers401WithoutToken<R extends RouteCase>(o: RouteAccessOptions<R>): void {
  it.each(each(o))('%s answers 401 without a token', async (_name, route) => {
    expectProblem(await o.call(route, {}), 401, 'unauthorized');
  });
}

/** `%s answers 401 with a token signed by another key`, for every route. */
export function itAnswers401WithForgedToken<R extends RouteCase>(o: RouteAccessOptions<R>): void {
  it.each(each(o))('%s answers 401 with a token signed by another key', async (_name, route) => {
    const forged = mintToken({
      tenantId: o.tenant,
      scopes: o.forgedScopes ?? o.scopes,
      secret: FOREIGN_SECRET,
    });
    expectProblem(await o.call(route, { authorization: `Bearer ${forged}` }), 401, 'unauthorized');
  });
}

/** `%s answers 403 without its scope`: a token with every other scope of the service, for every route. */
export function itAnswers403WithoutScope<R extends RouteCase>(o: RouteAccessOptions<R>): void {
  it.each(each(o))('%s answers 403 without its scope', async (_name, route) => {
    const others = o.scopes.filter((s) => !scopesOf(route).includes(s));
    expectProblem(await o.call(route, bearer(o.tenant, others)), 403, 'missing_scope');
  });
}

/** The test that the route's own scope and admin are let through, as `letThrough` says. */
export function itLetsThrough<R extends RouteCase>(
  o: RouteAccessOptions<R>,
  letThrough: LetThrough<R>,
): void {
  if (typeof letThrough === 'object') {
    it('lets the admin scope through', async () => {
      const res = await o.call(letThrough.adminOn, bearer(o.tenant, ['admin']));
      expect(res.statusCode).toBe(200);
    });
  } else if (letThrough === 'admin') {
    it.each(each(o))('%s lets the admin scope through', async (_name, route) => {
      expect((await o.call(route, bearer(o.tenant, ['admin']))).statusCode).toBe(
        route.status ?? 200,
      );
    });
  } else if (letThrough === 'scope-and-admin') {
    it.each(each(o))('%s lets its scope and admin through', async (_name, route) => {
      for (const scope of scopesOf(route)) {
        expect((await o.call(route, bearer(o.tenant, [scope]))).statusCode).toBe(
          route.status ?? 200,
        );
      }
      expect((await o.call(route, bearer(o.tenant, ['admin']))).statusCode).toBe(
        route.status ?? 200,
      );
    });
  } else {
    it.each(each(o))('%s answers 2xx with its scope (and admin passes)', async (_name, route) => {
      for (const scope of scopesOf(route)) {
        const res = await o.call(route, bearer(o.tenant, [scope]));
        expect(res.statusCode, res.body).toBeLessThan(300);
      }
      const admin = await o.call(route, bearer(o.tenant, ['admin']));
      expect(admin.statusCode, admin.body).toBeLessThan(300);
    });
  }
}

/**
 * Registers `describe('authentication and scopes')`: for every route 401 without a token,
 * 401 with a forged one, 403 with every other scope, then the "let through" test.
 */
export function describeRouteAccess<R extends RouteCase>(
  options: RouteAccessOptions<R> & { readonly letThrough: LetThrough<R> },
): void {
  describe('authentication and scopes', () => {
    itAnswers401WithoutToken(options);
    itAnswers401WithForgedToken(options);
    itAnswers403WithoutScope(options);
    itLetsThrough(options, options.letThrough);
  });
}

/**
 * `%s answers 404 for another tenant's <what>`, for each route given: the intruder's token
 * (`headersOf`, with whatever scopes the route needs) must not reach the owner's resource.
 */
export function itAnswers404ForAnotherTenant<R extends RouteCase>(o: {
  readonly routes: readonly R[];
  readonly call: RouteCall<R>;
  readonly what: string;
  readonly headersOf: (route: R) => RequestHeaders;
  readonly label?: (route: R) => string;
}): void {
  const cases = o.routes.map((route) => [(o.label ?? routeName)(route), route] as const);
  it.each(cases)(`%s answers 404 for another tenant's ${o.what}`, async (_name, route) => {
    expectProblem(await o.call(route, o.headersOf(route)), 404, 'not_found');
  });
}

// A type, not an interface: it must stay assignable to validators that take any JSON object.
export type OpenApiPaths = {
  readonly paths: Record<string, Record<string, unknown>>;
};

/** The OpenAPI document the service serves at /docs/json. */
export async function openApiDocument<D extends OpenApiPaths = OpenApiPaths>(
  app: FastifyInstance,
): Promise<D> {
  return (await app.inject({ method: 'GET', url: '/docs/json' })).json<D>();
}

/** Every operation of the document as `METHOD /path`, sorted, to compare with a route table. */
export function documentedOperations(doc: OpenApiPaths): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}
