import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Scope } from '@obs/service-kit';

/**
 * Kit candidate: a route open to tokens with any one of several scopes (POST /v1/feedback takes
 * `write` from people and `ingest` from machines). The kit's auth hook checks exactly one scope
 * per route (`config.scope`), so the route is registered once per scope: the first scope's copy
 * is the documented one, each other scope's copy is hidden and chosen by a find-my-way constraint
 * derived from the token's (not yet verified) scope claim. Verification and the scope check stay
 * the kit's: a forged claim only picks which copy then refuses it with 401.
 */
const STRATEGY = 'tokenScope';

/** The scope claim of a bearer JWT, read without verification (only to pick a route copy). */
function claimedScopes(request: { headers: Record<string, unknown> }): Set<string> {
  const header = request.headers.authorization;
  const token =
    typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.split(/\s+/)[1] : undefined;
  const payload = token?.split('.')[1];
  if (!payload) return new Set();
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      scope?: unknown;
    };
    return new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
  } catch {
    return new Set();
  }
}

/** Per URL: the alternative scopes in order (the primary scope is never derived). */
const alternatives = new Map<string, { primary: Scope; others: readonly Scope[] }>();

function ensureStrategy(app: FastifyInstance): void {
  if (app.hasConstraintStrategy(STRATEGY)) return;
  app.addConstraintStrategy({
    name: STRATEGY,
    mustMatchWhenDerived: false,
    storage() {
      const handlers = new Map<string, unknown>();
      return {
        get: (value: string) => (handlers.get(value) ?? null) as never,
        set: (value: string, store: unknown) => void handlers.set(value, store),
      };
    },
    deriveConstraint(req: FastifyRequest['raw']) {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const route = alternatives.get(`${req.method ?? ''} ${path}`);
      if (!route) return undefined;
      const claimed = claimedScopes(req);
      // The primary copy serves every token that claims the primary scope (or admin) and every
      // token that claims none of the scopes (it answers their 401/403).
      if (claimed.has(route.primary) || claimed.has('admin')) return undefined;
      return route.others.find((scope) => claimed.has(scope));
    },
  });
}

export function anyScopeRoute(
  app: FastifyInstance,
  scopes: readonly [Scope, ...Scope[]],
  route: RouteOptions,
): void {
  const [primary, ...others] = scopes;
  ensureStrategy(app);
  const method = String(route.method);
  alternatives.set(`${method} ${route.url}`, { primary, others });
  app.route({ ...route, config: { ...route.config, scope: primary } });
  for (const scope of others) {
    app.route({
      ...route,
      config: { ...route.config, scope },
      constraints: { ...route.constraints, [STRATEGY]: scope },
      schema: { ...route.schema, hide: true },
    });
  }
}
