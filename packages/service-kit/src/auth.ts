import fastifyJwt from '@fastify/jwt';
import { tenantId as toTenantId, type TenantId } from '@obs/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import buildGetJwks from 'get-jwks';
import { z } from 'zod';
import type { AuthConfig } from './config.js';
import { HttpProblem } from './problem.js';

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
    /** The scope a route needs. Routes under /v1 without one are refused (deny by default). */
    scope?: Scope;
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

export async function registerAuth(app: FastifyInstance, config: AuthConfig): Promise<void> {
  const verify = {
    ...(config.issuer ? { allowedIss: config.issuer } : {}),
    ...(config.audience ? { allowedAud: config.audience } : {}),
  };
  if (config.mode === 'secret') {
    await app.register(fastifyJwt, {
      secret: config.secret,
      verify: { ...verify, algorithms: ['HS256'] },
    });
  } else {
    const getJwks = buildGetJwks({ issuersWhitelist: [config.issuer], providerDiscovery: false });
    await app.register(fastifyJwt, {
      decode: { complete: true },
      verify: { ...verify, algorithms: ['RS256', 'ES256'] },
      secret: async (_request: FastifyRequest, token: unknown) => {
        const header = (token as { header?: { kid?: string; alg?: string } }).header ?? {};
        return getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: config.jwksUrl });
      },
    });
  }

  app.decorateRequest('auth');
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    const url = request.routeOptions.url;
    // Only the API under /v1 is protected: /healthz, /readyz and /docs are open, and unmatched
    // routes fall through to the 404 handler.
    if (url === undefined || !url.startsWith('/v1/')) return;
    if (!request.headers.authorization) throw unauthorized('a bearer token is required');
    let payload: unknown;
    try {
      payload = await request.jwtVerify();
    } catch {
      throw unauthorized('the bearer token is invalid or expired');
    }
    request.auth = toAuthContext(payload);
    const needed = config.scope;
    if (!needed)
      throw new HttpProblem(403, 'forbidden', 'Forbidden', 'this route is not open to tokens');
    if (!hasScope(request.auth, needed)) {
      throw new HttpProblem(
        403,
        'missing_scope',
        'Forbidden',
        `the token lacks the '${needed}' scope`,
      );
    }
  });
}
