import { join } from 'node:path';
import { findFreePort, startGoPeer } from '@obs/local-infra';

/**
 * The real Jaeger (v1.75, the all-in-one binary: memory storage, OTLP/HTTP receiver) for the
 * differential test, from the platform's Go peers (built from its module on first use by the test
 * setup and cached; a missing Go fails naming it).
 */
export interface JaegerPeer {
  /** OTLP/HTTP receiver: POST `${otlpUrl}/v1/traces`. */
  readonly otlpUrl: string;
  /** The query API: GET `${queryUrl}/api/services`. */
  readonly queryUrl: string;
  stop(): Promise<void>;
}

export async function startJaeger(): Promise<JaegerPeer> {
  const [otlp, grpc] = [await findFreePort(), await findFreePort()];
  const config = (http: number) => `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: mem
    enable_tracing: false
    http:
      endpoint: 127.0.0.1:${http}
    grpc:
      endpoint: 127.0.0.1:${grpc}
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`;
  // Only what the test needs: no UI, no sampling, no own telemetry ports.
  const http = await findFreePort();
  const peer = await startGoPeer('jaeger', {
    port: http,
    files: { 'config.yaml': config(http) },
    args: ({ dataDir }) => ['--config', join(dataDir, 'config.yaml')],
    readyPath: '/api/services',
  });
  return { otlpUrl: `http://127.0.0.1:${otlp}`, queryUrl: peer.url, stop: () => peer.stop() };
}
