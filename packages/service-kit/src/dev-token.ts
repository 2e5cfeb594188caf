import { createSigner } from 'fast-jwt';
import { DEV_JWT_SECRET } from './config.js';
import type { Scope } from './auth/auth.js';

export interface TokenRequest {
  readonly tenantId: string;
  readonly scopes: readonly Scope[];
  readonly subject?: string;
  /** Defaults to JWT_SECRET, then the development secret. */
  readonly secret?: string;
  readonly expiresInSeconds?: number;
}

/** Mints an HS256 token with the platform's claims, for development, tests and `pnpm run token`. */
export function mintToken(request: TokenRequest): string {
  const sign = createSigner({
    key: request.secret ?? process.env.JWT_SECRET ?? DEV_JWT_SECRET,
    algorithm: 'HS256',
    expiresIn: (request.expiresInSeconds ?? 12 * 3600) * 1000,
  });
  return sign({
    sub: request.subject ?? 'dev-user',
    tenantId: request.tenantId,
    scope: request.scopes.join(' '),
  });
}
