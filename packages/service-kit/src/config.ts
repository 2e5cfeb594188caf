import { z } from 'zod';
import { KAFKA_SASL_MECHANISMS } from './bus/kafka-security.js';

/**
 * Process configuration, read once from the environment. Secure by default: an unset NODE_ENV is
 * not development, so without key material a service refuses to start (see `authConfigFrom`).
 */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * The port of `GET /metrics` (Prometheus text format, no token), never the API's: unset, no
   * metrics listener (a deployment opts in, as it decides who may reach it); 0 picks a free one.
   * `pnpm start` gives each service its API port + 5000 (docs/operations.md#metrics).
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Where the metrics port listens; default HOST. */
  METRICS_HOST: z.string().min(1).optional(),
  DATABASE_URL: z.string().optional(),
  /**
   * Connections in the service's TypeORM pool. Besides it a service holds one more (the outbox
   * relay's LISTEN connection) and one per job with `wakeOn`, so size PostgreSQL's max_connections
   * for the sum over the services (infra/docker-compose.yml does, and a test checks it).
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  KAFKA_BROKERS: z.string().optional(),
  /** TLS to the brokers; on by default when a SASL mechanism is set (see bus/kafka-security.ts). */
  KAFKA_TLS: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z.enum(KAFKA_SASL_MECHANISMS).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** Partitions of the topics a service creates; existing topics are left as they are. */
  KAFKA_NUM_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  JWT_SECRET: z.string().min(16).optional(),
  JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  /** Minimum time between two fetches of the key set (jose's cooldown); lower only in tests. */
  JWKS_COOLDOWN_MS: z.coerce.number().int().nonnegative().default(30_000),
  RATE_LIMIT_MAX: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /**
   * Per-tenant ingest limits (docs/limits.md): a JSON file of defaults and per-tenant overrides,
   * re-read every TENANT_LIMITS_POLL_MS when it changed. Unset: the built-in defaults.
   */
  TENANT_LIMITS_FILE: z.string().min(1).optional(),
  TENANT_LIMITS_POLL_MS: z.coerce.number().int().nonnegative().default(10_000),
  /**
   * Replicas of this service behind one load balancer: each admits 1/N of a tenant's ingest
   * rate, so the documented limit holds for the deployment (Mimir's global strategy).
   */
  INGEST_LIMIT_SHARDS: z.coerce.number().int().min(1).max(1000).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().positive().default(5),
  CONSUMER_BACKOFF_MS: z.coerce.number().int().nonnegative().default(100),
  OUTBOX_RETENTION_DAYS: z.coerce.number().positive().default(7),
  INBOX_RETENTION_DAYS: z.coerce.number().positive().default(14),
  EVENT_LOG_RETENTION_DAYS: z.coerce.number().positive().default(7),
  /** How often the retention job runs (default hourly; 0 turns the timer off). */
  RETENTION_INTERVAL_MS: z.coerce.number().int().nonnegative().default(3_600_000),
  /**
   * Browser origins allowed to call the OTLP routes and the read APIs (CORS, http/cors.ts):
   * comma-separated exact origins such as `https://app.example.com`. Unset or empty: none, and no
   * CORS header is ever sent. `*` is refused: the list names the origins a deployment trusts.
   */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value, context) => {
      const origins = value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
      for (const origin of origins) {
        const problem = originProblem(origin);
        if (problem) context.addIssue({ code: 'custom', message: `${origin}: ${problem}` });
      }
      return [...new Set(origins)];
    }),
});

/** Why an entry of CORS_ORIGINS is not an exact origin (`scheme://host[:port]`), if it is not. */
function originProblem(entry: string): string | undefined {
  if (entry === '*') return 'a wildcard is not allowed; list the exact origins';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return 'not an origin (scheme://host[:port])';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'the scheme must be http or https';
  if (url.origin !== entry)
    return `not an exact origin (scheme://host[:port], no path or trailing slash; did you mean ${url.origin}?)`;
  return undefined;
}

export type Env = z.infer<typeof envSchema>;

/**
 * Development-only secret so `pnpm start` works with nothing configured. It is committed, so it is
 * accepted only when development mode is asked for by name (NODE_ENV=development or test).
 */
export const DEV_JWT_SECRET = 'obs-platform-development-secret-not-for-production';

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${fields}`);
  }
  return parsed.data;
}

/** Development mode is only ever explicit: `pnpm start`, `pnpm run token` and the test harness set it. */
export function isDevelopmentMode(env: Pick<Env, 'NODE_ENV'>): boolean {
  return env.NODE_ENV === 'development' || env.NODE_ENV === 'test';
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
      /** The key set itself (e.g. https://idp/.well-known/jwks.json), fetched exactly as given. */
      readonly jwksUrl: string;
      readonly issuer: string;
      readonly audience: string;
      readonly cooldownMs: number;
    };

/**
 * Chooses the JWT verification mode. JWKS_URL wins, then JWT_SECRET; the built-in secret only in
 * explicit development mode. Anything else refuses to start, naming the variables to set.
 */
export function authConfigFrom(env: Env): AuthConfig {
  if (env.JWKS_URL) {
    const missing = [
      env.JWT_ISSUER ? undefined : 'JWT_ISSUER',
      env.JWT_AUDIENCE ? undefined : 'JWT_AUDIENCE',
    ].filter((name): name is string => name !== undefined);
    if (missing.length > 0) {
      throw new Error(
        `JWKS_URL is set but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not`,
      );
    }
    return {
      mode: 'jwks',
      jwksUrl: env.JWKS_URL,
      issuer: env.JWT_ISSUER as string,
      audience: env.JWT_AUDIENCE as string,
      cooldownMs: env.JWKS_COOLDOWN_MS,
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
  if (isDevelopmentMode(env)) return { mode: 'secret', secret: DEV_JWT_SECRET };
  throw new Error(
    'refusing to start without JWT key material: set JWKS_URL (with JWT_ISSUER and JWT_AUDIENCE) ' +
      'or JWT_SECRET, or NODE_ENV=development to use the built-in development secret',
  );
}
