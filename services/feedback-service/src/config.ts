import { z } from 'zod';

/** 10 MiB: a screenshot, a HAR file or a log excerpt, not a core dump. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

/**
 * What an attachment may be: evidence people and agents send (screenshots, logs, traces, HAR or
 * JSON dumps, documents). Anything executable or opaque (octet-stream, HTML, SVG with scripts) is
 * refused with 415, so a served-back attachment can never run in a browser.
 */
export const DEFAULT_ATTACHMENT_CONTENT_TYPES: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'application/json',
  'application/x-ndjson',
  'text/plain',
  'text/csv',
  'text/markdown',
];

export const DEFAULT_BLOB_CONTAINER = 'feedback';
export const DEFAULT_EXPORT_INTERVAL_MS = 2_000;
/** An Idempotency-Key is remembered this long (Stripe keeps 24 h; so does the IETF draft's example). */
export const DEFAULT_IDEMPOTENCY_TTL_HOURS = 24;

export interface FeedbackServiceConfig {
  /** The Azure Storage connection string (Azurite locally); required to start. */
  readonly storageConnectionString: string | undefined;
  readonly blobContainer: string;
  readonly attachmentMaxBytes: number;
  readonly attachmentContentTypes: readonly string[];
  /** How often the export job looks for queued exports; 0 = only runOnce() (tests). */
  readonly exportIntervalMs: number;
  readonly idempotencyTtlHours: number;
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

const envSchema = z.object({
  AZURE_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
  // Azure container names: 3-63 lowercase letters, digits and single dashes.
  FEEDBACK_BLOB_CONTAINER: z
    .string()
    .regex(/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/, 'an Azure container name')
    .default(DEFAULT_BLOB_CONTAINER),
  FEEDBACK_ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    // One block blob of 50 000 blocks of 4 MiB is far beyond this; the bound keeps it sane.
    .max(1024 * 1024 * 1024)
    .default(DEFAULT_ATTACHMENT_MAX_BYTES),
  FEEDBACK_ATTACHMENT_CONTENT_TYPES: z.string().optional(),
  FEEDBACK_EXPORT_INTERVAL_MS: z.coerce.number().int().min(0).default(DEFAULT_EXPORT_INTERVAL_MS),
  FEEDBACK_IDEMPOTENCY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(DEFAULT_IDEMPOTENCY_TTL_HOURS),
});

/**
 * Reads the service's own settings. A bad value stops the service at start rather than at the
 * first upload. The connection string is checked when the service is built (not here), so that
 * importing the definition (tools/services.ts) never needs storage configured.
 */
export function feedbackConfigFrom(source: NodeJS.ProcessEnv): FeedbackServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid feedback-service environment: ${fields}`);
  }
  return {
    storageConnectionString: env.data.AZURE_STORAGE_CONNECTION_STRING,
    blobContainer: env.data.FEEDBACK_BLOB_CONTAINER,
    attachmentMaxBytes: env.data.FEEDBACK_ATTACHMENT_MAX_BYTES,
    attachmentContentTypes:
      env.data.FEEDBACK_ATTACHMENT_CONTENT_TYPES === undefined
        ? DEFAULT_ATTACHMENT_CONTENT_TYPES
        : parseContentTypes(env.data.FEEDBACK_ATTACHMENT_CONTENT_TYPES),
    exportIntervalMs: env.data.FEEDBACK_EXPORT_INTERVAL_MS,
    idempotencyTtlHours: env.data.FEEDBACK_IDEMPOTENCY_TTL_HOURS,
  };
}

function parseContentTypes(raw: string): readonly string[] {
  const types = raw
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const bad = types.filter((t) => !MEDIA_TYPE.test(t));
  if (types.length === 0 || bad.length > 0) {
    throw new Error(
      `FEEDBACK_ATTACHMENT_CONTENT_TYPES must be comma-separated media types (type/subtype)${bad.length > 0 ? `; not one: ${bad.join(', ')}` : ''}`,
    );
  }
  return [...new Set(types)];
}
