import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { mintToken } from '../dev-token.js';
import { startTestService, TEST_JWT_SECRET } from '../testing/test-service.js';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';

const ISSUER = 'https://idp.test.example/';
const AUDIENCE = 'obs-platform';
const TENANT = 'tenant-jwks';

interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A real key-set endpoint, served at a path that is NOT /.well-known/jwks.json on purpose. */
class JwksServer {
  keys: SigningKey[] = [];
  fetches = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.url !== '/idp/keys') {
        response.writeHead(404).end();
        return;
      }
      this.fetches += 1;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: this.keys.map((key) => key.jwk) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/idp/keys`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

interface Claims {
  readonly issuer?: string;
  readonly audience?: string;
  readonly expiresAt?: number;
}

async function tokenFrom(key: SigningKey, claims: Claims = {}): Promise<string> {
  return new SignJWT({ tenantId: TENANT, scope: 'read write' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setSubject('jwks-user')
    .setIssuer(claims.issuer ?? ISSUER)
    .setAudience(claims.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresAt ?? '10m')
    .sign(key.privateKey);
}

const jwks = new JwksServer();
let service: RunningService;
let rsa: SigningKey;
let ec: SigningKey;
let widgetUrl: string;

beforeAll(async () => {
  [rsa, ec] = await Promise.all([signingKey('rsa-1', 'RS256'), signingKey('ec-1', 'ES256')]);
  jwks.keys = [rsa, ec];
  await jwks.start();
  service = await startTestService(widgetFixtureService, {
    runConsumers: false,
    // JWT_SECRET stays set by the harness: JWKS_URL must win, so HS256 tokens signed with it fail.
    env: {
      NODE_ENV: 'production',
      JWKS_URL: jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWKS_COOLDOWN_MS: '0',
    },
  });
  await service.listen(0);
  const created = await service.app.inject({
    method: 'POST',
    url: '/v1/widgets',
    headers: { authorization: `Bearer ${await tokenFrom(rsa)}` },
    payload: { name: `jwks-${Date.now()}`, panelCount: 1 },
  });
  expect(created.statusCode).toBe(201);
  widgetUrl = `/v1/widgets/${created.json<{ id: string }>().id}`;
});
afterAll(async () => {
  await service.close();
  await jwks.stop();
});

/** Reads the tenant's widget over real HTTP, as a deployer's client calls it. */
async function read(token: string): Promise<{ status: number; code?: string }> {
  const address = service.app.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${address.port}${widgetUrl}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, code: body.code };
}

describe('JWKS mode against a real key-set server', () => {
  it('accepts a valid RS256 token and a valid ES256 token (200)', async () => {
    expect((await read(await tokenFrom(rsa))).status).toBe(200);
    expect((await read(await tokenFrom(ec))).status).toBe(200);
  });

  it('fetched the key set at exactly JWKS_URL', () => {
    expect(jwks.fetches).toBeGreaterThan(0);
  });

  it('refuses a token signed by a key not in the set (401)', async () => {
    const stranger = await signingKey('rsa-1', 'RS256'); // same kid, other key
    expect(await read(await tokenFrom(stranger))).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('refuses an HS256 token, even one signed with the configured JWT_SECRET (401)', async () => {
    const hs256 = mintToken({ tenantId: TENANT, scopes: ['read'], secret: TEST_JWT_SECRET });
    expect(await read(hs256)).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('refuses an expired token (401)', async () => {
    const expired = await tokenFrom(rsa, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    expect(await read(expired)).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('refuses a wrong audience (401)', async () => {
    expect(await read(await tokenFrom(rsa, { audience: 'another-api' }))).toEqual({
      status: 401,
      code: 'unauthorized',
    });
  });

  it('refuses a wrong issuer (401)', async () => {
    expect(await read(await tokenFrom(rsa, { issuer: 'https://evil.example/' }))).toEqual({
      status: 401,
      code: 'unauthorized',
    });
  });

  it('after a key rotation, a token with the new kid is accepted (200) by refetching once', async () => {
    const rotated = await signingKey('rsa-2', 'RS256');
    jwks.keys = [rotated, ec];
    const before = jwks.fetches;
    expect((await read(await tokenFrom(rotated))).status).toBe(200);
    expect(jwks.fetches).toBe(before + 1);
    // Known kid now: served from the cached set, no further fetch.
    expect((await read(await tokenFrom(rotated, { audience: AUDIENCE }))).status).toBe(200);
    expect(jwks.fetches).toBe(before + 1);
  });
});
