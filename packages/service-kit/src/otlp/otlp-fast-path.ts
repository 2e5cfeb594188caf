import { callOf, type Call } from '../aggregate/route-docs.js';
import type { ServiceContext } from '../build-service.js';
import { admitIngest } from '../limits/ingest-limits.js';
import { otlpItemCount } from './otlp-items.js';
import { otlpTypes, type OtlpSignal } from './otlp-schema.js';
import type { OtlpIngestResult } from './otlp-route.js';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';

/**
 * A signal-specialised fast path in front of the kit's generic
 * OTLP decoding. The kit normalises every request field by field against the proto (snake_case
 * names, base64 ids, enum names, numbers for 64-bit integers...), which cost as much as
 * JSON.parse itself on 512-span batches. Most senders already write the canonical OTLP/JSON form;
 * for those a validation pass that allocates nothing is enough, and the parsed body is handed to
 * `ingest` as it is. Anything else (protobuf, a body that does not parse, any non-canonical field,
 * an error while ingesting) goes to the kit's own handler unchanged, so every answer outside the
 * fast path is exactly the kit's. trace-service uses it for spans.
 */
export interface OtlpFastPath<T> {
  readonly url: string;
  /** True only when `raw` is already what the kit's normalisation would produce from it. */
  readonly isCanonical: (raw: unknown) => raw is T;
  /**
   * A protobuf body as a plain object for `isCanonical` (undefined: let the kit decode it). The
   * kit decodes, turns the message into an object and normalises it; a signal knows which few
   * fields (the ids) need rewriting and can skip the generic pass.
   */
  readonly fromProtobuf?: (body: Buffer) => unknown;
  readonly ingest: (request: T, call: Call) => Promise<OtlpIngestResult>;
  readonly rejectedField: string;
  readonly signal: OtlpSignal;
}

const PROTOBUF_TYPE = 'application/x-protobuf';

/** Installs the fast path on the POST route at `url`; call before the kit's route is added. */
export function withOtlpFastPath<T>(
  app: FastifyInstance,
  ctx: ServiceContext,
  fast: OtlpFastPath<T>,
): void {
  app.addHook('onRoute', (route) => {
    if (route.url !== fast.url || route.method !== 'POST') return;
    const kitHandler = route.handler as RouteHandlerMethod;
    route.handler = async function fastHandler(
      this: FastifyInstance,
      request: FastifyRequest,
      reply: FastifyReply,
    ) {
      const viaKit = () => kitHandler.call(this, request, reply);
      const type = (request.headers['content-type'] ?? '').toLowerCase();
      const protobuf = type.startsWith(PROTOBUF_TYPE);
      if (!Buffer.isBuffer(request.body) || (protobuf && fast.fromProtobuf === undefined)) {
        return viaKit();
      }
      let raw: unknown;
      try {
        raw = protobuf
          ? fast.fromProtobuf?.(request.body)
          : JSON.parse(request.body.toString('utf8'));
      } catch {
        return viaKit(); // the kit answers the 400 google.rpc.Status
      }
      if (raw === undefined || !fast.isCanonical(raw)) return viaKit();
      let result: OtlpIngestResult;
      try {
        // A refusal goes to the kit, which counts again and answers the 429 with Retry-After.
        admitIngest(request, otlpItemCount(fast.signal, raw), request.body.length);
        const call = callOf(request, ctx);
        result = await fast.ingest(raw, call);
      } catch {
        // Backpressure (503 + Retry-After), the ingest limit (429) and failures are answered by
        // the kit, which runs the ingest again: nothing of a failed batch was committed, and a
        // batch admitted here is not counted twice.
        return viaKit();
      }
      const partial =
        result.rejected > 0 || result.errorMessage
          ? {
              partialSuccess: {
                [fast.rejectedField]: result.rejected,
                ...(result.errorMessage ? { errorMessage: result.errorMessage } : {}),
              },
            }
          : {};
      if (!protobuf) return reply.code(200).type('application/json').send(partial);
      const response = otlpTypes(fast.signal).response;
      return reply
        .code(200)
        .type(PROTOBUF_TYPE)
        .send(Buffer.from(response.encode(response.fromObject(partial)).finish()));
    };
  });
}
