import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry SDK once per process. Spans are exported over OTLP only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; without it they still get real ids (tested in
 * build-service.int.test.ts), which is what the envelopes and Kafka headers carry.
 */
export async function startTelemetry(serviceName: string): Promise<void> {
  if (sdk) return;
  // NodeSDK registers its tracer provider only when it is given a span processor; with none,
  // every span would be a no-op with the all-zero trace id, and no event would carry a trace.
  let processor: SpanProcessor = new NoopSpanProcessor();
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  sdk = new NodeSDK({ serviceName, spanProcessors: [processor], instrumentations: [] });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}

const tracer = () => trace.getTracer('obs-service-kit');

declare module 'fastify' {
  interface FastifyRequest {
    /** The OpenTelemetry context of this request's server span. */
    otelContext: Context;
    otelSpan: Span | undefined;
  }
}

/** One SERVER span per request, continuing the caller's W3C trace when it sent `traceparent`. */
export function registerRequestTracing(app: FastifyInstance): void {
  app.decorateRequest('otelContext');
  app.decorateRequest('otelSpan');
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const name = `${request.method} ${request.routeOptions.url ?? 'unmatched'}`;
    const span = tracer().startSpan(name, { kind: SpanKind.SERVER }, parent);
    request.otelSpan = span;
    request.otelContext = trace.setSpan(parent, span);
    done();
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = request.otelSpan;
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

/** Starts a CONSUMER span continuing the producer's trace from the message headers. */
export function startConsumerSpan(
  name: string,
  headers: Readonly<Record<string, string>>,
): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(name, { kind: SpanKind.CONSUMER }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** The W3C `traceparent` of a context, for outbox rows and Kafka headers. */
export function traceparentOf(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

export function traceIdOf(ctx: Context): string | null {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : null;
}

export const activeContext = (): Context => otelContext.active();
