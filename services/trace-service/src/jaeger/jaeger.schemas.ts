import { z } from 'zod';
import { GO_DURATION_PATTERN } from './go-duration.js';

/** The most traces one search answers (Jaeger's own limit is its store's size). */
export const MAX_SEARCH_LIMIT = 1500;
/** Jaeger's default search limit. */
export const DEFAULT_SEARCH_LIMIT = 100;

const JSON_STRING = '"([^"\\\\\\u0000-\\u001f]|\\\\["\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4})*"';
const JSON_PAIR = `\\s*${JSON_STRING}\\s*:\\s*${JSON_STRING}\\s*`;
/** A JSON object of string values, the only `tags` Jaeger reads (map[string]string). */
export const TAGS_JSON_PATTERN = `^\\s*\\{(${JSON_PAIR}(,${JSON_PAIR})*|\\s*)\\}\\s*$`;

/*
 * Jaeger reads every parameter with Go's FormValue, where an empty value is an absent one, and
 * Jaeger UI sends empty ones (`minDuration=&maxDuration=` when the fields are blank): each
 * optional parameter here takes '' too, and the handler reads it as absent.
 */
const micros = (description: string) =>
  z
    .string()
    .regex(/^(\d{1,16})?$/)
    .optional()
    .describe(`${description}. Empty: absent.`)
    .meta({ example: '1767225600000000' });
const millis = (description: string) =>
  z
    .string()
    .regex(/^(\d{1,15})?$/)
    .optional()
    .describe(`${description}. Empty: absent.`);
const goDuration = (description: string) =>
  z
    .string()
    .max(64)
    .regex(new RegExp(`^$|${GO_DURATION_PATTERN}`))
    .optional()
    .describe(`${description} A Go duration: 1.5ms, 100us, 2s, 1h30m. Empty: absent.`)
    .meta({ example: '10ms' });
const oneOrMany = (item: z.ZodString, description: string) =>
  z
    .union([item, z.array(item).max(50)])
    .optional()
    .describe(description);
const text = (description: string) =>
  z.string().max(1024).optional().describe(`${description}. Empty: absent.`);

export const jaegerSearchQuery = z.strictObject({
  service: text('The service of the matching span (service.name); needed unless traceID is given'),
  operation: text('The name of the matching span'),
  tags: oneOrMany(
    z
      .string()
      .max(8192)
      .regex(new RegExp(`^$|${TAGS_JSON_PATTERN}`)),
    'Tags the matching span has, as a JSON object of strings: {"http.status_code":"500"}. A key matches a span attribute, a resource attribute or an event attribute, compared as text; `error` matches the span status (true: error, false: ok).',
  ).meta({ example: '{"http.route":"/cart"}' }),
  tag: oneOrMany(
    z.string().max(8192).regex(/^$|:/),
    'The same as tags, one key:value per parameter (the first colon splits).',
  ),
  minDuration: goDuration('The matching span lasted at least this long.'),
  maxDuration: goDuration('The matching span lasted at most this long.'),
  start: micros(
    'The matching span started at or after, epoch microseconds (default: 48 hours ago)',
  ),
  end: micros('The matching span started at or before, epoch microseconds (default: now)'),
  limit: z
    .string()
    .regex(/^([1-9]\d{0,2}|1[0-4]\d\d|1500)?$/)
    .optional()
    .describe(
      `Most traces answered (1-${MAX_SEARCH_LIMIT}, default ${DEFAULT_SEARCH_LIMIT}). Empty: absent.`,
    )
    .meta({ example: '20' }),
  lookback: z
    .string()
    .max(64)
    .optional()
    .describe(
      "Jaeger UI's search window label (1h, 2d, custom); start and end decide, as in Jaeger",
    ),
  traceID: oneOrMany(
    z.string().regex(/^[0-9a-fA-F]{1,32}$/),
    'Answer these traces instead of searching (the other filters are ignored); one not found is named in errors',
  ),
});

export const jaegerTraceIdParams = z.strictObject({
  traceId: z
    .string()
    .regex(/^[0-9a-fA-F]{1,32}$/)
    .describe(
      'Trace id in hex, 1-32 digits (a shorter one is left-padded with zeros, as Jaeger does)',
    )
    .meta({ example: '4bf92f3577b34da6a3ce929d0e0e4736' }),
});

export const jaegerTraceQuery = z.strictObject({
  start: micros('Accepted for Jaeger clients that send it; the trace is found by id alone'),
  end: micros('Accepted for Jaeger clients that send it; the trace is found by id alone'),
});

export const jaegerServiceParams = z.strictObject({
  service: z.string().min(1).max(1024).describe('service.name'),
});

export const JAEGER_SPAN_KINDS = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
] as const;

export const jaegerOperationsQuery = z.strictObject({
  service: z.string().min(1).max(1024).describe('service.name'),
  spanKind: z
    .enum(['', ...JAEGER_SPAN_KINDS])
    .optional()
    .describe(
      'Only operations of spans of this kind (unspecified: spans without a kind; empty: any)',
    ),
});

export const jaegerDependenciesQuery = z.strictObject({
  endTs: millis('End of the window, epoch milliseconds (default: now)'),
  lookback: z
    .string()
    .regex(/^([1-9]\d{0,10})?$/)
    .optional()
    .describe(
      'Length of the window in milliseconds (default 24 hours; at most 11 digits). Empty: absent.',
    ),
  service: text('Only links from or to this service'),
});

const keyValue = z.object({
  key: z.string(),
  type: z.enum(['string', 'bool', 'int64', 'float64', 'binary']),
  value: z
    .union([z.string(), z.number(), z.boolean()])
    .describe('int64 beyond ±2^53 as decimal text; binary as base64'),
});

const span = z.object({
  traceID: z.string(),
  spanID: z.string(),
  operationName: z.string(),
  references: z.array(
    z.object({
      refType: z.enum(['CHILD_OF', 'FOLLOWS_FROM']),
      traceID: z.string(),
      spanID: z.string(),
    }),
  ),
  startTime: z.number().int().describe('Epoch microseconds'),
  duration: z.number().int().describe('Microseconds'),
  tags: z.array(keyValue),
  logs: z.array(z.object({ timestamp: z.number().int(), fields: z.array(keyValue) })),
  processID: z.string(),
  warnings: z.array(z.string()).nullable(),
});

export const jaegerTraceSchema = z.object({
  traceID: z.string(),
  spans: z.array(span),
  processes: z.record(z.string(), z.object({ serviceName: z.string(), tags: z.array(keyValue) })),
  warnings: z.array(z.string()).nullable(),
});

const structuredError = z.object({
  code: z.number().int().optional(),
  msg: z.string(),
  traceID: z.string().optional(),
});

/** Jaeger's envelope: {data, total, limit, offset, errors}. */
export const envelope = <T extends z.ZodType>(data: T, description: string) =>
  z
    .object({
      data,
      total: z.number().int().min(0),
      limit: z.number().int().min(0),
      offset: z.number().int().min(0),
      errors: z.array(structuredError).nullable(),
    })
    .describe(description);

export const dependencyLink = z.object({
  parent: z.string(),
  child: z.string(),
  callCount: z.number().int().min(0),
});
