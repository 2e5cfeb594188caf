import {
  HttpProblem,
  IngestLimitError,
  OtlpBackpressureError,
  admitIngest,
  problems,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import snappy from 'snappyjs';
import { z } from 'zod';
import type { OtlpMetricsIngest } from '../../ingest/otlp-ingest.js';
import { promErrorSchema, sendError, sendUnavailable } from '../envelope.js';
import { PromError, badData } from '../promql/errors.js';
import { decodeWriteRequest, ProtobufError } from './remote-write-decode.js';
import { remoteWriteToOtlp } from './remote-write-otlp.js';

/** Compressed bodies up to this size; the decompressed request up to MAX_DECODED_BYTES. */
export const REMOTE_WRITE_BODY_LIMIT = 16 * 1024 * 1024;
const MAX_DECODED_BYTES = 64 * 1024 * 1024;

const jsonError = (description: string) => ({
  description,
  content: { 'application/json': { schema: promErrorSchema } },
});

/**
 * `POST /prometheus/api/v1/write`: Prometheus remote write 1.0 (protobuf WriteRequest, snappy
 * block-compressed), into the OTLP ingest path. 204 when stored; 400 for what a retry cannot fix
 * (the sender drops the batch): a body that does not decode, a series without a dimension label
 * (the whole request, naming it), a gauge native histogram or one of another schema, points the ingest refuses; 5xx only for
 * retryable faults (503: the store is full or unavailable), so the sender's queue retries exactly
 * those.
 * 429 with Retry-After when the tenant's ingest limit (samples and decoded bytes) is spent,
 * nothing stored; Prometheus retries it only with queue_config.retry_on_http_429.
 */
export function remoteWriteRoute(app: FastifyInstance, otlp: OtlpMetricsIngest): void {
  void app.register((scope, _options, done) => {
    scope.addContentTypeParser(
      'application/x-protobuf',
      { parseAs: 'buffer', bodyLimit: REMOTE_WRITE_BODY_LIMIT },
      (_request, body, next) => next(null, body),
    );
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/prometheus/api/v1/write',
      {
        // Per tenant in samples and decoded bytes, the same buckets as OTLP metrics
        // (docs/limits.md); counted once decoded, below.
        config: { scope: 'ingest', ingestLimit: { signal: 'points' } },
        bodyLimit: REMOTE_WRITE_BODY_LIMIT,
        schema: {
          tags: ['prometheus'],
          summary: 'Prometheus remote write 1.0',
          description:
            'A snappy-compressed protobuf WriteRequest (Content-Type application/x-protobuf, Content-Encoding snappy), as Prometheus remote_write sends it. The ten dimensions come from the series labels project_id, module_id, artifact_id, execution_id, agent_id, service_name, service_version, deployment_environment_name, cloud_region, telemetry_origin (set them as external_labels); the tenant from the token. Counters (_total, or COUNTER in the metadata) become cumulative sums, other series gauges, into the same ingest path as OTLP. Needs the ingest scope.',
          consumes: ['application/x-protobuf'],
          body: z.any().meta({ example: '' }).describe('snappy-compressed prometheus.WriteRequest'),
          response: {
            204: z.null().describe('Stored'),
            ...problems([413, 415]),
            400: jsonError(
              'bad_data: not snappy or protobuf, a missing dimension label (named), a gauge native histogram or one of another schema, refused points',
            ),
            503: {
              description: 'The store is full or unavailable: retry (Retry-After when known)',
              content: {
                ...(problems([]) as Record<number, { content: Record<string, unknown> }>)[503]
                  ?.content,
                'application/json': { schema: promErrorSchema },
              },
            },
            429: {
              description:
                "The tenant's ingest limit (samples or bytes) is spent: nothing was stored. Prometheus retries it, after Retry-After, only with queue_config.retry_on_http_429: true; otherwise it drops the batch (docs/limits.md)",
              content: { 'application/json': { schema: promErrorSchema } },
            },
          },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body)) {
          throw new HttpProblem(
            415,
            'unsupported_media_type',
            'Unsupported Media Type',
            'remote write takes application/x-protobuf (a snappy-compressed WriteRequest)',
          );
        }
        try {
          let raw: Uint8Array;
          try {
            raw = snappy.uncompress(new Uint8Array(request.body), MAX_DECODED_BYTES);
          } catch (error) {
            throw badData(`snappy decode error: ${(error as Error).message}`);
          }
          let write;
          try {
            write = decodeWriteRequest(raw);
          } catch (error) {
            if (error instanceof ProtobufError)
              throw badData(`protobuf decode error: ${error.message}`);
            throw error;
          }
          // The whole request or nothing: refused before any sample is converted or stored.
          admitIngest(
            request,
            write.series.reduce(
              (sum, series) => sum + series.samples.length + series.histograms,
              0,
            ),
            raw.length,
          );
          const converted = remoteWriteToOtlp(write, request.auth.tenantId);
          const result = await otlp.ingest(converted.request, request.auth.tenantId);
          if (result.rejected > 0) {
            throw badData(
              `${result.rejected} samples refused: ${result.errorMessage ?? 'invalid points'}`,
            );
          }
          return reply.code(204).send(null);
        } catch (error) {
          if (error instanceof PromError) return sendError(reply, error);
          if (error instanceof IngestLimitError) {
            return reply
              .code(429)
              .header('retry-after', String(error.retryAfterSeconds))
              .send({ status: 'error', errorType: 'unavailable', error: error.message });
          }
          if (error instanceof OtlpBackpressureError) {
            void reply.header('retry-after', String(error.retryAfterSeconds));
            return sendUnavailable(reply, error.message);
          }
          if (error instanceof Error && error.name === 'QueryFailedError') {
            request.log.warn({ err: error }, 'remote write: database fault');
            return sendUnavailable(reply, 'the metric store is unavailable; retry');
          }
          throw error;
        }
      },
    );
    done();
  });
}
