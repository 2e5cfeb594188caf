import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { callOf, type Call } from '../aggregate/route-docs.js';
import type { ServiceContext } from '../build-service.js';
import { sendProblem, toProblem } from '../error-handler.js';
import { problems } from '../http/problems.js';
import { HttpProblem } from '../problem.js';
import { IngestLimitError, admitIngest } from '../limits/ingest-limits.js';
import { OTLP_ITEMS, otlpItemCount } from './otlp-items.js';
import { otlpJsonSchema } from './otlp-json-schema.js';
import { OtlpDecodeError, normalizeMessage, protobufToObject } from './otlp-normalize.js';
import { REJECTED_FIELD, otlpTypes, statusType, type OtlpSignal } from './otlp-schema.js';
import type { OtlpRequests } from './otlp-types.js';

const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';
/** google.rpc.Code values used by OTLP/HTTP error bodies. */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;

/** Thrown by `ingest` when the store cannot take more now: 503 with Retry-After, as OTLP asks. */
export class OtlpBackpressureError extends Error {
  override readonly name = 'OtlpBackpressureError';
  constructor(
    readonly retryAfterSeconds: number,
    message = 'the store is full; retry later',
  ) {
    super(message);
  }
}

export interface OtlpIngestResult {
  /** Items (spans, data points, log records) refused; counted in partialSuccess. */
  readonly rejected: number;
  /** Why, e.g. the missing dimension attributes; sent in partialSuccess.errorMessage. */
  readonly errorMessage?: string;
}

export interface OtlpIngestOptions<S extends OtlpSignal> {
  /** `/v1/traces`, `/v1/metrics` or `/v1/logs` (the OTLP/HTTP default paths). */
  readonly url: string;
  readonly signal: S;
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description: string;
  readonly ingest: (request: OtlpRequests[S], call: Call) => Promise<OtlpIngestResult>;
}

const statusSchema = z
  .object({
    code: z
      .number()
      .int()
      .describe('google.rpc.Code: 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE'),
    message: z.string(),
    details: z.array(z.unknown()).optional(),
  })
  .describe('google.rpc.Status, as OTLP/HTTP answers errors');
const binary = z.string().meta({ format: 'binary' });

function responseSchema(signal: OtlpSignal) {
  return z
    .object({
      partialSuccess: z
        .object({
          [REJECTED_FIELD[signal]]: z.number().int().min(0).optional(),
          errorMessage: z.string().optional(),
        })
        .optional()
        .describe('Present when some items were refused; errorMessage says why'),
    })
    .describe(`Export${signalName(signal)}ServiceResponse`);
}

function signalName(signal: OtlpSignal): string {
  return { traces: 'Trace', metrics: 'Metrics', logs: 'Logs' }[signal];
}

type Encoding = 'json' | 'protobuf';

function encodingOf(request: FastifyRequest): Encoding {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith(PROTOBUF_TYPE)
    ? 'protobuf'
    : 'json';
}

/**
 * gzip request bodies, as OTLP/HTTP senders may compress them. The limit on the body applies to
 * the decompressed bytes (Fastify counts what this stream yields), so a small compressed body
 * cannot expand past BODY_LIMIT_BYTES; `receivedEncodedLength` keeps Content-Length checks on the
 * bytes that were sent.
 */
function decompress(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: Readable,
  done: (error: Error | null, stream?: Readable) => void,
): void {
  const encoding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') {
    done(null, payload);
    return;
  }
  if (encoding !== 'gzip') {
    done(
      new HttpProblem(
        415,
        'unsupported_content_encoding',
        'Unsupported Media Type',
        `Content-Encoding ${encoding} is not supported; send gzip or identity`,
      ),
    );
    return;
  }
  const gunzip = createGunzip() as ReturnType<typeof createGunzip> & {
    receivedEncodedLength: number;
  };
  gunzip.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    gunzip.receivedEncodedLength += chunk.length;
  });
  gunzip.on('error', (error: Error & { otlpDecode?: boolean }) => {
    error.otlpDecode = true;
  });
  done(null, payload.pipe(gunzip));
}

