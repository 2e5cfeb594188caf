import { tenantId as toTenantId, type TenantId } from '@obs/domain';
import type { FastifyInstance } from 'fastify';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import type { AuthConfig } from '../config.js';
import { HttpProblem } from '../problem.js';
import { VerifiedTokenCache } from './verified-token-cache.js';
import { createTokenVerifier } from './token-verifier.js';

export const SCOPES = ['read', 'write', 'ingest', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, taken from the verified token alone: never from a body, path or header. */
export interface AuthContext {
  readonly subject: string;
  readonly tenantId: TenantId;
  readonly scopes: ReadonlySet<Scope>;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
  interface FastifyContextConfig {
    /**
     * The scope a route needs, or the scopes of which any one opens it (people `write`, machines
     * `ingest`). Routes under /v1 without one are refused (deny by default).
     */
    scope?: Scope | readonly Scope[];
  }
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  tenantId: z.string().min(1),
  scope: z.string().default(''),
});

const unauthorized = (detail: string): HttpProblem =>
  new HttpProblem(401, 'unauthorized', 'Unauthorized', detail);

function toAuthContext(payload: unknown): AuthContext {
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw unauthorized('token lacks the sub, tenantId or scope claim');
  let tenant: TenantId;
  try {
    tenant = toTenantId(claims.data.tenantId);
  } catch {
    throw unauthorized('token tenantId claim is not a valid tenant id');
  }
  const scopes = new Set(
    claims.data.scope
      .split(' ')
      .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
  );
  return { subject: claims.data.sub, tenantId: tenant, scopes };
}

export function hasScope(auth: AuthContext, scope: Scope): boolean {
  return auth.scopes.has(scope) || auth.scopes.has('admin');
}

/** A route's scope option as a list: one scope or any one of several. */
export const scopesOf = (scope: Scope | readonly Scope[]): readonly Scope[] =>
  typeof scope === 'string' ? [scope] : scope;

/** "the write scope" / "the write or ingest scope", as route descriptions say it. */
export const scopeText = (scope: Scope | readonly Scope[]): string =>
  `the ${scopesOf(scope).join(' or ')} scope`;

export function registerAuth(app: FastifyInstance, config: AuthConfig): void {
  const verifier = createTokenVerifier(config);
  // Verification (an HMAC or an RSA/ECDSA check) is the dearest step of a small request; a token
  // already verified is trusted again until it expires, for a bounded time and number of tokens.
  const verified = new VerifiedTokenCache<AuthContext>();
  const verifyToken = async (token: string): Promise<AuthContext> => {
    let payload: JWTPayload;
    try {
      payload = await verifier.verify(token);
    } catch {
      throw unauthorized('the bearer token is invalid or expired');
    }
    const auth = toAuthContext(payload);
    verified.set(
      token,
      auth,
      typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
      Date.now(),
    );
    return auth;
  };

  app.decorateRequest('auth');
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    // The API under /v1 is protected, and so is any other route that declares a scope (a
    // protocol's own path, such as /prometheus/api/v1/*): /healthz, /readyz and /docs are open,
    // and unmatched routes fall through to the 404 handler.
    if (url === undefined) return;
    if (!url.startsWith('/v1/') && request.routeOptions.config.scope === undefined) return;
    const token = bearerToken(request.headers.authorization);
    request.auth = verified.get(token, Date.now()) ?? (await verifyToken(token));
    const needed = request.routeOptions.config.scope;
    if (!needed)
      throw new HttpProblem(403, 'forbidden', 'Forbidden', 'this route is not open to tokens');
    const anyOf = scopesOf(needed);
    if (!anyOf.some((scope) => hasScope(request.auth, scope))) {
      throw new HttpProblem(
        403,
        'missing_scope',
        'Forbidden',
        `the token lacks the ${anyOf.map((s) => `'${s}'`).join(' or ')} scope`,
      );
    }
  });
}

function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw unauthorized('a bearer token is required');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw unauthorized('the Authorization header must be "Bearer <token>"');
  return match[1];
}
