import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';

/**
 * The unmodified OpenTelemetry logs SDK exporting to the service over real HTTP, in OTLP/JSON or
 * protobuf. Its LoggerProvider is not registered globally: the service under test runs in this
 * process with its own NodeSDK, and the two must not share globals. `flush()` exports and waits.
 */
export function sdkLogger(options: {
  baseUrl: string;
  authorization: string;
  resource: Record<string, string>;
  protocol?: 'json' | 'protobuf';
}) {
  const exporterOptions = {
    url: `${options.baseUrl}/v1/logs`,
    headers: { authorization: options.authorization },
  };
  const exporter =
    options.protocol === 'protobuf'
      ? new ProtoExporter(exporterOptions)
      : new JsonExporter(exporterOptions);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(options.resource),
    // A long delay: a test ends its batch with flush(), so the records of one test are one export.
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 3_600_000 })],
  });
  return {
    logger: provider.getLogger('log-query-test', '1.0.0'),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