/**
 * `POST /v1/{traces,metrics,logs}` per the OTLP/HTTP specification, as the Collector's receiver
 * serves it: OTLP/JSON or protobuf bodies, optionally gzip; the answer in the request's content
 * type; partialSuccess for refused items; 400 with a google.rpc.Status for a body that does not
 * parse; 429 with Retry-After when the tenant's ingest limit is spent (the batch refused whole,
 * before anything is stored); 503 with Retry-After when the store is full. The request handed to `ingest` is
 * normalised (see `normalizeMessage`), whichever encoding it came in. Scope `ingest`.
 */
export function otlpIngestRoute<S extends OtlpSignal>(
  app: FastifyInstance,
  ctx: ServiceContext,
  options: OtlpIngestOptions<S>,
): void {
  const types = otlpTypes(options.signal);
  const rejectedField = REJECTED_FIELD[options.signal];
  const status = statusType();

  const send = (reply: FastifyReply, encoding: Encoding, code: number, body: object) => {
    if (encoding === 'json') return reply.code(code).type(JSON_TYPE).send(body);
    const type = code === 200 ? types.response : status;
    return reply
      .code(code)
      .type(PROTOBUF_TYPE)
      .send(Buffer.from(type.encode(type.fromObject(body)).finish()));
  };

  void app.register((scoped, _options, registered) => {
    // This scope parses its own bodies: OTLP/JSON and protobuf as bytes, decoded in the handler.
    scoped.removeAllContentTypeParsers();
    for (const type of [JSON_TYPE, PROTOBUF_TYPE]) {
      scoped.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => {
        done(null, body);
      });
    }
    scoped.addHook('preParsing', decompress);
    scoped.setErrorHandler((error: Error & { otlpDecode?: boolean }, request, reply) => {
      if (error.otlpDecode) {
        return send(reply, encodingOf(request), 400, {
          code: INVALID_ARGUMENT,
          message: 'body is not valid gzip',
        });
      }
      return sendProblem(reply, toProblem(error, request.url));
    });

    const statusContent = {
      [JSON_TYPE]: { schema: statusSchema },
      [PROTOBUF_TYPE]: { schema: binary.describe('google.rpc.Status, protobuf-encoded') },
    };
    const alwaysProblems = problems([413, 415]);
    scoped.post(options.url, {
      config: {
        scope: 'ingest',
        bodyNulReplaced: true,
        // Counted once decoded, in the handler (and in a service's fast path).
        ingestLimit: { signal: OTLP_ITEMS[options.signal] },
      },
      schema: {
        tags: [...options.tags],
        summary: options.summary,
        description: options.description,
        body: {
          content: {
            [JSON_TYPE]: {
              schema: { ...otlpJsonSchema(types.request), example: EXAMPLES[options.signal] },
            },
            [PROTOBUF_TYPE]: {
              schema: { type: 'string', format: 'binary', description: types.request.fullName },
            },
          },
        },
        response: {
          200: {
            description: 'Accepted; partialSuccess names what was refused',
            content: {
              [JSON_TYPE]: { schema: responseSchema(options.signal) },
              [PROTOBUF_TYPE]: { schema: binary.describe(types.response.fullName) },
            },
          },
          400: {
            description: 'The body does not parse as this OTLP request',
            content: statusContent,
          },
          ...alwaysProblems,
          429: {
            description:
              "The tenant's ingest limit (items or bytes) is spent: nothing was stored; retry the whole batch after Retry-After (google.rpc.Status RESOURCE_EXHAUSTED, or problem+json)",
            content: { ...statusContent, ...alwaysProblems[429]?.content },
          },
          503: {
            description:
              'The store is full (google.rpc.Status, with Retry-After) or the service is shutting down (problem+json)',
            content: { ...statusContent, ...alwaysProblems[503]?.content },
          },
        },
      },
      // The body is decoded (and checked field by field) by the handler, in either encoding.
      validatorCompiler: ({ httpPart }) =>
        httpPart === 'body' ? (value: unknown) => ({ value }) : validateHeaders,
      handler: async (request, reply) => {
        const encoding = encodingOf(request);
        let normalized: Record<string, unknown>;
        try {
          // No body at all (a bare POST) is an empty request, as in protobuf.
          const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const raw: unknown =
            encoding === 'protobuf'
              ? protobufToObject(types.request, bytes)
              : (JSON.parse(bytes.toString('utf8')) as unknown);
          normalized = normalizeMessage(types.request, raw);
        } catch (error) {
          if (error instanceof OtlpDecodeError || error instanceof SyntaxError) {
            return send(reply, encoding, 400, {
              code: INVALID_ARGUMENT,
              message: printable(error.message),
            });
          }
          throw error;
        }
        const items = otlpItemCount(options.signal, normalized);
        try {
          admitIngest(request, items, bytesOf(request));
        } catch (error) {
          if (!(error instanceof IngestLimitError)) throw error;
          reply.header('retry-after', String(error.retryAfterSeconds));
          return send(reply, encoding, 429, { code: RESOURCE_EXHAUSTED, message: error.message });
        }
        try {
          const call = callOf(request, ctx);
          const result = await options.ingest(normalized, call);
          ctx.metrics.countIngest(
            options.signal,
            Math.max(0, items - result.rejected),
            result.rejected,
          );
          const partial =
            result.rejected > 0 || result.errorMessage
              ? {
                  partialSuccess: {
                    [rejectedField]: result.rejected,
                    ...(result.errorMessage ? { errorMessage: result.errorMessage } : {}),
                  },
                }
              : {};
          return send(reply, encoding, 200, partial);
        } catch (error) {
          if (!(error instanceof OtlpBackpressureError)) throw error;
          reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
          return send(reply, encoding, 503, { code: UNAVAILABLE, message: error.message });
        }
      },
    });
    registered();
  });
}

