import { describe, expect, it } from 'vitest';
import { authConfigFrom, DEV_JWT_SECRET, readEnv } from './config.js';
import { DEFAULT_POOL_SIZE } from './db/data-source.js';

const auth = (env: Record<string, string>) => authConfigFrom(readEnv(env));

describe('authConfigFrom: the development secret only when asked for by name', () => {
  it('an unset NODE_ENV is not development', () => {
    expect(() => auth({})).toThrow(/refusing to start without JWT key material/);
  });

  it.each(['development', 'test'])('NODE_ENV=%s uses the built-in secret', (mode) => {
    expect(auth({ NODE_ENV: mode })).toEqual({ mode: 'secret', secret: DEV_JWT_SECRET });
  });

  it('production without key material refuses', () => {
    expect(() => auth({ NODE_ENV: 'production' })).toThrow(/JWKS_URL.*JWT_SECRET/);
  });

  it('JWT_SECRET is used as given, whatever the mode', () => {
    const secret = 'a-deployment-secret-0123456789';
    expect(auth({ JWT_SECRET: secret })).toMatchObject({ mode: 'secret', secret });
  });

  it('JWKS_URL wins and needs issuer and audience', () => {
    expect(() => auth({ JWKS_URL: 'https://idp.example/keys', JWT_ISSUER: 'i' })).toThrow(
      'JWKS_URL is set but JWT_AUDIENCE is not',
    );
    expect(
      auth({
        JWKS_URL: 'https://idp.example/keys',
        JWT_ISSUER: 'https://idp.example/',
        JWT_AUDIENCE: 'obs-platform',
        JWT_SECRET: 'ignored-when-jwks-is-set-0123',
      }),
    ).toEqual({
      mode: 'jwks',
      jwksUrl: 'https://idp.example/keys',
      issuer: 'https://idp.example/',
      audience: 'obs-platform',
      cooldownMs: 30_000,
    });
  });
});

describe('DATABASE_POOL_SIZE: the connections of the service pool', () => {
  it('defaults to the pool size openDataSource uses without it (10)', () => {
    expect(readEnv({}).DATABASE_POOL_SIZE).toBe(10);
    expect(DEFAULT_POOL_SIZE).toBe(10);
  });

  it('reads a per-service size', () => {
    expect(readEnv({ DATABASE_POOL_SIZE: '4' }).DATABASE_POOL_SIZE).toBe(4);
  });

  it.each(['0', '-1', '2.5', 'ten', '101'])('refuses %s, naming the variable', (value) => {
    expect(() => readEnv({ DATABASE_POOL_SIZE: value })).toThrow(/DATABASE_POOL_SIZE/);
  });
});

describe('CORS_ORIGINS: exact origins, none by default', () => {
  it('is empty when unset or blank', () => {
    expect(readEnv({}).CORS_ORIGINS).toEqual([]);
    expect(readEnv({ CORS_ORIGINS: ' , ' }).CORS_ORIGINS).toEqual([]);
  });

  it('takes comma-separated origins, trimmed and without duplicates', () => {
    expect(
      readEnv({
        CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,https://app.example.com',
      }).CORS_ORIGINS,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it.each([
    ['*', /wildcard is not allowed/],
    ['app.example.com', /not an origin/],
    ['ftp://files.example.com', /scheme must be http or https/],
    ['https://app.example.com/', /did you mean https:\/\/app\.example\.com\?/],
    ['https://app.example.com/path', /not an exact origin/],
    ['https://App.example.com', /did you mean https:\/\/app\.example\.com\?/],
  ])('refuses %s, naming the variable', (value, message) => {
    expect(() => readEnv({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    expect(() => readEnv({ CORS_ORIGINS: value })).toThrow(message);
  });
});
