import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config.js';

/** Verifies a bearer token's signature and registered claims; rejects when any check fails. */
export interface TokenVerifier {
  verify(token: string): Promise<JWTPayload>;
}

/** HS256 against a shared secret (development, tests, single-operator deployments). */
function secretVerifier(config: Extract<AuthConfig, { mode: 'secret' }>): TokenVerifier {
  const key = new TextEncoder().encode(config.secret);
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        ...(config.issuer ? { issuer: config.issuer } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
      });
      return payload;
    },
  };
}

/**
 * RS256/ES256 against the key set at exactly `jwksUrl`. jose caches the keys and, on a `kid` it
 * does not know, refetches once (at most every `cooldownMs`), so an identity provider can rotate.
 */
function jwksVerifier(config: Extract<AuthConfig, { mode: 'jwks' }>): TokenVerifier {
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl), {
    cooldownDuration: config.cooldownMs,
  });
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256', 'ES256'],
        issuer: config.issuer,
        audience: config.audience,
      });
      return payload;
    },
  };
}

export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  return config.mode === 'secret' ? secretVerifier(config) : jwksVerifier(config);
}