/** The decompressed body's size, as the bytes bucket counts it. */
export function bytesOf(request: FastifyRequest): number {
  return Buffer.isBuffer(request.body) ? request.body.length : 0;
}

function printable(message: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
  return message.replace(/[\u0000-\u001f\u007f]/g, '?');
}

const EXAMPLE_RESOURCE = {
  attributes: [{ key: 'service.name', value: { stringValue: 'checkout-api' } }],
};
/** One small valid request per signal, for the document (every body schema carries an example). */
const EXAMPLES: Readonly<Record<OtlpSignal, unknown>> = {
  traces: {
    resourceSpans: [
      {
        resource: EXAMPLE_RESOURCE,
        scopeSpans: [
          {
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                name: 'GET /cart',
                kind: 2,
                startTimeUnixNano: '1714550400000000000',
                endTimeUnixNano: '1714550400120000000',
              },
            ],
          },
        ],
      },
    ],
  },
  metrics: {
    resourceMetrics: [
      {
        resource: EXAMPLE_RESOURCE,
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'http.server.requests',
                unit: '1',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [{ asInt: '3', timeUnixNano: '1714550400000000000' }],
                },
              },
            ],
          },
        ],
      },
    ],
  },
  logs: {
    resourceLogs: [
      {
        resource: EXAMPLE_RESOURCE,
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: '1714550400000000000',
                severityNumber: 9,
                body: { stringValue: 'cart loaded' },
              },
            ],
          },
        ],
      },
    ],
  },
};

const headersSchema = z.object({ 'content-encoding': z.string().optional() }).loose();
function validateHeaders(value: unknown) {
  // Unknown encodings are refused with 415 while parsing, before validation runs.
  return { value: headersSchema.parse(value) };
}
