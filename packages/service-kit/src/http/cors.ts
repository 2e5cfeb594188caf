import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { scopesOf, type Scope } from '../auth/auth.js';
import { pathPattern } from './method-not-allowed.js';

/** What a preflight allows: the methods of the read APIs and of OTLP export. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST'] as const;
/** Request headers a browser may send beyond the safelisted ones: the token and OTLP's. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Content-Encoding'] as const;
/** Response headers a script may read beyond the safelisted ones (OTLP retries on Retry-After). */
export const CORS_EXPOSED_HEADERS = ['Retry-After', 'ETag', 'Location'] as const;
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** The routes a browser may call: the ones the `read` or `ingest` scope opens (OTLP included). */
const CORS_SCOPES: ReadonlySet<Scope> = new Set<Scope>(['read', 'ingest']);

function opensCors(scope: Scope | readonly Scope[] | undefined): boolean {
  return scope !== undefined && scopesOf(scope).some((s) => CORS_SCOPES.has(s));
}

/**
 * CORS for the read APIs and the OTLP routes, for the exact origins of `CORS_ORIGINS`. Nothing is
 * registered without origins: no header is ever sent and OPTIONS stays a 405. With origins, a
 * request from one of them to a route of the `read` or `ingest` scope gets
 * `Access-Control-Allow-Origin: <that origin>` (never `*`; no credentials mode: the token travels
 * in `Authorization`, not in a cookie) and `Vary: Origin`; its preflight is answered 204 before
 * auth and rate limiting with the allowed methods and headers. Any other origin, and any other
 * route, gets no CORS header, and its preflight a 404.
 */
export async function registerCors(
  app: FastifyInstance,
  origins: readonly string[],
): Promise<void> {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  const routes: { pattern: RegExp; method: string; open: boolean }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const open = opensCors(route.config?.scope);
    for (const method of methods) routes.push({ pattern: pathPattern(route.url), method, open });
  });

  /** The route a request (or, for a preflight, the request it announces) reaches is open. */
  const routeIsOpen = (request: FastifyRequest): boolean => {
    const announced = request.headers['access-control-request-method'];
    if (request.method !== 'OPTIONS' || typeof announced !== 'string')
      return opensCors(request.routeOptions.config.scope);
    const method = announced.trim().toUpperCase();
    const path = request.url.split('?')[0] ?? '';
    // Fastify serves HEAD from the GET route.
    const methods = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
    return routes.some((r) => r.open && methods.includes(r.method) && r.pattern.test(path));
  };

  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      if (origin === undefined || !allowed.has(origin) || !routeIsOpen(request)) {
        callback(null, { origin: false });
        return;
      }
      callback(null, {
        origin,
        credentials: false,
        methods: [...CORS_METHODS],
        allowedHeaders: [...CORS_ALLOWED_HEADERS],
        exposedHeaders: [...CORS_EXPOSED_HEADERS],
        maxAge: CORS_MAX_AGE_SECONDS,
        strictPreflight: true,
      });
    },
  });
}
