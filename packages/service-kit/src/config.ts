import { z } from 'zod';

/**
 * Process configuration, read once from the environment. Defaults are the embedded ones used by
 * `pnpm start`; production must set JWT key material explicitly (see `assertProductionSafe`).
 */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  DATABASE_URL: z.string().optional(),
  KAFKA_BROKERS: z.string().optional(),
  JWT_SECRET: z.string().min(16).optional(),
  JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  RATE_LIMIT_MAX: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().positive().default(5),
  CONSUMER_BACKOFF_MS: z.coerce.number().int().nonnegative().default(100),
});

export type Env = z.infer<typeof envSchema>;

/** Development-only secret so `pnpm start` works with nothing configured; refused in production. */
export const DEV_JWT_SECRET = 'obs-platform-development-secret-not-for-production';

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${fields}`);
  }
  return parsed.data;
}

export type AuthConfig =
  | {
      readonly mode: 'secret';
      readonly secret: string;
      readonly issuer?: string;
      readonly audience?: string;
    }
  | {
      readonly mode: 'jwks';
      readonly jwksUrl: string;
      readonly issuer: string;
      readonly audience?: string;
    };

/** Chooses the JWT verification mode; a production process never falls back to a built-in secret. */
export function authConfigFrom(env: Env): AuthConfig {
  if (env.JWKS_URL) {
    if (!env.JWT_ISSUER) throw new Error('JWT_ISSUER is required with JWKS_URL');
    return {
      mode: 'jwks',
      jwksUrl: env.JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    };
  }
  if (env.JWT_SECRET) {
    return {
      mode: 'secret',
      secret: env.JWT_SECRET,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    };
  }
  if (env.NODE_ENV === 'production') {
    throw new Error('refusing to start in production without JWT_SECRET or JWKS_URL');
  }
  return { mode: 'secret', secret: DEV_JWT_SECRET };
}
