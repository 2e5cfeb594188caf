import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TEST_JWT_SECRET } from '@obs/service-kit/testing';
import { inject } from 'vitest';

const CHILD = fileURLToPath(new URL('./service-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * trace-service in a child process (see service-child.ts), assembling on a short idle time;
 * `env` adds to (or replaces) its variables.
 */
export function startServiceChild(
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const infra = inject('infra');
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: infra.databaseUrl,
      KAFKA_BROKERS: infra.kafkaBrokers,
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_MAX: '100000',
      TRACE_IDLE_MS: '300',
      TRACE_ASSEMBLY_INTERVAL_MS: '200',
      // Retention is global and this process runs on the real clock: other suites' traces are
      // dated elsewhere in time, and must not be deleted under them.
      TRACE_RETENTION_INTERVAL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /LISTENING (\S+)/.exec(out);
      if (match?.[1]) resolve({ child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`service child exited early (${code})`)));
  });
}

/**
 * The unmodified OpenTelemetry Node SDK with the OTLP/HTTP trace exporter (JSON or protobuf)
 * pointed at the service, the token in the exporter's headers. `shutdown()` flushes and
 * unregisters the global tracer provider, so the next test can start its own SDK.
 */
export function startSdk(options: {
  baseUrl: string;
  authorization: string;
  resource: Record<string, string>;
  protocol: 'json' | 'protobuf';
  /** The exporter's timeout for one export, retries included (the SDK's default: 10 s). */
  timeoutMillis?: number;
  /** Spans per export request (the SDK's default: 512). */
  maxExportBatchSize?: number;
}): { tracer: Tracer; shutdown: () => Promise<void> } {
  const exporterOptions = {
    url: `${options.baseUrl}/v1/traces`,
    headers: { authorization: options.authorization },
    ...(options.timeoutMillis === undefined ? {} : { timeoutMillis: options.timeoutMillis }),
  };
  const exporter =
    options.protocol === 'protobuf'
      ? new ProtoExporter(exporterOptions)
      : new JsonExporter(exporterOptions);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(options.resource),
    spanProcessors: [
      new BatchSpanProcessor(
        exporter,
        options.maxExportBatchSize === undefined
          ? {}
          : { maxExportBatchSize: options.maxExportBatchSize },
      ),
    ],
    instrumentations: [],
  });
  sdk.start();
  return {
    tracer: trace.getTracer('trace-service-sdk-test'),
    shutdown: async () => {
      await sdk.shutdown();
      trace.disable();
    },
  };
}
